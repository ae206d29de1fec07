// Layer 5: SshKeyPair as the key source of a stack without Nova generation, with the real CLI: its
// private key uploaded to HCP Terraform, its public key imported into Nova; up, preview with no
// changes, refresh, destroy, and no private key in state, backend files or the CLI's output.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { startAllEmulators } from "../../src/emulators/cli";
import type { RunningEmulators } from "../../src/emulators/cli";
import { comparableKeyText } from "../../src/ssh/keys";
import { PulumiStack, makeProjectDir, requirePulumiCli, scanForSecrets } from "../support/pulumi";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { NovaKeypair, SshKeyPair, TfcSshKey } from "pulumi-access-keys";

const rotateAfter = new pulumi.Config().get("rotateAfter");
const pair = new SshKeyPair("deploy", { keyAlgorithm: "ecdsa", comment: "deploy@ci", ...(rotateAfter ? { rotateAfter } : {}) });
new TfcSshKey("modules", { name: "modules", privateKey: pair.privateKey });
new NovaKeypair("deploy", { name: "deploy", publicKey: pair.publicKey });
export const fingerprint = pair.fingerprint;
export const privateKey = pair.privateKey;
export const privateKeyPem = pair.privateKeyPem;
export const publicKey = pair.publicKey;
`;

describe("end to end: SshKeyPair feeds the services", function () {
  this.timeout(300_000);
  const bin = requirePulumiCli();
  let services: RunningEmulators;
  let stack: PulumiStack;
  let projectDir: string;

  before(async () => {
    services = await startAllEmulators({ tfcRateLimitPerSecond: 0 });
    projectDir = makeProjectDir("ssh-key-pair-e2e", PROGRAM);
    stack = new PulumiStack(bin(), projectDir, services.env);
    await stack.init();
  });
  after(async () => {
    await stack?.destroyAndRemove();
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
    await services?.close();
  });

  it("up: HCP Terraform holds the pair's private key, Nova its public key; then no changes, refresh agrees", async () => {
    await stack.up();
    const outs = await stack.outputs(true);
    const tfcKey = [...services.tfc.state.sshKeys.values()].find((k) => k.name === "modules");
    assert.equal(comparableKeyText(tfcKey?.value), comparableKeyText(outs.privateKey));
    const kp = [...services.nova.state.keypairs.values()].find((k) => k.name === "deploy");
    assert.match(kp?.publicKey ?? "", /^ecdsa-sha2-nistp256 \S+ deploy@ci$/);
    assert.match(outs.privateKeyPem, /^-----BEGIN EC PRIVATE KEY-----/);
    const state = await stack.exportJson();
    const pair = state.deployment.resources?.find((r) => r.type === "pulumi-nodejs:dynamic/index:SshKeyPair");
    assert.equal(pair?.id, outs.fingerprint);
    await stack.must(["preview", "--expect-no-changes"]);
    await stack.must(["refresh", "--yes", "--skip-preview"]);
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("rotateAfter, once due, replaces the pair on the next up, with the reason, and the keys it fed follow", async () => {
    const before = await stack.outputs(true);
    await stack.setConfig("rotateAfter", "2s"); // the pair is older than that already
    const rotated = await stack.up();
    assert.match(rotated.output, /warning: SshKeyPair SHA256:\S+: rotation due since /);
    assert.match(rotated.output, /\+- +pulumi-nodejs:dynamic\/index:SshKeyPair deploy replaced/);
    const after = await stack.outputs(true);
    assert.notEqual(after.fingerprint, before.fingerprint, "a new key pair");
    const tfcKey = [...services.tfc.state.sshKeys.values()].find((k) => k.name === "modules");
    assert.equal(comparableKeyText(tfcKey?.value), comparableKeyText(after.privateKey), "HCP Terraform holds the new private key");
    const kp = [...services.nova.state.keypairs.values()].find((k) => k.name === "deploy");
    assert.equal(kp?.publicKey.split(" ")[1], after.publicKey.split(" ")[1], "Nova holds the new public key");
    // A period not yet due changes nothing but the state.
    await stack.setConfig("rotateAfter", "1h");
    await stack.up();
    assert.equal((await stack.outputs()).fingerprint, after.fingerprint);
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("destroy leaves nothing; no private key appears in state, the backend's files or the CLI's output", async () => {
    const outs = await stack.outputs(true);
    await stack.must(["destroy", "--yes", "--skip-preview"]);
    assert.equal(services.tfc.state.sshKeys.size, 0);
    assert.equal(services.nova.state.keypairs.size, 0);
    assert.deepEqual(await scanForSecrets(stack, [outs.privateKey, outs.privateKeyPem], [outs.publicKey]), []);
  });
});
