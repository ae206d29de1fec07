// Layer 5: the Octopus resources with the real Pulumi CLI on a local file backend, against the
// emulator: up, preview with no changes, an update in place, replacements, refresh after an
// out-of-band delete, a bad input, destroy, and a scan of state and output for every secret used.

import { strict as assert } from "node:assert";
import { generateKeyPairSync } from "node:crypto";
import * as fs from "node:fs";
import { startOctopusEmulator } from "../../src/emulators/octopus";
import type { OctopusEmulator } from "../../src/emulators/octopus";
import { generateKeyPair } from "../../src/ssh/keys";
import { PulumiStack, makeProjectDir, requirePulumiCli, scanForSecrets } from "../support/pulumi";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { OctopusApiKey, OctopusSshAccount } from "pulumi-access-keys";

const c = new pulumi.Config();
// No API key exists yet: the provider logs in with OCTOPUS_USERNAME / OCTOPUS_PASSWORD.
const key = new OctopusApiKey("key", { purpose: c.require("purpose") });
const account = new OctopusSshAccount("account", {
  name: c.require("accountName"),
  username: "deploy",
  privateKey: c.requireSecret("deployKey"),
  privateKeyPassphrase: c.getSecret("deployKeyPassphrase"),
  space: c.get("space"),
  connection: { apiKey: key.apiKey },
});

export const accountId = account.accountId;
export const accountSpace = account.spaceId;
export const fingerprint = account.fingerprint;
export const apiKeyId = key.apiKeyId;
export const apiKey = key.apiKey;
`;

const PASSPHRASE = "e2e passphrase 7f3a9c";

describe("end to end: Octopus resources with the Pulumi CLI", function () {
  this.timeout(180_000);
  const bin = requirePulumiCli();
  let octopus: OctopusEmulator;
  let stack: PulumiStack;
  let projectDir: string;
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const encryptedKey = rsa.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: PASSPHRASE }).toString();
  const plainKey = generateKeyPair({ algorithm: "ed25519" });
  const apiKeys = new Set<string>();
  const accountIds: string[] = [];

  before(async () => {
    octopus = await startOctopusEmulator({ adminApiKey: false });
    projectDir = makeProjectDir("octopus-e2e", PROGRAM);
    stack = new PulumiStack(bin(), projectDir, {
      OCTOPUS_URL: octopus.url,
      OCTOPUS_USERNAME: octopus.admin.username,
      OCTOPUS_PASSWORD: octopus.admin.password!,
    });
    await stack.init();
    await stack.setConfig("purpose", "e2e automation");
    await stack.setConfig("accountName", "e2e deploy");
    await stack.setConfig("deployKey", encryptedKey, true);
    await stack.setConfig("deployKeyPassphrase", PASSPHRASE, true);
  });
  after(async () => {
    await stack?.destroyAndRemove();
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
    await octopus?.close();
  });

  const accounts = () => [...octopus.state.accounts.values()];
  const liveKeys = () => [...octopus.state.apiKeys.values()];
  const remember = async () => {
    const outs = await stack.outputs(true);
    apiKeys.add(outs.apiKey);
    return outs;
  };

  it("up creates the API key by logging in, then the account with that key", async () => {
    await stack.up();
    const outs = await remember();
    assert.match(outs.apiKey, /^API-/);
    assert.equal(accounts().length, 1);
    const account = accounts()[0]!;
    accountIds.push(account.Id);
    assert.equal(outs.accountId, account.Id);
    assert.equal(account.Name, "e2e deploy");
    assert.equal(Buffer.from(account.PrivateKeyFile!, "base64").toString(), encryptedKey);
    assert.equal(account.PrivateKeyPassphrase, PASSPHRASE);
    assert.equal(liveKeys().length, 1);
    const plainOuts = await stack.outputs();
    assert.equal(plainOuts.apiKey, "[secret]");
  });

  it("preview --expect-no-changes passes right after", async () => {
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("a rename and a key rotation update the account in place", async () => {
    await stack.setConfig("accountName", "e2e deploy renamed");
    await stack.setConfig("deployKey", plainKey.privateKey, true);
    await stack.must(["config", "rm", "deployKeyPassphrase"]);
    const result = await stack.up();
    assert.match(result.output, /~ +pulumi-nodejs:dynamic\/octopus:SshAccount account updated/);
    assert.doesNotMatch(result.output, /SshAccount account replaced/);
    assert.equal(accounts().length, 1);
    const account = accounts()[0]!;
    assert.equal(account.Id, accountIds[0], "the account id is kept");
    assert.equal(account.Name, "e2e deploy renamed");
    assert.equal(Buffer.from(account.PrivateKeyFile!, "base64").toString(), plainKey.privateKey);
    assert.equal(account.PrivateKeyPassphrase, null, "the removed passphrase is cleared");
    assert.equal((await stack.outputs()).fingerprint, plainKey.fingerprint);
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("a new purpose replaces the API key (the old one is revoked) and a new space replaces the account", async () => {
    const team = octopus.createSpace("Team Blue");
    const before = await stack.outputs();
    await stack.setConfig("purpose", "e2e automation v2");
    await stack.setConfig("space", "Team Blue");
    const result = await stack.up();
    assert.match(result.output, /\+- +pulumi-nodejs:dynamic\/octopus:ApiKey key replaced/);
    assert.match(result.output, /\+- +pulumi-nodejs:dynamic\/octopus:SshAccount account replaced/);
    const outs = await remember();
    assert.notEqual(outs.apiKeyId, before.apiKeyId);
    assert.deepEqual(liveKeys().map((k) => k.Id), [outs.apiKeyId], "only the new key exists");
    assert.equal(accounts().length, 1);
    assert.equal(accounts()[0]!.SpaceId, team.Id);
    assert.equal(outs.accountSpace, team.Id);
    accountIds.push(accounts()[0]!.Id);
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("refresh after an out-of-band delete drops the account, and up makes it again", async () => {
    const id = accounts()[0]!.Id;
    octopus.state.accounts.delete(id);
    await stack.must(["refresh", "--yes", "--skip-preview"]);
    const exported = await stack.exportJson();
    assert.equal(exported.deployment.resources!.filter((r) => r.type.endsWith("octopus:SshAccount")).length, 0);
    const result = await stack.up();
    assert.match(result.output, /\+ +pulumi-nodejs:dynamic\/octopus:SshAccount account created/);
    assert.equal(accounts().length, 1);
    accountIds.push(accounts()[0]!.Id);
  });

  it("refresh after an out-of-band rename shows the drift, and up puts the name back", async () => {
    const account = accounts()[0]!;
    account.Name = "renamed in the portal";
    const refreshed = await stack.must(["refresh", "--yes", "--skip-preview"]);
    assert.match(refreshed.output, /~ +pulumi-nodejs:dynamic\/octopus:SshAccount account updated/);
    const preview = await stack.run(["preview", "--expect-no-changes"]);
    assert.notEqual(preview.code, 0, "the drift shows as a pending change");
    await stack.up();
    assert.equal(accounts()[0]!.Name, "e2e deploy renamed");
  });

  it("a bad input fails the preview with its clear message, and changes nothing", async () => {
    const before = JSON.stringify(accounts());
    await stack.setConfig("deployKey", plainKey.publicKey, true);
    const result = await stack.run(["up", "--yes", "--skip-preview"]);
    assert.notEqual(result.code, 0);
    assert.match(result.output, /privateKey/);
    assert.match(result.output, /public key/i);
    assert.equal(JSON.stringify(accounts()), before);
    await stack.setConfig("deployKey", plainKey.privateKey, true);
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("destroy leaves nothing on the emulator", async () => {
    await remember();
    await stack.must(["destroy", "--yes", "--skip-preview"]);
    assert.equal(accounts().length, 0);
    assert.equal(liveKeys().length, 0, "every API key made is revoked");
  });

  it("no secret appears in stack export, the backend's files or the CLI's output", async () => {
    const secrets = [
      encryptedKey,
      plainKey.privateKey,
      PASSPHRASE,
      octopus.admin.password!,
      ...apiKeys,
      ...[...octopus.state.sessions.values()].flatMap((s) => [s.token, s.csrfToken]),
    ];
    assert.ok(apiKeys.size >= 2);
    assert.deepEqual(await scanForSecrets(stack, secrets), []);
  });
});
