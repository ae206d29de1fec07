// Layer 5 (issue 16): the provider plugin as someone without this repository gets it, from the
// tarball scripts/plugin-tarball.js builds, installed with `pulumi plugin install` into the plugin
// cache, and found there by a YAML program that names no plugin path (and has no plugin on PATH).

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startTfcEmulator } from "../../src/emulators/tfc";
import type { TfcEmulator } from "../../src/emulators/tfc";
import { REPO_ROOT } from "../support/host";
import { PulumiStack, requirePulumiCli } from "../support/pulumi";

const PROGRAM = `name: installed-plugin
runtime: yaml
resources:
  deployKey:
    type: access-keys:index:SshKeyPair
  modulesKey:
    type: access-keys:tfc:SshKey
    properties:
      privateKey: \${deployKey.privateKey}
outputs:
  sshKeyId: \${modulesKey.sshKeyId}
  fingerprint: \${deployKey.fingerprint}
`;

describe("end to end: the plugin installed from its tarball with pulumi plugin install", function () {
  this.timeout(600_000);
  const bin = requirePulumiCli(["pulumi-language-yaml"]);
  let tfc: TfcEmulator;
  let stack: PulumiStack;
  let work: string;
  let tarball: string;
  const version = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version as string;

  before(async () => {
    tfc = await startTfcEmulator();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "pak-plugin-install-"));
    tarball = execFileSync("node", [path.join(REPO_ROOT, "scripts", "plugin-tarball.js"), path.join(work, "out")], { encoding: "utf8" }).trim();
    const projectDir = path.join(work, "project");
    fs.mkdirSync(projectDir);
    fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), PROGRAM);
    // Nothing of this checkout on PATH: the CLI, node and the system's tools only.
    const pathOnly = [bin(), path.dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(path.delimiter);
    stack = new PulumiStack(bin(), projectDir, { PATH: pathOnly, TFE_ADDRESS: tfc.url, TFE_TOKEN: tfc.tokens.user, TFE_ORGANIZATION: tfc.organization });
    await stack.init();
  });
  after(async () => {
    await stack?.destroyAndRemove();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    await tfc?.close();
  });

  it("the tarball holds the executable launcher at its root and the package with its dependencies", () => {
    const entries = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }).split("\n");
    assert.ok(entries.includes("./pulumi-resource-access-keys"));
    assert.ok(entries.includes("./node_modules/pulumi-access-keys/dist/src/plugin/schema.json"));
    assert.ok(entries.includes("./node_modules/@pulumi/pulumi/package.json"));
    assert.ok(!entries.some((e) => e.startsWith("./node_modules/pulumi-access-keys/test/")), "no tests in it");
  });

  it("without the plugin the program cannot run; once installed, up makes the key and destroy deletes it", async () => {
    const missing = await stack.run(["up", "--yes", "--skip-preview"]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.output, /access-keys/);
    await stack.must(["plugin", "install", "resource", "access-keys", `v${version}`, "--file", tarball]);
    const listed = JSON.parse((await stack.must(["plugin", "ls", "--json"])).stdout) as { name: string; kind: string; version: string }[];
    assert.ok(listed.some((p) => p.name === "access-keys" && p.kind === "resource" && p.version === version));
    await stack.up();
    const out = await stack.outputs();
    assert.deepEqual([...tfc.state.sshKeys.keys()], [out.sshKeyId]);
    await stack.must(["preview", "--expect-no-changes"]);
    await stack.must(["destroy", "--yes", "--skip-preview"]);
    assert.equal(tfc.state.sshKeys.size, 0);
  });
});
