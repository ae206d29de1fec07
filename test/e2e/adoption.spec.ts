// Layer 5: bringing keys made outside Pulumi under management, with the real CLI against all three
// emulators. The objects are made with plain API calls, as terraform-provider-octopusdeploy, -tfe and
// -openstack would have made them; the program adopts some (`adopt`) and only looks up others
// (`get`), as docs/MIGRATION.md tells a user to.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { startAllEmulators } from "../../src/emulators/cli";
import type { RunningEmulators } from "../../src/emulators/cli";
import { generateKeyPair } from "../../src/ssh/keys";
import { novaKeypairMadeElsewhere, octopusAccountMadeElsewhere, tfcKeyMadeElsewhere } from "../support/outside";
import { PulumiStack, makeProjectDir, requirePulumiCli, scanForSecrets } from "../support/pulumi";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { NovaKeypair, OctopusApiKey, OctopusSshAccount, TfcSshKey } from "pulumi-access-keys";

const c = new pulumi.Config();
const deployKey = c.requireSecret("deployKey");

// Adopted: managed from now on, and deleted by destroy.
const account = new OctopusSshAccount("deploy", {
  name: "deploy",
  username: "ubuntu",
  privateKey: deployKey,
  description: "managed by Pulumi",
  adopt: true,
});
const modules = new TfcSshKey("modules", { name: "private-modules", privateKey: deployKey, adopt: c.require("tfcKeyId") });
const ops = new NovaKeypair("ops", { name: "ops", privateKey: deployKey, adopt: true });

// Looked up: read on every up and refresh, never changed or deleted.
const sharedAccount = OctopusSshAccount.get("shared-account", c.require("sharedAccountId"), undefined, { space: "Spaces-1" });
const sharedKey = TfcSshKey.get("shared-key", c.require("sharedKeyId"));
const sharedPair = NovaKeypair.get("shared-pair", "shared");
const ci = OctopusApiKey.get("ci", c.require("ciKeyId"), undefined, { user: "Users-1" });

// A name that is taken, without adopt: must fail and create nothing.
if (c.getBoolean("clash")) new TfcSshKey("clash", { name: "shared", privateKey: deployKey });

export const accountId = account.accountId;
export const accountFingerprint = account.fingerprint;
export const sshKeyId = modules.sshKeyId;
export const tfcFingerprint = modules.fingerprint;
export const novaFingerprint = ops.fingerprint;
export const novaPrivateKey = ops.privateKey;
export const sharedAccountUsername = sharedAccount.username;
export const sharedKeyName = sharedKey.name;
export const sharedPairFingerprint = sharedPair.fingerprint;
export const ciPurpose = ci.purpose;
`;

describe("end to end: adopting keys made outside Pulumi, and looking others up", function () {
  this.timeout(300_000);
  const bin = requirePulumiCli();
  let emulators: RunningEmulators;
  let stack: PulumiStack;
  let projectDir: string;
  const deploy = generateKeyPair({ algorithm: "ed25519" });
  const old = generateKeyPair({ algorithm: "ed25519" });
  const shared = generateKeyPair({ algorithm: "ed25519" });
  const ids = { account: "", sharedAccount: "", tfcKey: "", sharedKey: "", ciKey: "" };
  let ciKeyValue = "";

  before(async () => {
    emulators = await startAllEmulators();
    const { octopus, tfc, nova } = emulators;
    // What a user arrives with: the deploy key registered everywhere by hand or by Terraform.
    ids.account = await octopusAccountMadeElsewhere(octopus, "deploy", old.privateKey);
    ids.sharedAccount = await octopusAccountMadeElsewhere(octopus, "shared", shared.privateKey, { PrivateKeyPassphrase: null });
    ids.tfcKey = await tfcKeyMadeElsewhere(tfc, "modules (terraform)", deploy.privateKey);
    ids.sharedKey = await tfcKeyMadeElsewhere(tfc, "shared", shared.privateKey);
    await novaKeypairMadeElsewhere(nova, "ops", deploy.publicKey);
    await novaKeypairMadeElsewhere(nova, "shared", shared.publicKey);
    ciKeyValue = octopus.createApiKey("Users-1", "ci");
    ids.ciKey = [...octopus.state.apiKeys.values()].find((k) => k.Purpose === "ci")!.Id;

    projectDir = makeProjectDir("adoption-e2e", PROGRAM);
    stack = new PulumiStack(bin(), projectDir, emulators.env);
    await stack.init();
    await stack.setConfig("deployKey", deploy.privateKey, true);
    await stack.setConfig("tfcKeyId", ids.tfcKey);
    await stack.setConfig("sharedAccountId", ids.sharedAccount);
    await stack.setConfig("sharedKeyId", ids.sharedKey);
    await stack.setConfig("ciKeyId", ids.ciKey);
  });
  after(async () => {
    await stack?.destroyAndRemove();
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
    await emulators?.close();
  });

  const counts = () => ({
    accounts: emulators.octopus.state.accounts.size,
    tfcKeys: emulators.tfc.state.sshKeys.size,
    keypairs: emulators.nova.state.keypairs.size,
    apiKeys: emulators.octopus.state.apiKeys.size,
  });

  it("up takes the objects over (nothing new) and brings what differs in line; lookups read the others", async () => {
    const before = counts();
    await stack.up();
    assert.deepEqual(counts(), before, "no object was created");
    const outs = await stack.outputs(true);
    assert.equal(outs.accountId, ids.account);
    const account = emulators.octopus.state.accounts.get(ids.account)!;
    assert.equal(account.Username, "ubuntu");
    assert.equal(account.Description, "managed by Pulumi");
    assert.equal(Buffer.from(account.PrivateKeyFile!, "base64").toString("utf8"), deploy.privateKey, "the declared key replaced the old one");
    assert.equal(outs.sshKeyId, ids.tfcKey);
    assert.equal(emulators.tfc.state.sshKeys.get(ids.tfcKey)!.name, "private-modules", "renamed to the declared name");
    assert.equal(outs.accountFingerprint, deploy.fingerprint);
    assert.equal(outs.tfcFingerprint, deploy.fingerprint);
    assert.equal(outs.novaFingerprint, deploy.md5Fingerprint);
    assert.equal(outs.novaPrivateKey, deploy.privateKey, "the private key given is kept for the adopted pair");
    assert.equal(outs.sharedAccountUsername, "legacy");
    assert.equal(outs.sharedKeyName, "shared");
    assert.equal(outs.sharedPairFingerprint, shared.md5Fingerprint);
    assert.equal(outs.ciPurpose, "ci");
    await stack.must(["preview", "--expect-no-changes"]);
    await stack.must(["refresh", "--yes", "--skip-preview"]);
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("a taken name without adopt fails with a message that says how to adopt, and creates nothing", async () => {
    await stack.setConfig("clash", "true");
    const before = counts();
    const result = await stack.run(["up", "--yes", "--skip-preview"]);
    assert.notEqual(result.code, 0);
    assert.match(result.output, new RegExp(`already has an SSH key named 'shared' \\(${ids.sharedKey}\\)\\. To manage it with this resource, set \`adopt: true\``));
    assert.deepEqual(counts(), before);
    await stack.setConfig("clash", "false");
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("destroy deletes the adopted objects and leaves the looked-up ones; no secret leaks", async () => {
    await stack.must(["destroy", "--yes", "--skip-preview"]);
    const { octopus, tfc, nova } = emulators;
    assert.equal(octopus.state.accounts.has(ids.account), false);
    assert.equal(tfc.state.sshKeys.has(ids.tfcKey), false);
    assert.equal([...nova.state.keypairs.values()].some((k) => k.name === "ops"), false);
    assert.ok(octopus.state.accounts.has(ids.sharedAccount));
    assert.ok(tfc.state.sshKeys.has(ids.sharedKey));
    assert.ok([...nova.state.keypairs.values()].some((k) => k.name === "shared"));
    assert.ok(octopus.state.apiKeys.has(ids.ciKey));
    const found = await scanForSecrets(stack, [deploy.privateKey, old.privateKey, shared.privateKey, ciKeyValue, emulators.env.OCTOPUS_API_KEY!, emulators.env.TFE_TOKEN!, emulators.env.OS_PASSWORD!]);
    assert.deepEqual(found, []);
  });
});
