// Layer 5: NovaKeypair with the real Pulumi CLI against the Keystone + Nova emulator: a Nova-generated
// key whose private key survives refresh and updates, an imported key replaced (old one deleted first,
// same name), local generation, refresh after an out-of-band delete, a taken name's message, destroy,
// and a scan for every secret.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { startNovaEmulator } from "../../src/emulators/nova";
import type { NovaEmulator } from "../../src/emulators/nova";
import { generateKeyPair, inspectPrivateKey } from "../../src/ssh/keys";
import { PulumiStack, makeProjectDir, requirePulumiCli, scanForSecrets } from "../support/pulumi";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { NovaKeypair } from "pulumi-access-keys";

const c = new pulumi.Config();
const generated = new NovaKeypair("generated", { name: "e2e-generated" });
const imported = new NovaKeypair("imported", { name: c.get("importName") ?? "e2e-imported", publicKey: c.require("publicKey") });
const local = new NovaKeypair("local", { name: "e2e-local", generate: "local" });

export const generatedFingerprint = generated.fingerprint;
export const generatedPrivateKey = generated.privateKey;
export const importedFingerprint = imported.fingerprint;
export const localPrivateKey = local.privateKey;
`;

describe("end to end: NovaKeypair with the Pulumi CLI", function () {
  this.timeout(300_000);
  const bin = requirePulumiCli();
  let nova: NovaEmulator;
  let stack: PulumiStack;
  let projectDir: string;
  const first = generateKeyPair({ algorithm: "ed25519" });
  const second = generateKeyPair({ algorithm: "ed25519" });
  const privateKeys: string[] = [];

  before(async () => {
    nova = await startNovaEmulator();
    projectDir = makeProjectDir("nova-e2e", PROGRAM);
    stack = new PulumiStack(bin(), projectDir, nova.environment({ auth: "password", user: "user" }));
    await stack.init();
    await stack.setConfig("publicKey", first.publicKey);
  });
  after(async () => {
    await stack?.destroyAndRemove();
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
    await nova?.close();
  });

  const keypair = (name: string) => [...nova.state.keypairs.values()].find((k) => k.name === name);

  it("up: Nova generates one pair, one is imported, one is generated locally", async () => {
    await stack.up();
    const outs = await stack.outputs(true);
    privateKeys.push(outs.generatedPrivateKey, outs.localPrivateKey);
    assert.equal(keypair("e2e-generated")!.generated, true);
    assert.equal(inspectPrivateKey(outs.generatedPrivateKey).md5Fingerprint, outs.generatedFingerprint);
    assert.equal(outs.importedFingerprint, first.md5Fingerprint);
    assert.equal(keypair("e2e-local")!.generated, false);
    assert.equal(inspectPrivateKey(outs.localPrivateKey).keyType, "ssh-ed25519");
    assert.equal((await stack.outputs()).generatedPrivateKey, "[secret]");
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("refresh keeps the private key Nova returned once; no API is asked for it again", async () => {
    const before = (await stack.outputs(true)).generatedPrivateKey;
    await stack.must(["refresh", "--yes", "--skip-preview"]);
    assert.equal((await stack.outputs(true)).generatedPrivateKey, before);
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("a new public key under the same name replaces the pair, deleting the old one first", async () => {
    await stack.setConfig("publicKey", second.publicKey);
    const result = await stack.up();
    assert.match(result.output, /\+- +pulumi-nodejs:dynamic\/nova:Keypair imported replaced/);
    assert.equal(keypair("e2e-imported")!.fingerprint, second.md5Fingerprint);
    assert.equal((await stack.outputs()).importedFingerprint, second.md5Fingerprint);
  });

  it("refresh after an out-of-band delete drops the pair, and up makes it again", async () => {
    nova.state.keypairs.delete(keypair("e2e-imported")!.id);
    await stack.must(["refresh", "--yes", "--skip-preview"]);
    const exported = await stack.exportJson();
    assert.equal(exported.deployment.resources!.filter((r) => r.type.endsWith("nova:Keypair")).length, 2);
    await stack.up();
    assert.ok(keypair("e2e-imported"));
  });

  it("a name taken by another key pair of the user fails with what to do, and changes nothing", async () => {
    const snapshot = () => JSON.stringify([...nova.state.keypairs.values()].map((k) => [k.name, k.fingerprint]).sort());
    const untouched = snapshot();
    await stack.setConfig("importName", "e2e-local");
    const result = await stack.run(["up", "--yes", "--skip-preview"]);
    assert.notEqual(result.code, 0);
    // Refused by the diff, before the old pair (deleted first: an explicit name) is touched.
    assert.match(result.output, /a key pair named 'e2e-local' already exists/);
    assert.match(result.output, /names are unique per user, across all projects/);
    assert.equal(snapshot(), untouched, "nothing made, nothing deleted");
    await stack.must(["config", "rm", "importName"]);
    await stack.up();
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("destroy leaves nothing, and no secret is in state, the backend or the CLI's output", async () => {
    await stack.must(["destroy", "--yes", "--skip-preview"]);
    assert.equal(nova.state.keypairs.size, 0);
    const secrets = [...privateKeys, nova.credentials.password, ...[...nova.state.tokens.keys()]];
    assert.deepEqual(await scanForSecrets(stack, secrets), []);
  });
});
