// TLS (issue 6, item 5): HTTPS certificates are verified; a private CA works through the connection's
// `caCertificate` and through NODE_EXTRA_CA_CERTS; turning verification off is explicit and warned.
// The emulator serves a certificate signed by a CA made for this test (openssl, at test time).

import { strict as assert } from "node:assert";
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startOctopusEmulator } from "../../src/emulators/octopus";
import type { OctopusEmulator } from "../../src/emulators/octopus";
import { octopusSshAccountProvider } from "../../src/octopus/ssh-account";
import { generateKeyPair } from "../../src/ssh/keys";
import { REPO_ROOT } from "../support/host";
import { failure } from "../support/provider";
import type { Provider } from "../support/provider";

const provider = octopusSshAccountProvider as Provider;

/** A CA and a server certificate for 127.0.0.1 signed by it. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string; caFile: string } {
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=pulumi-access-keys test CA");
  run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  fs.writeFileSync(path.join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
  run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf");
  const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
  return { ca: read("ca.pem"), cert: read("server.pem"), key: read("server.key"), caFile: path.join(dir, "ca.pem") };
}

describe("TLS", function () {
  this.timeout(60_000);
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  let octopus: OctopusEmulator;
  const key = generateKeyPair({ algorithm: "ed25519" });
  let n = 0;
  const inputs = (connection: Record<string, unknown>) => ({ name: `tls-${++n}`, username: "u", privateKey: key.privateKey, space: "Spaces-1", connection: { serverUrl: octopus.url, apiKey: octopus.admin.apiKey, ...connection } });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pak-tls-"));
    certs = makeCertificates(dir);
    octopus = await startOctopusEmulator({ tls: { cert: certs.cert, key: certs.key } });
    assert.match(octopus.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  });
  after(async () => {
    await octopus?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a certificate from an unknown CA, says how to fix it, and does not retry", async () => {
    const e = await failure(() => provider.create(inputs({})));
    assert.match(e.message, /could not reach https:\/\/127\.0\.0\.1:\d+: the server's TLS certificate is not signed by a trusted CA \(\w+\): give its CA certificate \(connection\.caCertificate, or the file in NODE_EXTRA_CA_CERTS\)/);
    assert.doesNotMatch(e.message, /attempts/);
    assert.equal(octopus.state.accounts.size, 0);
  });

  it("trusts the CA given as connection.caCertificate", async () => {
    const created = await provider.create(inputs({ caCertificate: certs.ca }));
    assert.ok(octopus.state.accounts.has(created.id));
  });

  it("trusts the CA in NODE_EXTRA_CA_CERTS (read by Node at start: a fresh process)", async () => {
    const script = `
      const { octopusSshAccountProvider: p } = require(${JSON.stringify(path.join(REPO_ROOT, "dist", "src", "octopus", "ssh-account.js"))});
      p.create(JSON.parse(process.env.INPUTS)).then((r) => { process.stdout.write(r.id); return require(${JSON.stringify(path.join(REPO_ROOT, "dist", "src", "core", "http.js"))}).closePools(); })
        .catch((e) => { process.stderr.write(e.message); process.exit(1); });`;
    const id = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ["-e", script],
        { cwd: REPO_ROOT, env: { ...process.env, NODE_EXTRA_CA_CERTS: certs.caFile, INPUTS: JSON.stringify(inputs({})) }, encoding: "utf8" },
        (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout)),
      ),
    );
    assert.ok(octopus.state.accounts.has(id));
  });

  it("skips verification only when told to, and says so loudly", async () => {
    const warnings: string[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => {
      warnings.push(args.map(String).join(" "));
    };
    try {
      const created = await provider.create(inputs({ insecure: true }));
      assert.ok(octopus.state.accounts.has(created.id));
    } finally {
      console.warn = original;
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /WARNING: TLS certificate verification is OFF for https:\/\/127\.0\.0\.1:\d+ \(insecure: true\)/);
  });
});
