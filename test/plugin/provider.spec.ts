// The provider plugin's provider (issue 16, first part), called as the plugin server calls it: by URN,
// against the emulators, through the same implementations as the dynamic resources.

import { strict as assert } from "node:assert";
import { startTfcEmulator } from "../../src/emulators/tfc";
import type { TfcEmulator } from "../../src/emulators/tfc";
import { accessKeysProvider, parseUrn } from "../../src/plugin/provider";
import { generateKeyPair } from "../../src/ssh/keys";
import { useOctopusEmulator } from "../support/octopus";
import { octopusAccountMadeElsewhere } from "../support/outside";
import { withEnv } from "../support/provider";

const urn = (type: string, name: string) => `urn:pulumi:dev::keys::${type}::${name}`;

describe("provider plugin: the same resources by type token", () => {
  const provider = accessKeysProvider("0.0.0-test");
  const key = generateKeyPair({ algorithm: "ed25519" });

  it("reads a URN's own type (after parent types) and name", () => {
    assert.deepEqual(parseUrn("urn:pulumi:dev::keys::my:index:Component$access-keys:tfc:SshKey::modules"), { type: "access-keys:tfc:SshKey", name: "modules" });
    assert.throws(() => parseUrn("nonsense"), /is not a resource URN/);
  });

  it("refuses a type it does not serve, naming the ones it does", async () => {
    await assert.rejects(provider.check!(urn("access-keys:tfc:Other", "x"), {}, {}), /no resource type 'access-keys:tfc:Other'; it serves access-keys:octopus:SshAccount, .*access-keys:index:SshKeyPair/);
  });

  describe("TfcSshKey", () => {
    let tfc: TfcEmulator;
    before(async () => {
      tfc = await startTfcEmulator();
    });
    after(async () => tfc?.close());

    it("auto-names from the URN's name, then creates, reads, diffs and deletes through the one implementation", async () => {
      const env = { TFE_ADDRESS: tfc.url, TFE_TOKEN: tfc.tokens.user, TFE_ORGANIZATION: tfc.organization };
      await withEnv(env, async () => {
        const u = urn("access-keys:tfc:SshKey", "modules");
        const checked = await provider.check!(u, {}, { privateKey: key.privateKey });
        assert.deepEqual(checked.failures ?? [], []);
        assert.match(checked.inputs.name, /^modules-[0-9a-f]{7}$/);
        const created = await provider.create!(u, checked.inputs);
        assert.equal(tfc.state.sshKeys.get(created.id)!.name, checked.inputs.name);
        assert.equal(created.outs.fingerprint, key.fingerprint);
        const again = await provider.check!(u, checked.inputs, { privateKey: key.privateKey });
        assert.equal(again.inputs.name, checked.inputs.name, "kept on the next check");
        assert.equal((await provider.diff!(created.id, u, created.outs, again.inputs)).changes, false);
        const read = await provider.read!(created.id, u, created.outs);
        assert.equal(read.id, created.id);
        await provider.delete!(created.id, u, created.outs);
        assert.equal(tfc.state.sshKeys.has(created.id), false);
      });
    });
  });

  describe("OctopusSshAccount", () => {
    const emu = useOctopusEmulator();

    it("a read with the id alone (what pulumi import sends) gives the account as Octopus holds it", async () => {
      const emulator = emu.get();
      const id = await octopusAccountMadeElsewhere(emulator, "imported-account", key.privateKey);
      await withEnv({ OCTOPUS_URL: emulator.url, OCTOPUS_API_KEY: emulator.admin.apiKey! }, async () => {
        const read = await provider.read!(id, urn("access-keys:octopus:SshAccount", "deploy"), undefined);
        assert.equal(read.id, id);
        assert.equal(read.props.name, "imported-account");
        assert.equal(read.props.spaceId, "Spaces-1");
        assert.ok(emulator.state.accounts.has(id), "read only");
      });
    });
  });
});
