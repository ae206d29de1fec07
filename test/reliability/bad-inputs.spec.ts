// The bad-input matrix (issue 6, item 3): every row is a mistake a user makes, the exact fragment of
// the message they see, and proof that nothing was created on any emulator. A row fails in `check`
// (before any request) when it can; otherwise `create` fails with a message that says what to fix.

import { strict as assert } from "node:assert";
import { generateKeyPairSync } from "node:crypto";
import { startNovaEmulator } from "../../src/emulators/nova";
import type { NovaEmulator } from "../../src/emulators/nova";
import { startOctopusEmulator } from "../../src/emulators/octopus";
import type { OctopusEmulator } from "../../src/emulators/octopus";
import { startTfcEmulator } from "../../src/emulators/tfc";
import type { TfcEmulator } from "../../src/emulators/tfc";
import { novaKeypairProvider } from "../../src/nova/keypair";
import { octopusApiKeyProvider } from "../../src/octopus/api-key";
import { octopusSshAccountProvider } from "../../src/octopus/ssh-account";
import { generateKeyPair } from "../../src/ssh/keys";
import { tfcSshKeyProvider } from "../../src/tfc/ssh-key";
import { assertNoSecrets, errorText, withEnv } from "../support/provider";
import type { Provider } from "../support/provider";

type Resource = "OctopusSshAccount" | "OctopusApiKey" | "TfcSshKey" | "NovaKeypair";
const PROVIDERS: Record<Resource, Provider> = {
  OctopusSshAccount: octopusSshAccountProvider as Provider,
  OctopusApiKey: octopusApiKeyProvider as Provider,
  TfcSshKey: tfcSshKeyProvider as Provider,
  NovaKeypair: novaKeypairProvider as Provider,
};

interface Row {
  name: string;
  resource: Resource;
  /** Inputs, built once the emulators run. */
  inputs: () => Record<string, unknown>;
  /** Where it must fail: a check failure on this property, or the create. */
  at: { check: string } | "create";
  /** A fragment of the message the user sees. */
  says: RegExp;
}

describe("bad input matrix: a clear message, nothing created", function () {
  this.timeout(60_000);
  let octopus: OctopusEmulator;
  let tfc: TfcEmulator;
  let nova: NovaEmulator;
  const ed = generateKeyPair({ algorithm: "ed25519" });
  const other = generateKeyPair({ algorithm: "ed25519" });
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const rsaPem = rsa.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const encrypted = rsa.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "right passphrase" }).toString();
  let revokedKey = "";
  let expiredKey = "";

  before(async () => {
    [octopus, tfc, nova] = await Promise.all([startOctopusEmulator(), startTfcEmulator(), startNovaEmulator()]);
    revokedKey = octopus.createApiKey("Users-1", "to revoke");
    octopus.state.apiKeys.delete(octopus.findApiKey(revokedKey)!.Id);
    expiredKey = octopus.createApiKey("Users-1", "expired", new Date(Date.now() - 60_000));
    // A key pair that takes a name, for the 409 row.
    await PROVIDERS.NovaKeypair.create({ name: "taken", publicKey: ed.publicKey, connection: openstack() });
    // And an HCP Terraform key, for the taken-name row.
    await PROVIDERS.TfcSshKey.create(tfcKey({ name: "taken" }));
  });
  after(async () => {
    await Promise.all([octopus?.close(), tfc?.close(), nova?.close()]);
  });

  const octo = (over: Record<string, unknown> = {}) => ({ serverUrl: octopus.url, apiKey: octopus.admin.apiKey!, ...over });
  const account = (over: Record<string, unknown> = {}) => ({ name: "matrix", username: "deploy", privateKey: ed.privateKey, space: "Spaces-1", connection: octo(), ...over });
  const apiKey = (over: Record<string, unknown> = {}) => ({ purpose: "matrix", connection: octo(), ...over });
  const tfcConn = (token = tfc.tokens.user) => ({ address: tfc.url, token });
  const tfcKey = (over: Record<string, unknown> = {}) => ({ organization: tfc.organization, name: "matrix", privateKey: ed.privateKey, connection: tfcConn(), ...over });
  function openstack(over: Record<string, unknown> = {}) {
    const c = nova.credentials;
    return { authUrl: c.authUrl, username: c.username, password: c.password, projectName: c.projectName, ...over };
  }
  const keypair = (over: Record<string, unknown> = {}) => ({ name: "matrix", publicKey: ed.publicKey, connection: openstack(), ...over });

  const rows: Row[] = [
    // OctopusSshAccount
    { name: "adopting an account id that does not exist", resource: "OctopusSshAccount", inputs: () => account({ adopt: "Accounts-9999" }), at: "create", says: /there is no account 'Accounts-9999' in Spaces-1/ },
    { name: "adopt given a name instead of an account id", resource: "OctopusSshAccount", inputs: () => account({ adopt: "matrix" }), at: { check: "adopt" }, says: /the id of the account to adopt \(Accounts-N\)/ },
    { name: "a malformed PEM", resource: "OctopusSshAccount", inputs: () => account({ privateKey: "-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----END RSA PRIVATE KEY-----\n" }), at: { check: "privateKey" }, says: /./ },
    { name: "a truncated key", resource: "OctopusSshAccount", inputs: () => account({ privateKey: rsaPem.slice(0, 300) }), at: { check: "privateKey" }, says: /./ },
    { name: "a public key given as the private key", resource: "OctopusSshAccount", inputs: () => account({ privateKey: ed.publicKey }), at: { check: "privateKey" }, says: /public key/i },
    { name: "an encrypted key without its passphrase", resource: "OctopusSshAccount", inputs: () => account({ privateKey: encrypted }), at: { check: "privateKeyPassphrase" }, says: /encrypted/i },
    { name: "a wrong passphrase", resource: "OctopusSshAccount", inputs: () => account({ privateKey: encrypted, privateKeyPassphrase: "wrong passphrase" }), at: { check: "privateKeyPassphrase" }, says: /passphrase/i },
    { name: "the key pasted into the passphrase field", resource: "OctopusSshAccount", inputs: () => account({ privateKeyPassphrase: rsaPem }), at: { check: "privateKeyPassphrase" }, says: /./ },
    { name: "an empty account name", resource: "OctopusSshAccount", inputs: () => account({ name: "" }), at: { check: "name" }, says: /name must not be empty/ },
    { name: "an account name over 200 characters", resource: "OctopusSshAccount", inputs: () => account({ name: "n".repeat(201) }), at: { check: "name" }, says: /longer than 200 characters/ },
    { name: "tenants on an untenanted account", resource: "OctopusSshAccount", inputs: () => account({ tenantIds: ["Tenants-1"] }), at: { check: "tenantedDeploymentParticipation" }, says: /set tenantedDeploymentParticipation to "Tenanted"/ },
    { name: "an unknown space name", resource: "OctopusSshAccount", inputs: () => account({ space: "Nowhere" }), at: "create", says: /no Octopus space named 'Nowhere'/ },
    { name: "an unknown space id", resource: "OctopusSshAccount", inputs: () => account({ space: "Spaces-404" }), at: "create", says: /Octopus space 'Spaces-404' does not exist/ },
    { name: "a server URL without a scheme", resource: "OctopusSshAccount", inputs: () => account({ connection: octo({ serverUrl: "octopus.example.com" }) }), at: "create", says: /is not a valid URL; give it as https:\/\/host/ },
    { name: "a revoked API key", resource: "OctopusSshAccount", inputs: () => account({ connection: octo({ apiKey: revokedKey }) }), at: "create", says: /-> 401 You must be logged in/ },
    { name: "an expired API key", resource: "OctopusSshAccount", inputs: () => account({ connection: octo({ apiKey: expiredKey }) }), at: "create", says: /-> 401 You must be logged in/ },
    // OctopusApiKey
    { name: "an expiry in the past", resource: "OctopusApiKey", inputs: () => apiKey({ expires: "2020-01-01" }), at: { check: "expires" }, says: /expires is in the past/ },
    { name: "an expiry that is not a date", resource: "OctopusApiKey", inputs: () => apiKey({ expires: "soon" }), at: { check: "expires" }, says: /ISO 8601/ },
    { name: "an empty purpose", resource: "OctopusApiKey", inputs: () => apiKey({ purpose: " " }), at: { check: "purpose" }, says: /say what the key is for/ },
    { name: "an unknown user", resource: "OctopusApiKey", inputs: () => apiKey({ user: "ghost" }), at: "create", says: /no Octopus user named 'ghost'/ },
    { name: "a wrong password", resource: "OctopusApiKey", inputs: () => apiKey({ connection: { serverUrl: octopus.url, username: "admin", password: "not-it-at-all" } }), at: "create", says: /login as 'admin' was refused.*Check the username and password/ },
    { name: "a username without a password", resource: "OctopusApiKey", inputs: () => apiKey({ connection: { serverUrl: octopus.url, username: "admin" } }), at: "create", says: /username was given without a password/ },
    // TfcSshKey
    { name: "an organization token", resource: "TfcSshKey", inputs: () => tfcKey({ connection: tfcConn(tfc.tokens.organization) }), at: "create", says: /SSH keys need a user or team token/ },
    { name: "an unknown organization", resource: "TfcSshKey", inputs: () => tfcKey({ organization: "no-such-org" }), at: "create", says: /organization 'no-such-org' does not exist/ },
    { name: "a revoked token", resource: "TfcSshKey", inputs: () => tfcKey({ connection: tfcConn("revoked.atlasv1.0000000000") }), at: "create", says: /-> 401 unauthorized/ },
    { name: "an encrypted key for TFC", resource: "TfcSshKey", inputs: () => tfcKey({ privateKey: encrypted }), at: { check: "privateKey" }, says: /runs cannot type a passphrase/ },
    { name: "a public key given to TFC", resource: "TfcSshKey", inputs: () => tfcKey({ privateKey: ed.publicKey }), at: { check: "privateKey" }, says: /public key/i },
    { name: "an empty TFC key name", resource: "TfcSshKey", inputs: () => tfcKey({ name: "" }), at: { check: "name" }, says: /name must not be empty/ },
    { name: "an organization with a slash", resource: "TfcSshKey", inputs: () => tfcKey({ organization: "acme/prod" }), at: { check: "organization" }, says: /without '\/' or spaces/ },
    { name: "a hostname given as a URL", resource: "TfcSshKey", inputs: () => tfcKey({ connection: { hostname: "https://tfe.example.com", token: "t" } }), at: "create", says: /must be a host name like tfe\.example\.com/ },
    { name: "a name already taken in the organization", resource: "TfcSshKey", inputs: () => tfcKey({ name: "taken" }), at: "create", says: /already has an SSH key named 'taken' \(sshkey-\w+\)\. To manage it with this resource, set `adopt: true`/ },
    { name: "adopting a key id that does not exist", resource: "TfcSshKey", inputs: () => tfcKey({ adopt: "sshkey-missing" }), at: "create", says: /has no SSH key with id 'sshkey-missing'/ },
    // NovaKeypair
    { name: "adopting a key pair that holds another key", resource: "NovaKeypair", inputs: () => keypair({ name: "taken", publicKey: other.publicKey, adopt: true }), at: "create", says: /the key pair 'taken' holds a different key/ },
    { name: "adopting without the key the pair holds", resource: "NovaKeypair", inputs: () => keypair({ publicKey: undefined, adopt: true }), at: { check: "adopt" }, says: /adopting needs the key the pair holds/ },
    { name: "a public and a private key together", resource: "NovaKeypair", inputs: () => keypair({ privateKey: ed.privateKey }), at: { check: "publicKey" }, says: /give either publicKey or privateKey/ },
    { name: "a key pair name with a slash", resource: "NovaKeypair", inputs: () => keypair({ name: "team/deploy" }), at: { check: "name" }, says: /may contain only letters, digits/ },
    { name: "a key pair name over 255 characters", resource: "NovaKeypair", inputs: () => keypair({ name: "k".repeat(256) }), at: { check: "name" }, says: /longer than 255 characters/ },
    { name: "a private key given as the public key", resource: "NovaKeypair", inputs: () => keypair({ publicKey: ed.privateKey }), at: { check: "publicKey" }, says: /PRIVATE key/ },
    { name: "a wrong key type", resource: "NovaKeypair", inputs: () => keypair({ type: "rsa" }), at: { check: "type" }, says: /type must be "ssh" or "x509"/ },
    { name: "keyAlgorithm without local generation", resource: "NovaKeypair", inputs: () => keypair({ publicKey: undefined, keyAlgorithm: "rsa" }), at: { check: "keyAlgorithm" }, says: /local generation only/ },
    { name: "a name taken for this user", resource: "NovaKeypair", inputs: () => keypair({ name: "taken" }), at: "create", says: /409 Key pair 'taken' already exists.*names are unique per user/ },
    { name: "another user's key pairs without admin rights", resource: "NovaKeypair", inputs: () => keypair({ userId: "someone-else" }), at: "create", says: /-> 403 Policy doesn't allow os_compute_api:os-keypairs:(create|index)/ },
    { name: "an unknown region", resource: "NovaKeypair", inputs: () => keypair({ connection: openstack({ region: "Atlantis" }) }), at: "create", says: /no compute endpoint for interface 'public' in region 'Atlantis'/ },
    { name: "a wrong OpenStack password", resource: "NovaKeypair", inputs: () => keypair({ connection: openstack({ password: "wrong-password-x" }) }), at: "create", says: /-> 401 .*Keystone refused the username, password or project/ },
    { name: "an unknown OpenStack project", resource: "NovaKeypair", inputs: () => keypair({ connection: openstack({ projectName: "nope" }) }), at: "create", says: /-> 401 / },
  ];

  const counts = () => JSON.stringify([octopus.state.accounts.size, octopus.state.apiKeys.size, tfc.state.sshKeys.size, nova.state.keypairs.size]);

  it(`has at least 30 rows across the four resources (${rows.length})`, () => {
    assert.ok(rows.length >= 30);
    assert.deepEqual(new Set(rows.map((r) => r.resource)).size, 4);
  });

  for (const row of rows) {
    it(`${row.resource}: ${row.name}`, async () => {
      const provider = PROVIDERS[row.resource];
      const before = counts();
      const inputs = row.inputs();
      const secrets = [ed.privateKey, rsaPem, encrypted, "right passphrase", "wrong passphrase", octopus.admin.apiKey, octopus.admin.password, revokedKey, expiredKey, tfc.tokens.user, tfc.tokens.organization, nova.credentials.password];
      const checked = await provider.check({}, inputs);
      const failures = checked.failures ?? [];
      if (row.at !== "create") {
        const property = row.at.check;
        const hit = failures.find((f) => f.property === property);
        assert.ok(hit, `expected a check failure on ${property}, got ${JSON.stringify(failures)}`);
        assert.match(hit.reason, row.says);
        assertNoSecrets(JSON.stringify(failures), secrets);
      } else {
        assert.deepEqual(failures, [], "this mistake can only be seen by the service");
        let error: Error | undefined;
        await withEnv({ PULUMI_ACCESS_KEYS_MAX_RETRIES: "0" }, async () => {
          try {
            await provider.create(inputs);
          } catch (e) {
            error = e as Error;
          }
        });
        assert.ok(error, "create did not fail");
        assert.match(error.message, new RegExp(`^${row.resource} create failed: `));
        assert.match(error.message, row.says);
        assertNoSecrets(errorText(error), secrets);
      }
      assert.equal(counts(), before, "nothing was created");
    });
  }
});
