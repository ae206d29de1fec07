// The provider plugin's provider (issue 16, first part), called as the plugin server calls it: by URN,
// against the emulators, through the same implementations as the dynamic resources.

import { strict as assert } from "node:assert";
import { startTfcEmulator } from "../../src/emulators/tfc";
import type { TfcEmulator } from "../../src/emulators/tfc";
import * as fs from "node:fs";
import * as path from "node:path";
import { STACK_CONFIG_KEYS } from "../../src/core/connection";
import { LOGICAL_NAME } from "../../src/core/resource-options";
import { resetSharedHost } from "../../src/internal/providers";
import { accessKeysProvider, parseUrn, pluginConfigKey, stackConfigFromPlugin, unwrapSecrets } from "../../src/plugin/provider";
import { generateKeyPair } from "../../src/ssh/keys";
import { useOctopusEmulator } from "../support/octopus";
import { octopusAccountMadeElsewhere } from "../support/outside";
import { withEnv } from "../support/provider";

const urn = (type: string, name: string) => `urn:pulumi:dev::keys::${type}::${name}`;
const SIG = "4dabf18193072939515e22adb298388d";
const secret = (value: unknown) => ({ [SIG]: "1b47061264138c4ac30d75fd1eb44270", value });
const isSecret = (v: unknown) => typeof v === "object" && v !== null && SIG in v;
/** The schema the build writes beside the plugin's entry point. */
const SCHEMA = fs.readFileSync(path.join(__dirname, "..", "..", "src", "plugin", "schema.json"), "utf8");

describe("provider plugin: the same resources by type token", () => {
  const provider = accessKeysProvider("0.0.0-test");
  const key = generateKeyPair({ algorithm: "ed25519" });

  it("reads a URN's own type (after parent types) and name", () => {
    assert.deepEqual(parseUrn("urn:pulumi:dev::keys::my:index:Component$access-keys:tfc:SshKey::modules"), { type: "access-keys:tfc:SshKey", name: "modules" });
    assert.throws(() => parseUrn("nonsense"), /is not a resource URN/);
  });

  it("gives the logical name only to kinds that auto-name: the others keep inputs as declared", async () => {
    const checked = await provider.check!(urn("access-keys:index:SshKeyPair", "deploy"), {}, { keyAlgorithm: "ed25519" });
    assert.equal(checked.inputs.keyAlgorithm, "ed25519");
    assert.equal(LOGICAL_NAME in checked.inputs, false);
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

  describe("configuration and secrets", () => {
    const withSchema = accessKeysProvider("0.0.0-test", SCHEMA);
    afterEach(() => resetSharedHost());

    it("names each stack config key of the dynamic resources in the plugin's own namespace, one to one", () => {
      assert.equal(pluginConfigKey("tfe:token"), "tfeToken");
      assert.equal(pluginConfigKey("octopusdeploy:address"), "octopusAddress");
      assert.equal(pluginConfigKey("openstack:applicationCredentialSecret"), "openstackApplicationCredentialSecret");
      const names = STACK_CONFIG_KEYS.map(pluginConfigKey);
      assert.equal(new Set(names).size, names.length);
      const schema = JSON.parse(SCHEMA);
      assert.deepEqual(Object.keys(schema.config.variables).sort(), [...names].sort());
      for (const k of ["tfeToken", "octopusApiKey", "openstackPassword", "openstackToken", "openstackApplicationCredentialSecret"]) assert.equal(schema.config.variables[k].secret, true, k);
      assert.equal(schema.config.variables.tfeOrganization.secret, undefined);
    });

    it("reads configuration as the engine sends it (args or variables, secrets wrapped or not)", () => {
      assert.deepEqual(stackConfigFromPlugin({ tfeToken: secret("t"), tfeOrganization: "org", unknownKey: "x", tfeHostname: "" }), { "tfe:token": "t", "tfe:organization": "org" });
      assert.deepEqual(stackConfigFromPlugin({ "access-keys:config:octopusAddress": "https://o.example" }), { "octopusdeploy:address": "https://o.example" });
    });

    it("keeps secret settings secret even when set without --secret, and a changed setting never replaces the provider", () => {
      const checked = withSchema.checkConfig({ tfeToken: "t", tfeOrganization: "org", version: "0.1.0" });
      assert.ok(isSecret(checked.inputs.tfeToken));
      assert.equal(checked.inputs.tfeOrganization, "org");
      assert.deepEqual(checked.failures, []);
      assert.deepEqual(withSchema.diffConfig({ tfeToken: secret("a"), tfeOrganization: "org" }, { tfeToken: "b", tfeOrganization: "org" }), ["tfeToken"]);
      assert.deepEqual(withSchema.diffConfig({ tfeToken: secret("a") }, { tfeToken: "a" }), []);
    });

    it("refuses a setting it does not know, suggesting the one meant, and a value that is not text", () => {
      const { failures } = withSchema.checkConfig({ tfetoken: "t", octopusUrl: "https://o", tfeOrganization: secret(3) });
      assert.deepEqual(failures.map((f) => f.property), ["tfetoken", "octopusUrl", "tfeOrganization"]);
      assert.match(failures[0]!.reason, /has no setting 'tfetoken'; did you mean 'tfeToken' \(`access-keys:tfeToken`\)\?/);
      assert.match(failures[1]!.reason, /has no setting 'octopusUrl'\. Its settings: octopusAddress, /);
      assert.match(failures[2]!.reason, /access-keys:tfeOrganization must be text/);
    });

    it("unwraps secrets deeply", () => {
      assert.deepEqual(unwrapSecrets({ a: secret({ b: [secret("c")] }) }), { a: { b: ["c"] } });
    });

    describe("against HCP Terraform", () => {
      let tfc: TfcEmulator;
      before(async () => {
        tfc = await startTfcEmulator();
      });
      after(async () => tfc?.close());

      it("connects with the configured token; takes wrapped secret inputs and returns every secret the schema marks wrapped", async () => {
        await withEnv({ TFE_ADDRESS: tfc.url, TFE_TOKEN: undefined, TFE_ORGANIZATION: tfc.organization }, async () => {
          const u = urn("access-keys:tfc:SshKey", "modules");
          await assert.rejects(withSchema.check!(u, {}, { privateKey: secret(key.privateKey) }).then((c) => withSchema.create!(u, unwrapSecrets(c.inputs) as object)), /no HCP Terraform API token is set/);
          withSchema.configure({ tfeToken: secret(tfc.tokens.user) });
          const checked = await withSchema.check!(u, {}, { privateKey: secret(key.privateKey) });
          assert.ok(isSecret(checked.inputs.privateKey), "a secret input stays secret in the checked inputs");
          const created = await withSchema.create!(u, checked.inputs);
          assert.ok(isSecret(created.outs.privateKey), "privateKey goes back wrapped");
          assert.equal(created.outs.fingerprint, key.fingerprint);
          assert.equal(tfc.state.sshKeys.get(created.id)!.value.trim(), key.privateKey.trim());
          const read = await withSchema.read!(created.id, u, created.outs);
          assert.ok(isSecret(read.props.privateKey));
          assert.ok(isSecret(read.inputs.privateKey));
          await withSchema.delete!(created.id, u, created.outs);
          assert.equal(tfc.state.sshKeys.size, 0);
          // A value the program made secret stays secret, whatever the schema says of its property.
          const named = await withSchema.check!(u, {}, { privateKey: key.privateKey, name: secret("secret-name") });
          assert.ok(isSecret(named.inputs.name));
          const made = await withSchema.create!(u, named.inputs);
          assert.ok(isSecret(made.outs.name));
          assert.ok(isSecret((await withSchema.read!(made.id, u, made.outs)).props.name));
          assert.ok(isSecret((await withSchema.update!(made.id, u, made.outs, named.inputs)).outs.name));
          await withSchema.delete!(made.id, u, made.outs);
        });
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
