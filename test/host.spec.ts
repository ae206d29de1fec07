// Layer 4: the real @pulumi/pulumi dynamic-provider host, driven over gRPC the way the CLI drives it:
// Configure with stack config, then Check, Create, Read, Diff, Update, Delete carrying __provider.

import { strict as assert } from "node:assert";
import { octopusApiKeyProvider } from "../src/octopus/api-key";
import { octopusSshAccountProvider } from "../src/octopus/ssh-account";
import { generateKeyPair } from "../src/ssh/keys";
import { DIFF, ProviderHost, serializeProvider } from "./support/host";
import type { GrpcError } from "./support/host";
import { useOctopusEmulator } from "./support/octopus";
import { assertNoSecrets } from "./support/provider";

const ACCOUNT_URN = "urn:pulumi:test::access-keys::pulumi-nodejs:dynamic/octopus:SshAccount::acct";
const KEY_URN = "urn:pulumi:test::access-keys::pulumi-nodejs:dynamic/octopus:ApiKey::key";

describe("providers in the real dynamic-provider host (gRPC)", function () {
  this.timeout(60_000);
  const emu = useOctopusEmulator();
  let host: ProviderHost;
  let accountProvider: string;
  let keyProvider: string;
  const key = generateKeyPair({ algorithm: "ed25519" });
  const rotated = generateKeyPair({ algorithm: "ed25519" });

  before(async () => {
    accountProvider = (await serializeProvider(octopusSshAccountProvider)).text;
    keyProvider = (await serializeProvider(octopusApiKeyProvider)).text;
    // Ambient settings must come only from Configure here.
    host = await ProviderHost.start({ OCTOPUS_URL: "", OCTOPUS_API_KEY: "", OCTOPUS_APIKEY: "" });
    await host.configure({ "octopusdeploy:address": emu.get().url, "octopusdeploy:apiKey": emu.get().admin.apiKey!, "octopusdeploy:spaceId": "Spaces-1" });
  });
  after(async () => {
    await host?.stop();
    const emulator = emu.get();
    assertNoSecrets(host?.output.text ?? "", [key.privateKey, rotated.privateKey, emulator.admin.apiKey, emulator.admin.password]);
  });

  it("OctopusSshAccount: check, create, read, diff, update, delete, with stack config from Configure", async () => {
    const emulator = emu.get();
    const news = { __provider: accountProvider, name: "via-host", username: "deploy", privateKey: key.privateKey };
    const checked = await host.check(ACCOUNT_URN, {}, news);
    assert.deepEqual(checked.failures, []);
    assert.equal(checked.inputs.__provider, accountProvider);

    const created = await host.create(ACCOUNT_URN, checked.inputs);
    assert.match(created.id, /^Accounts-\d+$/);
    assert.equal(created.properties.fingerprint, key.fingerprint);
    assert.equal(created.properties.spaceId, "Spaces-1");
    assert.equal(created.properties.__provider, accountProvider, "the host keeps __provider in the outputs");
    assert.ok(emulator.state.accounts.has(created.id));

    const read = await host.read(ACCOUNT_URN, created.id, created.properties);
    assert.equal(read.id, created.id);
    assert.equal(read.inputs.name, "via-host");
    assert.equal(read.inputs.__provider, accountProvider);

    const same = await host.diff(ACCOUNT_URN, created.id, created.properties, checked.inputs);
    assert.equal(same.changes, DIFF.NONE);
    const rotatedInputs = { ...checked.inputs, privateKey: rotated.privateKey };
    const changed = await host.diff(ACCOUNT_URN, created.id, created.properties, rotatedInputs);
    // An in-place change the inputs show: left to the engine to name (DIFF_UNKNOWN), so that
    // replaceOnChanges can apply (the 3.248 dynamic host cannot send the changed keys).
    assert.equal(changed.changes, DIFF.UNKNOWN);
    assert.deepEqual(changed.replaces, []);
    const moved = await host.diff(ACCOUNT_URN, created.id, created.properties, { ...checked.inputs, space: "Spaces-2" });
    assert.deepEqual(moved.replaces, ["space"]);

    const updated = await host.update(ACCOUNT_URN, created.id, created.properties, rotatedInputs);
    assert.equal(updated.properties.fingerprint, rotated.fingerprint, "update returns full outputs (the host would otherwise wipe them)");
    assert.equal(updated.properties.accountId, created.id);
    assert.equal(Buffer.from(emulator.state.accounts.get(created.id)!.PrivateKeyFile!, "base64").toString(), rotated.privateKey);

    await host.delete(ACCOUNT_URN, created.id, updated.properties);
    assert.equal(emulator.state.accounts.has(created.id), false);
    const gone = await host.read(ACCOUNT_URN, created.id, updated.properties);
    assert.equal(gone.id, "", "refresh drops a deleted account");
  });

  it("check failures arrive as {property, reason}", async () => {
    const checked = await host.check(ACCOUNT_URN, {}, { __provider: accountProvider, name: "", username: "u", privateKey: key.publicKey });
    const props = checked.failures.map((f) => f.property).sort();
    assert.deepEqual(props, ["name", "privateKey"]);
    assert.match(checked.failures.find((f) => f.property === "privateKey")!.reason, /public/i);
  });

  it("a create error reaches the CLI as one standalone, secret-free message", async () => {
    const emulator = emu.get();
    const before = emulator.state.accounts.size;
    await assert.rejects(
      host.create(ACCOUNT_URN, { __provider: accountProvider, name: "bad-space", username: "u", privateKey: key.privateKey, space: "No Such Space" }),
      (e: GrpcError) => {
        assert.match(e.details, /^OctopusSshAccount create failed: space: no Octopus space named 'No Such Space'/);
        assertNoSecrets(e.details, [key.privateKey, emulator.admin.apiKey]);
        return true;
      },
    );
    assert.equal(emulator.state.accounts.size, before);
  });

  it("OctopusApiKey: the secret key value round-trips through the host as plain JSON", async () => {
    const created = await host.create(KEY_URN, { __provider: keyProvider, purpose: "via host" });
    assert.match(created.properties.apiKey, /^API-/);
    assert.equal(created.properties.userId, "Users-1");
    const read = await host.read(KEY_URN, created.id, created.properties);
    assert.equal(read.properties.apiKey, created.properties.apiKey);
    await host.delete(KEY_URN, created.id, created.properties);
    assert.equal(emu.get().state.apiKeys.has(created.id), false);
  });
});
