// Layer 2: the OctopusSshAccount provider against the Octopus emulator, every CRUD path.

import { strict as assert } from "node:assert";
import { generateKeyPairSync } from "node:crypto";
import { ConfigurationError } from "../../src/core/errors";
import { UNKNOWN, resetRunRecord } from "../../src/core/provider";
import { octopusSshAccountProvider } from "../../src/octopus/ssh-account";
import { generateKeyPair, inspectPrivateKey } from "../../src/ssh/keys";
import { NO_OCTOPUS_ENV, useOctopusEmulator } from "../support/octopus";
import { octopusAccountMadeElsewhere } from "../support/outside";
import { captureWarnings, errorCollector, expectCheckFailure, withEnv, changed } from "../support/provider";
import type { Provider } from "../support/provider";

const provider = octopusSshAccountProvider as Provider;

const ed25519 = generateKeyPair({ algorithm: "ed25519" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const rsaPkcs1 = rsa.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const rsaPkcs8 = rsa.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const PASSPHRASE = "correct horse battery staple";
const encryptedPkcs8 = rsa.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: PASSPHRASE }).toString();
const rotated = generateKeyPair({ algorithm: "ed25519" });

describe("OctopusSshAccount provider (emulator)", () => {
  const emu = useOctopusEmulator();
  const secrets = () => [ed25519.privateKey, rsaPkcs1, rsaPkcs8, encryptedPkcs8, rotated.privateKey, PASSPHRASE, emu.get().admin.apiKey, emu.get().admin.password];
  const conn = () => ({ serverUrl: emu.get().url, apiKey: emu.get().admin.apiKey! });
  let n = 0;
  const inputs = (over: Record<string, unknown> = {}) => ({ name: `deploy-${++n}`, username: "ubuntu", privateKey: ed25519.privateKey, space: "Spaces-1", connection: conn(), ...over });
  const stored = (id: string) => {
    const account = emu.get().state.accounts.get(id);
    assert.ok(account, `account ${id} is not in the emulator`);
    return account;
  };
  const decoded = (id: string) => Buffer.from(stored(id).PrivateKeyFile!, "base64").toString("utf8");
  const { failing, assertNoneLeak } = errorCollector();
  after(() => {
    assertNoneLeak(secrets());
  });

  it("create, read, update (rename, rotate), delete: one request each, account id kept", async () => {
    const emulator = emu.get();
    const args = inputs({ description: "made by a test", environmentIds: ["Environments-2", "Environments-1"] });
    const checked = await provider.check({}, args);
    assert.deepEqual(checked.failures ?? [], []);
    assert.equal(emulator.requests.length, 0, "check sends nothing");

    const created = await provider.create(checked.inputs);
    assert.match(created.id, /^Accounts-\d+$/);
    // The space's accounts are listed once per process (what existed before: core/ownership.ts), then one POST.
    assert.deepEqual(emulator.requests.map((r) => `${r.method} ${r.path}`), ["GET /api/Spaces-1/accounts", "POST /api/Spaces-1/accounts"]);
    emulator.requests.clear();
    const second = await provider.create({ ...checked.inputs, name: `${args.name}-2` });
    assert.deepEqual(emulator.requests.map((r) => `${r.method} ${r.path}`), ["POST /api/Spaces-1/accounts"], "one request per create after the first");
    await provider.delete(second.id, second.outs!);
    const outs = created.outs!;
    assert.equal(outs.accountId, created.id);
    assert.equal(outs.spaceId, "Spaces-1");
    assert.equal(outs.publicKey, ed25519.publicKey);
    assert.equal(outs.fingerprint, ed25519.fingerprint);
    assert.equal(outs.keyType, "ssh-ed25519");
    assert.equal(outs.name, args.name);
    assert.equal(decoded(created.id), ed25519.privateKey, "Octopus stores base64 of exactly the key file");
    assert.deepEqual(JSON.parse(JSON.stringify(outs)), outs, "outputs are plain JSON");

    emulator.requests.clear();
    const read = await provider.read!(created.id, outs);
    assert.equal(read.id, created.id);
    assert.equal(emulator.requests.length, 1);
    assert.deepEqual(read.props, outs, "a read with no drift changes nothing");

    // Rename: PUT, key kept without being sent again.
    emulator.requests.clear();
    const renamed = { ...checked.inputs, name: `${args.name}-renamed` };
    const d1 = await provider.diff(created.id, outs, renamed);
    assert.equal(changed(d1), true);
    assert.equal(d1.replaces, undefined);
    const updated = await provider.update(created.id, outs, renamed);
    assert.equal(emulator.requests.length, 1);
    assert.equal(emulator.requests[0]!.method, "PUT");
    const putBody = emulator.requests[0]!.body as { PrivateKeyFile: { HasValue: boolean; NewValue?: string } };
    assert.equal(putBody.PrivateKeyFile.HasValue, true);
    assert.equal(putBody.PrivateKeyFile.NewValue ?? null, null, "an unchanged key is not sent again");
    assert.equal(stored(created.id).Name, renamed.name);
    assert.equal(decoded(created.id), ed25519.privateKey);
    assert.equal(updated.outs!.accountId, created.id);

    // Rotate: the new key is sent, the account id stays.
    emulator.requests.clear();
    const rotatedArgs = { ...renamed, privateKey: rotated.privateKey };
    const d2 = await provider.diff(created.id, updated.outs!, rotatedArgs);
    assert.equal(changed(d2), true);
    assert.equal(d2.replaces, undefined, "rotation is in place");
    const rotatedOuts = (await provider.update(created.id, updated.outs!, rotatedArgs)).outs!;
    assert.equal(emulator.requests.length, 1);
    assert.equal(decoded(created.id), rotated.privateKey);
    assert.equal(rotatedOuts.accountId, created.id);
    assert.equal(rotatedOuts.fingerprint, rotated.fingerprint);

    // A connection change alone is an update with no request.
    emulator.requests.clear();
    const reconnected = { ...rotatedArgs, connection: { ...conn(), space: "Spaces-1" } };
    const d3 = await provider.diff(created.id, rotatedOuts, reconnected);
    assert.equal(changed(d3), true);
    assert.equal(d3.replaces, undefined);
    await provider.update(created.id, rotatedOuts, reconnected);
    assert.equal(emulator.requests.length, 0);

    emulator.requests.clear();
    await provider.delete(created.id, rotatedOuts);
    assert.equal(emulator.requests.length, 1);
    assert.equal(emulator.state.accounts.has(created.id), false);
    // Deleting again (already gone) succeeds; reading says gone.
    await provider.delete(created.id, rotatedOuts);
    const gone = await provider.read!(created.id, rotatedOuts);
    assert.equal(gone.id, undefined);
  });

  const formats: { name: string; key: string; passphrase?: string; expected: string }[] = [
    { name: "PKCS#1 PEM", key: rsaPkcs1, expected: rsaPkcs1 },
    { name: "PKCS#8 PEM", key: rsaPkcs8, expected: rsaPkcs8 },
    { name: "OpenSSH", key: ed25519.privateKey, expected: ed25519.privateKey },
    { name: "base64 of PEM", key: Buffer.from(rsaPkcs1).toString("base64"), expected: rsaPkcs1 },
    { name: "base64 of OpenSSH, wrapped at 76", key: Buffer.from(ed25519.privateKey).toString("base64").replace(/(.{76})/g, "$1\n"), expected: ed25519.privateKey },
    { name: "encrypted PKCS#8 with its passphrase", key: encryptedPkcs8, passphrase: PASSPHRASE, expected: encryptedPkcs8 },
  ];
  for (const f of formats) {
    it(`stores base64 of exactly the key given as ${f.name}`, async () => {
      const args = inputs({ privateKey: f.key, ...(f.passphrase ? { privateKeyPassphrase: f.passphrase } : {}) });
      assert.deepEqual((await provider.check({}, args)).failures ?? [], []);
      const created = await provider.create(args);
      assert.equal(decoded(created.id), f.expected);
      assert.ok(!decoded(created.id).startsWith("LS0tLS1"), "never double-encoded");
      if (f.passphrase) assert.equal(stored(created.id).PrivateKeyPassphrase, f.passphrase);
      assert.equal(created.outs!.fingerprint, inspectPrivateKey(f.expected, f.passphrase).fingerprint);
      await provider.delete(created.id, created.outs!);
    });
  }

  it("adds the final newline a key lost in a secrets store (OpenSSH refuses key files without it)", async () => {
    const created = await provider.create(inputs({ privateKey: ed25519.privateKey.trimEnd() }));
    assert.equal(decoded(created.id), ed25519.privateKey);
    const d = await provider.diff(created.id, created.outs!, { ...created.outs, privateKey: ed25519.privateKey });
    assert.equal(changed(d), false, "with or without the final newline it is the same key");
    await provider.delete(created.id, created.outs!);
  });

  it("the same key written another way (base64 instead of PEM) is not a change", async () => {
    const created = await provider.create(inputs({ privateKey: rsaPkcs1 }));
    const d = await provider.diff(created.id, created.outs!, { ...created.outs, privateKey: Buffer.from(rsaPkcs1).toString("base64") });
    assert.equal(changed(d), false);
    await provider.delete(created.id, created.outs!);
  });

  it("removing a passphrase clears it; adding one sets it", async () => {
    const created = await provider.create(inputs({ privateKey: encryptedPkcs8, privateKeyPassphrase: PASSPHRASE }));
    const plainArgs = { ...created.outs, privateKey: rsaPkcs1, privateKeyPassphrase: undefined };
    const outs = (await provider.update(created.id, created.outs!, plainArgs)).outs!;
    assert.equal(stored(created.id).PrivateKeyPassphrase, null);
    assert.equal(outs.privateKeyPassphrase, undefined);
    await provider.update(created.id, outs, { ...outs, privateKey: encryptedPkcs8, privateKeyPassphrase: PASSPHRASE });
    assert.equal(stored(created.id).PrivateKeyPassphrase, PASSPHRASE);
    await provider.delete(created.id, outs);
  });

  it("refresh after an out-of-band delete drops the resource", async () => {
    const created = await provider.create(inputs());
    emu.get().state.accounts.delete(created.id);
    const read = await provider.read!(created.id, created.outs!);
    assert.equal(read.id, undefined);
    assert.equal(read.props, undefined);
  });

  it("refresh after an out-of-band rename shows drift, and the next update puts the name back", async () => {
    const args = inputs();
    const created = await provider.create(args);
    stored(created.id).Name = "renamed by hand";
    stored(created.id).EnvironmentIds = ["Environments-9"];
    const read = await provider.read!(created.id, created.outs!);
    assert.equal(read.props!.name, "renamed by hand");
    assert.equal(read.inputs!.name, "renamed by hand");
    assert.deepEqual(read.inputs!.environmentIds, ["Environments-9"]);
    assert.equal(read.inputs!.privateKey, args.privateKey, "secrets are kept through a refresh");
    const d = await provider.diff(created.id, read.props!, args);
    assert.equal(changed(d), true);
    await provider.update(created.id, read.props!, args);
    assert.equal(stored(created.id).Name, args.name);
    assert.deepEqual(stored(created.id).EnvironmentIds, []);
  });

  it("a key cleared outside Pulumi shows as drift and the next update sends it again", async () => {
    const args = inputs();
    const created = await provider.create(args);
    stored(created.id).PrivateKeyFile = null;
    const read = await provider.read!(created.id, created.outs!);
    assert.equal(changed((await provider.diff(created.id, read.props!, args))), true);
    await provider.update(created.id, read.props!, args);
    assert.equal(decoded(created.id), ed25519.privateKey);
  });

  it("finds the default space by itself, once per process", async () => {
    const emulator = emu.get();
    const a = await provider.create(inputs({ space: undefined }));
    assert.equal(a.outs!.spaceId, "Spaces-1");
    assert.deepEqual(emulator.requests.map((r) => `${r.method} ${r.path}`), ["GET /api/spaces", "GET /api/Spaces-1/accounts", "POST /api/Spaces-1/accounts"]);
    emulator.requests.clear();
    await provider.create(inputs({ space: undefined }));
    assert.deepEqual(emulator.requests.map((r) => `${r.method} ${r.path}`), ["POST /api/Spaces-1/accounts"]);
  });

  it("resolves a space by name; naming the same space by id is not a move", async () => {
    const space = emu.get().createSpace("Team Blue");
    const created = await provider.create(inputs({ space: "Team Blue" }));
    assert.equal(created.outs!.spaceId, space.Id);
    assert.equal(stored(created.id).SpaceId, space.Id);
    const same = await provider.diff(created.id, created.outs!, { ...created.outs, space: space.Id });
    assert.equal(changed(same), false);
    const moved = await provider.diff(created.id, created.outs!, { ...created.outs, space: "Spaces-1" });
    assert.deepEqual(moved.replaces, ["space"]);
  });

  it("diff: which changes update and which replace", async () => {
    const base = { ...inputs(), accountId: "Accounts-1", spaceId: "Spaces-1", __provider: "p1" };
    const table: { name: string; change: Record<string, unknown>; changes: boolean; replaces?: string[] }[] = [
      { name: "nothing", change: {}, changes: false },
      { name: "name", change: { name: "other" }, changes: true },
      { name: "username", change: { username: "root" }, changes: true },
      { name: "description", change: { description: "d" }, changes: true },
      { name: "empty description equals none", change: { description: "" }, changes: false },
      { name: "environment order", change: { environmentIds: [] }, changes: false },
      { name: "participation default", change: { tenantedDeploymentParticipation: "Untenanted" }, changes: false },
      { name: "participation", change: { tenantedDeploymentParticipation: "Tenanted" }, changes: true },
      { name: "key", change: { privateKey: rotated.privateKey }, changes: true },
      { name: "space", change: { space: "Spaces-2" }, changes: true, replaces: ["space"] },
      { name: "connection", change: { connection: { serverUrl: "https://elsewhere" } }, changes: true },
      { name: "provider code", change: { __provider: "p2" }, changes: true },
      { name: "unknown name during preview", change: { name: UNKNOWN }, changes: true },
    ];
    for (const row of table) {
      const d = await provider.diff("Accounts-1", base, { ...base, ...row.change });
      assert.equal(changed(d), row.changes, row.name);
      assert.deepEqual(d.replaces, row.replaces, row.name);
      assert.equal(d.deleteBeforeReplace, undefined, row.name);
    }
  });

  describe("bad input: a clear check failure, nothing sent", () => {
    const publicLine = ed25519.publicKey;
    const table: { name: string; change: Record<string, unknown>; property: string; reason: RegExp }[] = [
      { name: "malformed PEM", change: { privateKey: "-----BEGIN RSA PRIVATE KEY-----\nnot base64 at all!\n-----END RSA PRIVATE KEY-----\n" }, property: "privateKey", reason: /./ },
      { name: "truncated key", change: { privateKey: rsaPkcs1.slice(0, 200) }, property: "privateKey", reason: /./ },
      { name: "a public key given as the private key", change: { privateKey: publicLine }, property: "privateKey", reason: /public/i },
      { name: "an encrypted key without its passphrase", change: { privateKey: encryptedPkcs8 }, property: "privateKeyPassphrase", reason: /passphrase/i },
      { name: "an encrypted key with a wrong passphrase", change: { privateKey: encryptedPkcs8, privateKeyPassphrase: "wrong passphrase!" }, property: "privateKeyPassphrase", reason: /passphrase/i },
      { name: "the key pasted into the passphrase", change: { privateKeyPassphrase: Buffer.from(rsaPkcs1).toString("base64") }, property: "privateKeyPassphrase", reason: /./ },
      { name: "an empty name", change: { name: "" }, property: "name", reason: /must not be empty/ },
      { name: "a blank name", change: { name: "   " }, property: "name", reason: /must not be empty/ },
      { name: "a name with trailing spaces", change: { name: "deploy " }, property: "name", reason: /trailing spaces/ },
      { name: "an empty username", change: { username: "" }, property: "username", reason: /must not be empty/ },
      { name: "no private key", change: { privateKey: undefined }, property: "privateKey", reason: /required/ },
      { name: "an empty private key", change: { privateKey: "" }, property: "privateKey", reason: /./ },
      { name: "a bad participation", change: { tenantedDeploymentParticipation: "Sometimes" }, property: "tenantedDeploymentParticipation", reason: /one of/ },
      { name: "tenants on an untenanted account", change: { tenantIds: ["Tenants-1"] }, property: "tenantedDeploymentParticipation", reason: /Tenanted/ },
      { name: "a malformed tenant tag", change: { tenantedDeploymentParticipation: "Tenanted", tenantTags: ["EU"] }, property: "tenantTags.0", reason: /TagSet\/Tag/ },
      { name: "an unknown connection field", change: { connection: { serverUrl: "https://x", apiKey: "API-X", token: "x" } }, property: "connection", reason: /./ },
    ];
    for (const row of table) {
      it(row.name, async () => {
        await expectCheckFailure(provider, { ...inputs(), ...row.change }, row.property, row.reason, secrets());
        assert.equal(emu.get().requests.length, 0);
      });
    }

    it("values not known yet (preview) are not judged", async () => {
      const result = await provider.check({}, { ...inputs(), privateKey: UNKNOWN, name: UNKNOWN, environmentIds: UNKNOWN });
      assert.deepEqual(result.failures ?? [], []);
    });
  });

  describe("bad input found at create: a clear error, nothing created", () => {
    const countAccounts = () => emu.get().state.accounts.size;

    it("an unknown space name", async () => {
      const before = countAccounts();
      const e = await failing(() => provider.create(inputs({ space: "No Such Space" })));
      assert.match(e.message, /^OctopusSshAccount create failed: space: no Octopus space named 'No Such Space' \(spaces visible to these credentials: 'Default'/);
      assert.equal(countAccounts(), before);
    });

    it("an unknown space id", async () => {
      const before = countAccounts();
      const e = await failing(() => provider.create(inputs({ space: "Spaces-999" })));
      assert.match(e.message, /OctopusSshAccount create failed: space: Octopus space 'Spaces-999' does not exist/);
      assert.match(e.message, /GET \/api\/Spaces-999\/accounts\?skip=0&take=1000 -> 404/, "the listing before the create finds it");
      assert.equal(countAccounts(), before);
    });

    it("a wrong API key", async () => {
      const before = countAccounts();
      const e = await failing(() => provider.create(inputs({ connection: { serverUrl: emu.get().url, apiKey: "API-WRONGWRONGWRONGWRONGWRONG12" } })));
      // The first request of a create lists the space's accounts (what existed before it: core/ownership.ts).
      assert.match(e.message, /^OctopusSshAccount create failed: GET \/api\/Spaces-1\/accounts\?skip=0&take=1000 -> 401 You must be logged in/);
      assert.ok(!e.message.includes("API-WRONGWRONG"));
      assert.equal(countAccounts(), before);
    });

    it("a duplicate name", async () => {
      const args = inputs();
      await provider.create(args);
      const before = countAccounts();
      const e = await failing(() => provider.create({ ...args }));
      assert.match(e.message, /-> 400 There was a problem with your request\..*already in use/);
      assert.match(e.message, /the name is taken by the SSH key pair account Accounts-\d+ in Spaces-1\. To manage that account with this resource, set `adopt: true` \(or `adopt: "Accounts-\d+"`\)/);
      assert.equal(countAccounts(), before);
    });

    it("an unreachable server", async () => {
      const e = await withEnv({ PULUMI_ACCESS_KEYS_MAX_RETRIES: "1", PULUMI_ACCESS_KEYS_RETRY_BASE_MS: "10" }, () =>
        failing(() => provider.create(inputs({ connection: { serverUrl: "http://127.0.0.1:1", apiKey: "API-ABCDEFGHIJKLMNOPQRSTUVWXYZ" } }))),
      );
      assert.match(e.message, /^OctopusSshAccount create failed: GET \/api\/Spaces-1\/accounts\?skip=0&take=1000 -> could not reach http:\/\/127\.0\.0\.1:1: connection refused/);
    });

    it("an invalid server URL", async () => {
      const e = await failing(() => provider.create(inputs({ connection: { serverUrl: "octopus.example.com", apiKey: "API-ABCDEFGHIJKLMNOPQRSTUVWXYZ" } })));
      assert.match(e.message, /the Octopus server URL from the resource argument connection\.serverUrl is not a valid URL/);
    });
  });

  describe("existing accounts: adopt and lookups", () => {
    const countAccounts = () => emu.get().state.accounts.size;
    const madeElsewhere = (name: string, fields: Record<string, unknown> = {}) => octopusAccountMadeElsewhere(emu.get(), name, rotated.privateKey, fields);

    it("adopt: true takes over the account with the name and writes everything declared to it", async () => {
      const args = inputs({ adopt: true, description: "managed by Pulumi" });
      const id = await madeElsewhere(args.name);
      const before = countAccounts();
      const emulator = emu.get();
      emulator.requests.clear();
      const created = await provider.create((await provider.check({}, args)).inputs);
      assert.equal(created.id, id);
      assert.equal(countAccounts(), before, "nothing new");
      assert.deepEqual(emulator.requests.map((r) => r.method), ["GET", "PUT"]);
      const account = stored(id);
      assert.equal(account.Username, "ubuntu");
      assert.equal(account.Description, "managed by Pulumi");
      assert.deepEqual(account.EnvironmentIds, []);
      assert.equal(decoded(id), ed25519.privateKey, "the declared key replaced the old one");
      assert.equal(account.PrivateKeyPassphrase ?? null, null, "the old passphrase is cleared (the declared key has none)");
      // Managed from then on: no diff, refresh agrees, destroy deletes it.
      const next = await provider.check(created.outs!, args);
      assert.equal(next.inputs!.adopt, undefined, "adopt acts once");
      assert.equal(changed((await provider.diff(id, created.outs!, next.inputs!))), false);
      const read = await provider.read!(id, created.outs!);
      assert.equal(changed((await provider.diff(id, read.props!, next.inputs!))), false);
      // In the run that adopted it, a delete of the account belongs to a resource that gave it up
      // (a replacement that creates first): the account stays, it is the adopter's now.
      await provider.delete(id, created.outs!);
      assert.equal(emulator.state.accounts.has(id), true, "not deleted in the run that adopted it");
      // A later run's destroy deletes it.
      resetRunRecord();
      await provider.delete(id, created.outs!);
      assert.equal(emulator.state.accounts.has(id), false);
    });

    it("adopt by id renames the account to the declared name", async () => {
      const id = await madeElsewhere(`legacy-${++n}`);
      const args = inputs({ adopt: id });
      const before = countAccounts();
      const created = await provider.create(args);
      assert.equal(created.id, id);
      assert.equal(stored(id).Name, args.name);
      assert.equal(countAccounts(), before, "no new account");
      await provider.delete(id, created.outs!);
    });

    it("adopt by id left in the program: a replacement that deletes first makes a new account; one that creates first keeps the adopted account", async () => {
      const id = await madeElsewhere(`legacy-${++n}`);
      const args = inputs({ adopt: id });
      const created = await provider.create((await provider.check({}, args)).inputs!);
      assert.equal(created.id, id);
      // A later run replaces it, deleting first (an explicit name's default): the engine deletes the
      // account, then checks the inputs again without the old ones (adopt is back) and creates.
      resetRunRecord();
      await provider.delete(id, created.outs!);
      const replacement = await captureWarnings(async () => provider.create((await provider.check({}, args)).inputs!));
      assert.notEqual(replacement.result.id, id, "a new account, not an error about the id adopt names");
      assert.match(replacement.text, new RegExp(`the account adopt names, ${id}, was deleted by this replacement: creating a new one`));
      assert.equal(stored(replacement.result.id).Name, args.name);
      // Another run, creating first (deleteBeforeReplace: false, adopt naming the current account):
      // the create takes the account over, and the replacement's delete of the old state leaves it.
      resetRunRecord();
      const again = await provider.create((await provider.check({}, { ...args, adopt: replacement.result.id })).inputs!);
      assert.equal(again.id, replacement.result.id);
      await provider.delete(replacement.result.id, replacement.result.outs!);
      assert.ok(stored(again.id), "the account the new state holds is still there");
      resetRunRecord();
      await provider.delete(again.id, again.outs!);
      assert.equal(emu.get().state.accounts.has(again.id), false);
    });

    it("adopt: true with no account of that name creates it, with a warning (adopt may stay in a program)", async () => {
      const args = inputs({ adopt: true });
      const warnings = await captureWarnings(() => provider.create(args));
      const created = warnings.result;
      assert.equal(stored(created.id).Name, args.name);
      assert.match(warnings.text, new RegExp(`adopt is set, but there is no account named '${args.name}' in Spaces-1 to adopt: creating it`));
      await provider.delete(created.id, created.outs!);
    });

    it("adopt errors: an unknown id, an account of another type; nothing created or changed", async () => {
      const before = countAccounts();
      const unknown = await failing(() => provider.create(inputs({ adopt: "Accounts-9999" })));
      assert.match(unknown.message, /adopt: there is no account 'Accounts-9999' in Spaces-1/);
      const name = `password-${++n}`;
      const otherId = await madeElsewhere(name, { AccountType: "UsernamePassword", Password: { HasValue: true, NewValue: "pa55word" }, PrivateKeyFile: undefined, PrivateKeyPassphrase: undefined });
      const wrongType = await failing(() => provider.create(inputs({ name, adopt: true })));
      assert.match(wrongType.message, new RegExp(`adopt: account ${otherId} \\('${name}'\\) is a UsernamePassword account, not an SSH key pair`));
      assert.equal(countAccounts(), before + 1);
      await expectCheckFailure(provider, inputs({ adopt: "deploy" }), "adopt", /adopt must be true .* or the id of the account to adopt \(Accounts-N\)/);
    });

    it("get: reads an account from its id alone, and fails clearly for an unknown one", async () => {
      const id = await madeElsewhere(`shared-${++n}`);
      const read = await provider.read!(id, { space: "Spaces-1", connection: conn() });
      assert.equal(read.id, id);
      assert.equal(read.props!.username, "legacy");
      assert.equal(read.props!.accountId, id);
      assert.equal(read.props!.privateKey, undefined);
      const e = await failing(() => provider.read!("Accounts-9998", { space: "Spaces-1", connection: conn() }));
      assert.match(e.message, /there is no account Accounts-9998 in Spaces-1 that these credentials can see/);
    });
  });

  describe("connection resolution", () => {
    it("stack config given to configure() is used when the resource has no connection", async () => {
      const emulator = emu.get();
      const p = { ...provider } as Provider & { stackConfig?: unknown };
      await withEnv(NO_OCTOPUS_ENV, async () => {
        await p.configure!({ config: { get: (k: string) => ({ "octopusdeploy:address": emulator.url, "octopusdeploy:apiKey": emulator.admin.apiKey, "octopusdeploy:spaceId": "Spaces-1" })[k], require: () => "" } } as never);
        const created = await p.create({ ...inputs(), connection: undefined, space: undefined });
        assert.equal(created.outs!.spaceId, "Spaces-1");
        await p.delete(created.id, created.outs!);
      });
    });

    it("environment variables are read at operation time", async () => {
      const emulator = emu.get();
      await withEnv({ ...NO_OCTOPUS_ENV, OCTOPUS_URL: emulator.url, OCTOPUS_APIKEY: emulator.admin.apiKey }, async () => {
        const created = await provider.create({ ...inputs(), connection: undefined });
        assert.ok(emulator.state.accounts.has(created.id));
        await provider.delete(created.id, created.outs!);
      });
    });

    it("a missing server URL names every way to set it", async () => {
      const e = await withEnv(NO_OCTOPUS_ENV, () => failing(() => provider.create({ ...inputs(), connection: undefined })));
      assert.ok(ConfigurationError.isInstance(e));
      assert.match(e.message, /no Octopus server URL is set\. Set it with the resource argument `connection\.serverUrl`, stack config \(`pulumi config set octopusdeploy:address <value>`\), or the environment variable OCTOPUS_URL\./);
    });

    it("missing credentials name the API key and the login ways", async () => {
      const e = await withEnv(NO_OCTOPUS_ENV, () => failing(() => provider.create({ ...inputs(), connection: { serverUrl: emu.get().url } })));
      assert.match(e.message, /no Octopus credentials are set/);
      assert.match(e.message, /octopusdeploy:apiKey/);
      assert.match(e.message, /OCTOPUS_API_KEY or OCTOPUS_APIKEY/);
      assert.match(e.message, /connection\.username/);
    });
  });

  describe("faults", () => {
    it("a read rides out 503s and a reset", async () => {
      const created = await provider.create(inputs());
      emu.get().faults.script({ method: "GET", fault: { kind: "status", status: 503 }, times: 2 }, { method: "GET", fault: { kind: "reset" } });
      const read = await withEnv({ PULUMI_ACCESS_KEYS_RETRY_BASE_MS: "5" }, () => provider.read!(created.id, created.outs!));
      assert.equal(read.id, created.id);
    });

    it("a create whose answer is lost after the account was made does not duplicate it", async () => {
      const emulator = emu.get();
      const args = inputs();
      emulator.faults.script({ method: "POST", path: "/api/Spaces-1/accounts", fault: { kind: "drop-after" } });
      const created = await withEnv({ PULUMI_ACCESS_KEYS_RETRY_BASE_MS: "5" }, () => provider.create(args));
      const same = [...emulator.state.accounts.values()].filter((a) => a.Name === args.name);
      assert.equal(same.length, 1, "exactly one account");
      assert.equal(same[0]!.Id, created.id);
      assert.equal(emulator.requests.filter((r) => r.method === "POST").length, 1, "the POST was not repeated");
    });

    it("a create whose answer is garbled reports the account's id, so Pulumi records it instead of orphaning it", async () => {
      const emulator = emu.get();
      const args = inputs();
      await provider.create(inputs()); // this process has listed the space
      // A status fault answers without processing: make the account exist as if the server had.
      const madeId = await octopusAccountMadeElsewhere(emulator, args.name, ed25519.privateKey, { Username: "ubuntu", Description: "", EnvironmentIds: [], PrivateKeyPassphrase: null });
      emulator.faults.script({ method: "POST", path: "/api/Spaces-1/accounts", fault: { kind: "status", status: 201, body: { Unexpected: true } } });
      const e = await failing(() => provider.create(args));
      assert.match(e.message, /^OctopusSshAccount create failed: unexpected response for the created account/);
      assert.equal((e as Error & { id?: string }).id, madeId);

      // An account under the name that does not hold what was sent may be a stranger's: no id is claimed.
      const other = inputs();
      await octopusAccountMadeElsewhere(emulator, other.name, ed25519.privateKey);
      emulator.faults.script({ method: "POST", path: "/api/Spaces-1/accounts", fault: { kind: "status", status: 201, body: { Unexpected: true } } });
      const e2 = await failing(() => provider.create(other));
      assert.equal((e2 as Error & { id?: string }).id, undefined);
    });

    it("a create rejected with 429 is retried after Retry-After", async () => {
      const emulator = emu.get();
      emulator.faults.script({ method: "POST", fault: { kind: "status", status: 429, retryAfter: 0 } });
      const created = await provider.create(inputs());
      assert.ok(emulator.state.accounts.has(created.id));
      assert.equal(emulator.requests.filter((r) => r.method === "POST").length, 2);
    });
  });
});
