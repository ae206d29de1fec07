// Layer 5 for the second front door (issue 16): the YAML example (examples/yaml) with the real CLI,
// Pulumi's YAML language host and this package's provider plugin, against the emulators: up, preview
// with no changes, refresh noticing a key deleted out of band, an update in place, `up --replace` of
// the key pair (new pair first, the account updated in place, the old ones deleted last), provider
// configuration through `access-keys:*` config, destroy, and a scan of the state for plaintext secrets.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { startDrillServices } from "../support/drill";
import { REPO_ROOT } from "../support/host";
import type { DrillServices } from "../support/drill";
import { PulumiStack, makeYamlProjectDir, requirePulumiCli, scanForSecrets } from "../support/pulumi";

const PROJECT = "access-keys-yaml";

describe("end to end: the YAML example through the provider plugin", function () {
  this.timeout(600_000);
  const bin = requirePulumiCli(["pulumi-language-yaml"]);
  let services: DrillServices;
  let stack: PulumiStack;
  let projectDir: string;
  const secrets: string[] = [];
  const urn = (type: string, name: string) => `urn:pulumi:e2e::${PROJECT}::${type}::${name}`;

  const novaPairs = () => [...services.nova.state.keypairs.values()];
  const tfcKeys = () => [...services.tfc.state.sshKeys.values()];
  const accounts = () => [...services.octopus.state.accounts.values()];
  /** Every private key and API key the services hold now: none may be in state or output in plain text. */
  const collectSecrets = () => {
    for (const k of tfcKeys()) secrets.push(k.value);
    for (const a of accounts()) if (a.PrivateKeyFile) secrets.push(Buffer.from(a.PrivateKeyFile, "base64").toString("utf8"));
  };

  before(async () => {
    services = await startDrillServices();
    projectDir = makeYamlProjectDir("yaml-e2e");
    stack = new PulumiStack(bin(), projectDir, { ...services.env, OCTOPUS_API_KEY: "", OCTOPUS_APIKEY: "" });
    await stack.init();
    for (const name of ["TFE_TOKEN", "OCTOPUS_PASSWORD", "OS_PASSWORD"]) secrets.push(services.env[name]!);
  });
  after(async () => {
    await stack?.destroyAndRemove();
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
    await services?.close();
  });

  it("up: Nova generates the pair, Octopus holds it as an account registered with a new API key, HCP Terraform holds it too", async () => {
    await stack.up();
    const out = await stack.outputs(true);
    secrets.push(out.apiKey);
    collectSecrets();
    assert.equal(novaPairs().length, 1);
    assert.equal(novaPairs()[0]!.name, out.novaKeypairName);
    assert.match(out.novaKeypairName, /^deployKey-[0-9a-f]{7}$/, "auto-named from the logical name in the URN");
    assert.equal(novaPairs()[0]!.generated, true);
    assert.equal(accounts().length, 1);
    assert.equal(accounts()[0]!.Id, out.octopusAccountId);
    assert.equal(tfcKeys().length, 1);
    assert.equal(tfcKeys()[0]!.id, out.tfcSshKeyId);
    // One key everywhere: the account's and HCP Terraform's are Nova's private key.
    assert.equal(Buffer.from(accounts()[0]!.PrivateKeyFile!, "base64").toString("utf8").trim(), tfcKeys()[0]!.value.trim());
    assert.equal(out.octopusFingerprint, out.tfcFingerprint);
    assert.equal(services.octopus.state.apiKeys.size, 1);
    // Secrets the schema marks come back as secrets.
    const shown = await stack.outputs();
    assert.equal(shown.apiKey, "[secret]");
  });

  it("preview shows no changes", async () => {
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("refresh notices a key deleted out of band; the next up makes it again", async () => {
    const before = await stack.outputs();
    services.tfc.state.sshKeys.delete(before.tfcSshKeyId);
    await stack.must(["refresh", "--yes", "--skip-preview"]);
    const state = await stack.exportJson();
    assert.equal(state.deployment.resources!.some((r) => r.type === "access-keys:tfc:SshKey"), false, "refresh dropped the deleted key");
    await stack.up();
    const after = await stack.outputs();
    assert.equal(tfcKeys().length, 1);
    assert.notEqual(after.tfcSshKeyId, before.tfcSshKeyId);
    assert.equal(tfcKeys()[0]!.id, after.tfcSshKeyId);
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("an update in place: a new rotation period changes nothing at Nova", async () => {
    const before = await stack.outputs();
    await stack.setConfig("keyRotateAfter", "60d");
    const result = await stack.up();
    assert.match(result.output, /access-keys:nova:Keypair deployKey updated/);
    const after = await stack.outputs();
    assert.equal(after.novaKeypairName, before.novaKeypairName);
    const pair = (await stack.exportJson()).deployment.resources!.find((r) => r.type === "access-keys:nova:Keypair")!;
    assert.equal(pair.outputs!.rotateAfter, "60d");
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("up --replace on the key pair: a new pair, the account updated in place, a new HCP Terraform key, the old ones deleted", async () => {
    const before = await stack.outputs();
    await stack.must(["up", "--yes", "--skip-preview", "--replace", urn("access-keys:nova:Keypair", "deployKey")]);
    const after = await stack.outputs();
    collectSecrets();
    assert.notEqual(after.novaKeypairName, before.novaKeypairName);
    assert.deepEqual(novaPairs().map((k) => k.name), [after.novaKeypairName]);
    assert.equal(after.octopusAccountId, before.octopusAccountId, "the account was updated in place");
    assert.deepEqual(tfcKeys().map((k) => k.id), [after.tfcSshKeyId]);
    assert.notEqual(after.tfcSshKeyId, before.tfcSshKeyId);
    assert.equal(Buffer.from(accounts()[0]!.PrivateKeyFile!, "base64").toString("utf8").trim(), tfcKeys()[0]!.value.trim());
    assert.equal(after.apiKeyId, before.apiKeyId);
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("provider configuration: access-keys:tfeToken (a secret) is what the plugin connects with when the environment has no token", async () => {
    const noToken = { env: { TFE_TOKEN: "" } };
    await stack.setConfig("access-keys:tfeToken", services.env.TFE_TOKEN!, true);
    // `up` registers the provider with the new config; refresh reads with the provider in state.
    await stack.must(["up", "--yes", "--skip-preview"], noToken);
    await stack.must(["refresh", "--yes", "--skip-preview"], noToken);
    const state = await stack.exportJson();
    assert.equal(state.deployment.resources!.some((r) => r.type === "access-keys:tfc:SshKey"), true);
    const providerState = state.deployment.resources!.find((r) => r.type === "pulumi:providers:access-keys")!;
    assert.ok(providerState.inputs!.tfeToken?.ciphertext, "the token is kept encrypted in the provider's state");
    // Without either, the message names the plugin's own config key among the ways to set it.
    await stack.must(["config", "rm", "access-keys:tfeToken"]);
    const up = await stack.run(["up", "--yes", "--skip-preview"], noToken);
    const failed = await stack.run(["refresh", "--yes", "--skip-preview"], noToken);
    assert.notEqual(failed.code, 0);
    assert.match(up.output + failed.output, /no HCP Terraform API token is set.*pulumi config set --secret access-keys:tfeToken/);
    // A setting the provider does not know is an error naming the one meant, before anything runs.
    await stack.setConfig("access-keys:tfetoken", "x", true);
    const typo = await stack.run(["preview"]);
    assert.notEqual(typo.code, 0);
    assert.match(typo.output, /has no setting 'tfetoken'; did you mean 'tfeToken'/);
    await stack.must(["config", "rm", "access-keys:tfetoken"]);
    await stack.up();
  });

  it("destroy deletes everything it made", async () => {
    await stack.must(["destroy", "--yes", "--skip-preview"]);
    assert.equal(novaPairs().length, 0);
    assert.equal(accounts().length, 0);
    assert.equal(tfcKeys().length, 0);
    assert.equal(services.octopus.state.apiKeys.size, 0);
  });

  it("no secret in plain text in stack export, the backend's files or any output", async () => {
    assert.ok(secrets.length >= 7);
    assert.deepEqual(await scanForSecrets(stack, secrets), []);
  });
});

describe("end to end: the README's YAML example runs as written", function () {
  this.timeout(300_000);
  const bin = requirePulumiCli(["pulumi-language-yaml"]);

  it("up makes what it declares; destroy deletes it", async () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const example = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((y) => /^runtime: yaml$/m.test(y));
    assert.ok(example, "the README has a YAML program");
    const services = await startDrillServices();
    // The README installs the plugin from npm or the plugin cache; here, this checkout's.
    const projectDir = makeYamlProjectDir("readme-yaml", `${example}plugins:\n  providers:\n    - name: access-keys\n      path: ../../bin\n`);
    const stack = new PulumiStack(bin(), projectDir, { ...services.env, OCTOPUS_API_KEY: services.octopus.admin.apiKey ?? "" });
    try {
      await stack.init();
      await stack.up();
      const out = await stack.outputs();
      assert.match(out.fingerprint, /^SHA256:/);
      assert.equal(services.nova.state.keypairs.size, 1);
      assert.equal(services.octopus.state.accounts.size, 1);
      assert.equal(services.tfc.state.sshKeys.size, 1);
      await stack.must(["destroy", "--yes", "--skip-preview"]);
      assert.equal(services.tfc.state.sshKeys.size + services.nova.state.keypairs.size + services.octopus.state.accounts.size, 0);
    } finally {
      await stack.destroyAndRemove();
      fs.rmSync(projectDir, { recursive: true, force: true });
      await services.close();
    }
  });
});
