// Layer 5: the end-to-end suites run their programs under Pulumi's own Node.js language host, the one
// users run, not a stand-in. This fails when the host the CLI starts is anything else: it checks the
// version the host reports, the package its binary was built from, and one behaviour only Pulumi's
// host has (the synchronous-invoke pipes it makes for every program it runs, named by
// PULUMI_NODEJS_SYNC; a stand-in that merely runs @pulumi/pulumi/cmd/run has none).

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PULUMI_VERSION, PulumiStack, makeProjectDir, requirePulumiCli } from "../support/pulumi";

// Each run appends what it saw to the file named by LANGHOST_PROBE: preview's runs too, which have no outputs to read.
const PROGRAM = `
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

const dir = process.env.PULUMI_NODEJS_SYNC;
const fifo = (name: string) => !!dir && fs.existsSync(path.join(dir, name)) && fs.statSync(path.join(dir, name)).isFIFO();
const seen = { dryRun: pulumi.runtime.isDryRun(), syncDir: dir ?? null, syncPipes: fifo("invoke_req") && fifo("invoke_res") };
fs.appendFileSync(process.env.LANGHOST_PROBE!, JSON.stringify(seen) + "\\n");
export const syncPipes = seen.syncPipes;
`;

/** The first `pulumi-language-nodejs` on a PATH: the one the CLI runs (PATH wins over the CLI's own directory). */
function languageHostOn(pathVar: string): string | undefined {
  for (const dir of pathVar.split(path.delimiter)) {
    const exe = path.join(dir, "pulumi-language-nodejs");
    if (dir && fs.existsSync(exe)) return exe;
  }
  return undefined;
}

describe("end to end: Pulumi's Node.js language host runs the programs", function () {
  this.timeout(120_000);
  const bin = requirePulumiCli();
  let stack: PulumiStack;
  let projectDir: string;
  let probe: string;

  before(async () => {
    projectDir = makeProjectDir("langhost-e2e", PROGRAM);
    probe = path.join(projectDir, "probe.jsonl");
    stack = new PulumiStack(bin(), projectDir, { LANGHOST_PROBE: probe });
    await stack.init();
  });
  after(async () => {
    await stack?.destroyAndRemove();
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
  });

  it(`the host the CLI starts is Pulumi's pulumi-language-nodejs v${PULUMI_VERSION}`, () => {
    const host = languageHostOn(`${bin()}${path.delimiter}${process.env.PATH ?? ""}`);
    assert.ok(host, "no pulumi-language-nodejs beside the CLI or on PATH");
    assert.equal(execFileSync(host, ["-version"], { encoding: "utf8" }).trim(), `v${PULUMI_VERSION}`);
    // Go's build information, embedded in every binary: the package it was built from.
    const built = fs.readFileSync(host).toString("latin1");
    assert.ok(built.includes("path\tgithub.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3\n"), `${host} was not built from Pulumi's language host package`);
  });

  it("a program it runs gets the synchronous-invoke pipes only Pulumi's host makes, in preview and in up", async () => {
    await stack.must(["preview"]);
    await stack.up();
    const runs = fs.readFileSync(probe, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { dryRun: boolean; syncDir: string | null; syncPipes: boolean });
    assert.deepEqual(runs.map((r) => r.dryRun), [true, false], "one preview run, then one update run");
    for (const run of runs) assert.equal(run.syncPipes, true, `${run.dryRun ? "preview" : "up"}: PULUMI_NODEJS_SYNC=${String(run.syncDir)}`);
    assert.equal((await stack.outputs()).syncPipes, true);
  });
});
