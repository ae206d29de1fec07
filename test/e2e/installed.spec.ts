// Layer 5, as a user installs it: `npm pack` this package, install the tarball into a separate program
// directory with npm, and run up / refresh / destroy there with the real CLI. This is also where the
// serialized provider in state is the short `require` of the installed package.

import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startOctopusEmulator } from "../../src/emulators/octopus";
import type { OctopusEmulator } from "../../src/emulators/octopus";
import { generateKeyPair } from "../../src/ssh/keys";
import { REPO_ROOT } from "../support/host";
import { PULUMI_VERSION, PulumiStack, requirePulumiCli } from "../support/pulumi";

function exec(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 300_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(" ")}: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { OctopusSshAccount } from "pulumi-access-keys";

const c = new pulumi.Config();
const account = new OctopusSshAccount("installed", {
  name: "installed from a tarball",
  username: "deploy",
  privateKey: c.requireSecret("deployKey"),
});
export const accountId = account.accountId;
export const fingerprint = account.fingerprint;
`;

describe("end to end: the package installed from npm pack", function () {
  this.timeout(600_000);
  const bin = requirePulumiCli();
  let octopus: OctopusEmulator;
  let dir: string;
  let stack: PulumiStack;
  const key = generateKeyPair({ algorithm: "ed25519" });

  before(async () => {
    octopus = await startOctopusEmulator();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pak-installed-e2e-"));
    const packed = JSON.parse(await exec("npm", ["pack", "--json", "--pack-destination", dir, "--loglevel=error"], REPO_ROOT)) as { filename: string; files: { path: string }[] }[];
    const tarball = path.join(dir, packed[0]!.filename);
    // What the tarball holds is what users get: the built package and the README, nothing else.
    const files = packed[0]!.files.map((f) => f.path);
    assert.ok(files.includes("dist/src/index.js") && files.includes("README.md") && files.includes("package.json"));
    assert.ok(!files.some((f) => f.startsWith("test/") || f.startsWith("dist/test/") || f.startsWith("src/")), "tests and sources stay out of the tarball");
    const program = path.join(dir, "program");
    fs.mkdirSync(program);
    fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: installed-e2e\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
    fs.writeFileSync(path.join(program, "index.ts"), PROGRAM);
    fs.writeFileSync(
      path.join(program, "package.json"),
      JSON.stringify({ name: "installed-e2e", private: true, main: "index.ts", dependencies: { "@pulumi/pulumi": PULUMI_VERSION, "pulumi-access-keys": `file:${tarball}`, typescript: "~5.9.0" } }),
    );
    await exec("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], program);
    assert.ok(!fs.lstatSync(path.join(program, "node_modules", "pulumi-access-keys")).isSymbolicLink(), "a real install, not a link");
    stack = new PulumiStack(bin(), program, { OCTOPUS_URL: octopus.url, OCTOPUS_API_KEY: octopus.admin.apiKey! });
    await stack.init();
    await stack.setConfig("deployKey", key.privateKey, true);
  });
  after(async () => {
    await stack?.destroyAndRemove();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    await octopus?.close();
  });

  it("up creates the account; state stores the provider as a short require of the installed package", async () => {
    await stack.up();
    const outs = await stack.outputs();
    assert.equal(outs.fingerprint, key.fingerprint);
    assert.ok(octopus.state.accounts.has(outs.accountId));
    const exported = await stack.exportJson();
    const resource = exported.deployment.resources!.find((r) => r.type === "pulumi-nodejs:dynamic/octopus:SshAccount")!;
    const provider = String(resource.inputs!.__provider);
    assert.match(provider, /require\("pulumi-access-keys\/internal\/octopus-ssh-account"\)/);
    assert.ok(provider.length <= 2048, `${provider.length} bytes`);
    console.log(`      __provider in state: ${provider.length} bytes per copy`);
  });

  it("preview, refresh and destroy run the installed code", async () => {
    await stack.must(["preview", "--expect-no-changes"]);
    await stack.must(["refresh", "--yes", "--skip-preview"]);
    await stack.must(["destroy", "--yes", "--skip-preview"]);
    assert.equal(octopus.state.accounts.size, 0);
  });
});
