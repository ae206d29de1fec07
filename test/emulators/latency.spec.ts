// The emulators' fixed service latency (`latencyMs`, `--latency-ms`), which `npm run bench` runs
// with: every answer waits that long, faults included, and it reaches all three emulators.

import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { startAllEmulators } from "../../src/emulators/cli";
import { startEmulatorServer } from "../../src/emulators/server";
import type { EmulatorServer } from "../../src/emulators/server";
import { REPO_ROOT } from "../support/host";

const LATENCY = 150;

/** Milliseconds one GET takes, body included. */
async function timeGet(url: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  return { ms: performance.now() - started, status: res.status };
}

describe("emulators: latencyMs", () => {
  let servers: EmulatorServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  const start = async (latencyMs?: number) => {
    const server = await startEmulatorServer(() => ({ status: 200, body: { ok: true } }), latencyMs === undefined ? {} : { latencyMs });
    servers.push(server);
    return server;
  };

  it("delays every answer by latencyMs, and none without it", async () => {
    const slow = await start(LATENCY);
    const fast = await start();
    await timeGet(`${fast.url}/warm`); // the first request of a process pays for connection setup
    const [a, b] = [await timeGet(`${slow.url}/x`), await timeGet(`${fast.url}/x`)];
    assert.equal(a.status, 200);
    // Timers may fire up to a millisecond early against performance.now(): allow for it.
    assert.ok(a.ms >= LATENCY - 2, `${a.ms.toFixed(1)} ms with latency ${LATENCY}`);
    assert.ok(b.ms < LATENCY / 2, `${b.ms.toFixed(1)} ms without latency`);
  });

  it("delays injected faults too, and requests in parallel wait side by side, not in a queue", async () => {
    const server = await start(LATENCY);
    server.faults.script({ fault: { kind: "status", status: 503 } });
    const faulted = await timeGet(`${server.url}/x`);
    assert.equal(faulted.status, 503);
    assert.ok(faulted.ms >= LATENCY - 2, `${faulted.ms.toFixed(1)} ms`);
    const started = performance.now();
    await Promise.all(Array.from({ length: 8 }, () => timeGet(`${server.url}/y`)));
    assert.ok(performance.now() - started < LATENCY * 3, "8 parallel requests took about one latency, not eight");
  });

  it("refuses a negative latency", async () => {
    await assert.rejects(startEmulatorServer(() => ({ status: 200 }), { latencyMs: -1 }), /latencyMs must be a non-negative number/);
  });

  it("startAllEmulators passes it to Octopus, HCP Terraform and Keystone + Nova", async () => {
    const running = await startAllEmulators({ latencyMs: LATENCY });
    try {
      for (const url of [`${running.env.OCTOPUS_URL}/api`, `${running.env.TFE_ADDRESS}/.well-known/terraform.json`, running.env.OS_AUTH_URL!]) {
        const { ms } = await timeGet(url);
        assert.ok(ms >= LATENCY - 2, `${url}: ${ms.toFixed(1)} ms`);
      }
    } finally {
      await running.close();
    }
  });

  it("the emulators command takes --latency-ms", async () => {
    // The command runs a child with the emulators' variables set; the child times one request.
    const child = `fetch(process.env.TFE_ADDRESS + "/.well-known/terraform.json").then(async (r) => { await r.arrayBuffer(); const t = performance.now(); await (await fetch(process.env.TFE_ADDRESS + "/.well-known/terraform.json")).arrayBuffer(); console.log(performance.now() - t); })`;
    const cli = path.join(REPO_ROOT, "dist", "src", "emulators", "cli.js");
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [cli, "--latency-ms", String(LATENCY), "--", process.execPath, "-e", child], { encoding: "utf8", timeout: 20_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const ms = Number(out.trim());
    assert.ok(ms >= LATENCY - 2, `${out.trim()} ms`);
  });
});
