// Layer 5: TfcSshKey with the real Pulumi CLI against the HCP Terraform emulator: up, preview with no
// changes, a rename in place, a replacement by a new key, refresh after an out-of-band delete, an
// organization token's clear message, destroy, a secret scan, and 100 keys in one up under the
// 30 requests per second limit.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { startTfcEmulator } from "../../src/emulators/tfc";
import type { TfcEmulator } from "../../src/emulators/tfc";
import { generateKeyPair } from "../../src/ssh/keys";
import { PulumiStack, makeProjectDir, requirePulumiCli, scanForSecrets } from "../support/pulumi";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { TfcSshKey } from "pulumi-access-keys";

const c = new pulumi.Config();
const count = c.getNumber("count") ?? 1;
const keys = [];
for (let i = 0; i < count; i++) {
  keys.push(new TfcSshKey(\`key-\${i}\`, {
    name: i === 0 ? c.require("keyName") : \`bulk-\${i}\`,
    privateKey: c.requireSecret("modulesKey"),
  }));
}
export const sshKeyId = keys[0].sshKeyId;
export const fingerprint = keys[0].fingerprint;
export const organization = keys[0].organization;
`;

describe("end to end: TfcSshKey with the Pulumi CLI", function () {
  this.timeout(300_000);
  const bin = requirePulumiCli();
  let tfc: TfcEmulator;
  let stack: PulumiStack;
  let projectDir: string;
  const first = generateKeyPair({ algorithm: "ed25519" });
  const second = generateKeyPair({ algorithm: "rsa", bits: 2048 });

  before(async () => {
    tfc = await startTfcEmulator();
    projectDir = makeProjectDir("tfc-e2e", PROGRAM);
    stack = new PulumiStack(bin(), projectDir, { TFE_ADDRESS: tfc.url, TFE_TOKEN: tfc.tokens.user, TFE_ORGANIZATION: tfc.organization });
    await stack.init();
    await stack.setConfig("keyName", "private-modules");
    await stack.setConfig("modulesKey", first.privateKey, true);
  });
  after(async () => {
    await stack?.destroyAndRemove();
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
    await tfc?.close();
  });

  const keys = () => [...tfc.state.sshKeys.values()];

  it("up uploads the key; preview then shows no changes", async () => {
    await stack.up();
    const outs = await stack.outputs();
    assert.equal(keys().length, 1);
    assert.equal(keys()[0]!.id, outs.sshKeyId);
    assert.equal(keys()[0]!.value, first.privateKey);
    assert.equal(outs.fingerprint, first.fingerprint);
    assert.equal(outs.organization, tfc.organization);
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("a rename updates in place; a new private key replaces the key", async () => {
    const before = (await stack.outputs()).sshKeyId;
    await stack.setConfig("keyName", "private-modules-renamed");
    const renamed = await stack.up();
    assert.match(renamed.output, /~ +pulumi-nodejs:dynamic\/tfc:SshKey key-0 updated/);
    assert.equal((await stack.outputs()).sshKeyId, before);
    assert.equal(keys()[0]!.name, "private-modules-renamed");

    await stack.setConfig("modulesKey", second.privateKey, true);
    const replaced = await stack.up();
    assert.match(replaced.output, /\+- +pulumi-nodejs:dynamic\/tfc:SshKey key-0 replaced/);
    const after = await stack.outputs();
    assert.notEqual(after.sshKeyId, before);
    assert.deepEqual(keys().map((k) => k.id), [after.sshKeyId], "the old key is deleted");
    assert.equal(keys()[0]!.value, second.privateKey);
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("refresh after an out-of-band delete drops the key, and up uploads it again", async () => {
    tfc.state.sshKeys.clear();
    await stack.must(["refresh", "--yes", "--skip-preview"]);
    const exported = await stack.exportJson();
    assert.equal(exported.deployment.resources!.filter((r) => r.type.endsWith("tfc:SshKey")).length, 0);
    await stack.up();
    assert.equal(keys().length, 1);
  });

  it("an organization token fails with a message that names the fix, and changes nothing", async () => {
    await stack.setConfig("keyName", "with-an-org-token");
    const result = await stack.run(["up", "--yes", "--skip-preview"], { env: { TFE_TOKEN: tfc.tokens.organization } });
    assert.notEqual(result.code, 0);
    assert.match(result.output, /TfcSshKey update failed: PATCH \/api\/v2\/ssh-keys\/sshkey-\w+ -> 404 not found/);
    assert.match(result.output, /organization tokens: SSH keys need a user or team token/);
    assert.equal(keys()[0]!.name, "private-modules-renamed");
    await stack.setConfig("keyName", "private-modules-renamed");
  });

  it("100 keys in one up under the 30 requests per second limit: no 429 surfaces", async () => {
    await stack.setConfig("count", "100");
    const before = tfc.state.rateLimited.length;
    const started = Date.now();
    await stack.up();
    const seconds = (Date.now() - started) / 1000;
    assert.equal(keys().length, 100);
    assert.equal(new Set(keys().map((k) => k.name)).size, 100, "no duplicates");
    console.log(`      100 keys: up took ${seconds.toFixed(1)} s (floor 100/30 = 3.3 s plus the engine), ${tfc.state.rateLimited.length - before} requests answered 429 and retried`);
    await stack.setConfig("count", "1");
    await stack.up();
    assert.equal(keys().length, 1);
  });

  it("destroy leaves nothing, and no secret is in state, the backend or the CLI's output", async () => {
    await stack.must(["destroy", "--yes", "--skip-preview"]);
    assert.equal(keys().length, 0);
    const secrets = [first.privateKey, second.privateKey, tfc.tokens.user, tfc.tokens.organization];
    assert.deepEqual(await scanForSecrets(stack, secrets), []);
  });
});
