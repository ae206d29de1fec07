// Layer 2: the TfcSshKey provider against the HCP Terraform emulator, every CRUD path, bad inputs,
// the organization-token trap and the rate limit.

import { strict as assert } from "node:assert";
import { generateKeyPairSync } from "node:crypto";
import { ConfigurationError } from "../../src/core/errors";
import { LOGICAL_NAME, UNKNOWN, resetRunRecord } from "../../src/core/provider";
import { startTfcEmulator } from "../../src/emulators/tfc";
import type { TfcEmulator } from "../../src/emulators/tfc";
import { generateKeyPair } from "../../src/ssh/keys";
import { tfcSshKeyProvider } from "../../src/tfc/ssh-key";
import { captureWarnings, errorCollector, expectCheckFailure, withEnv, changed } from "../support/provider";
import type { Provider } from "../support/provider";
import { tfcKeyMadeElsewhere } from "../support/outside";

const provider = tfcSshKeyProvider as Provider;
const NO_TFE_ENV = { TFE_TOKEN: undefined, TFE_HOSTNAME: undefined, TFE_ADDRESS: undefined, TFE_ORGANIZATION: undefined };

describe("TfcSshKey provider (emulator)", () => {
  let tfc: TfcEmulator;
  const key = generateKeyPair({ algorithm: "ed25519" });
  const other = generateKeyPair({ algorithm: "ed25519" });
  const rsaPem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const { failing, assertNoneLeak } = errorCollector();
  const conn = (token = tfc.tokens.user) => ({ address: tfc.url, token });
  let n = 0;
  const inputs = (over: Record<string, unknown> = {}) => ({ organization: tfc.organization, name: `modules-${++n}`, privateKey: key.privateKey, connection: conn(), ...over });

  before(async () => {
    tfc = await startTfcEmulator();
  });
  after(async () => {
    await tfc.close();
    assertNoneLeak([key.privateKey, other.privateKey, rsaPem, tfc.tokens.user, tfc.tokens.team, tfc.tokens.organization]);
  });
  beforeEach(() => {
    tfc.requests.clear();
    tfc.faults.clear();
  });

  it("create, read, rename, delete: one request each (plus one listing per process); the key text is uploaded once, as given", async () => {
    const args = inputs();
    assert.deepEqual((await provider.check({}, args)).failures ?? [], []);
    assert.equal(tfc.requests.length, 0);
    const created = await provider.create(args);
    assert.match(created.id, /^sshkey-/);
    const keysPath = `/api/v2/organizations/${tfc.organization}/ssh-keys`;
    assert.deepEqual(tfc.requests.map((r) => `${r.method} ${r.path}`), [`GET ${keysPath}`, `POST ${keysPath}`]);
    assert.equal(tfc.requests[1]!.headers["content-type"], "application/vnd.api+json");
    tfc.requests.clear();
    const second = await provider.create(inputs());
    assert.deepEqual(tfc.requests.map((r) => `${r.method} ${r.path}`), [`POST ${keysPath}`], "the listing is made once per process");
    await provider.delete(second.id, second.outs!);
    assert.equal(tfc.state.sshKeys.get(created.id)!.value, key.privateKey);
    const outs = created.outs!;
    assert.equal(outs.adopt, undefined);
    assert.equal(outs.sshKeyId, created.id);
    assert.equal(outs.organization, tfc.organization);
    assert.equal(outs.fingerprint, key.fingerprint);
    assert.equal(outs.publicKey, key.publicKey);

    tfc.requests.clear();
    const read = await provider.read!(created.id, outs);
    assert.equal(read.id, created.id);
    assert.deepEqual(read.props, outs);
    assert.equal(tfc.requests.length, 1);

    tfc.requests.clear();
    const renamed = { ...args, name: `${args.name}-renamed` };
    const d = await provider.diff(created.id, outs, renamed);
    assert.equal(changed(d), true);
    assert.equal(d.replaces, undefined);
    const updated = await provider.update(created.id, outs, renamed);
    assert.deepEqual(tfc.requests.map((r) => r.method), ["PATCH"]);
    assert.deepEqual((tfc.requests[0]!.body as any).data.attributes, { name: renamed.name }, "only the name is sent");
    assert.equal(tfc.state.sshKeys.get(created.id)!.name, renamed.name);
    assert.equal(updated.outs!.sshKeyId, created.id);

    tfc.requests.clear();
    await provider.update(created.id, updated.outs!, { ...renamed, connection: conn(tfc.tokens.team) });
    assert.equal(tfc.requests.length, 0, "a connection change sends nothing");

    await provider.delete(created.id, updated.outs!);
    assert.equal(tfc.state.sshKeys.has(created.id), false);
    await provider.delete(created.id, updated.outs!); // already gone
    assert.equal((await provider.read!(created.id, updated.outs!)).id, undefined);
  });

  it("diff: a new private key or organization replaces; a rename, the same key written differently, or a new connection does not", async () => {
    const base = { ...inputs(), sshKeyId: "sshkey-x", organization: tfc.organization, __provider: "p" };
    const table: { name: string; change: Record<string, unknown>; changes: boolean; replaces?: string[] }[] = [
      { name: "nothing", change: {}, changes: false },
      { name: "name", change: { name: "other" }, changes: true },
      { name: "key", change: { privateKey: other.privateKey }, changes: true, replaces: ["privateKey"] },
      { name: "same key as base64", change: { privateKey: Buffer.from(key.privateKey).toString("base64") }, changes: false },
      { name: "same key without its final newline", change: { privateKey: key.privateKey.trimEnd() }, changes: false },
      { name: "organization", change: { organization: "elsewhere" }, changes: true, replaces: ["organization"] },
      { name: "organization moved to the connection", change: { organization: undefined, connection: { ...conn(), organization: tfc.organization } }, changes: true },
      { name: "key not known yet", change: { privateKey: UNKNOWN }, changes: true, replaces: ["privateKey"] },
    ];
    for (const row of table) {
      const d = await provider.diff("sshkey-x", base, { ...base, ...row.change });
      assert.equal(changed(d), row.changes, row.name);
      assert.deepEqual(d.replaces, row.replaces, row.name);
    }
  });

  it("takes the organization from the connection, stack config or the environment", async () => {
    await withEnv({ ...NO_TFE_ENV, TFE_ADDRESS: tfc.url, TFE_TOKEN: tfc.tokens.user, TFE_ORGANIZATION: tfc.organization }, async () => {
      const created = await provider.create({ name: "from-env", privateKey: key.privateKey });
      assert.equal(created.outs!.organization, tfc.organization);
      const d = await provider.diff(created.id, created.outs!, { name: "from-env", privateKey: key.privateKey });
      assert.equal(changed(d), false, "the organization resolved the same way is not a change");
      await provider.delete(created.id, created.outs!);
    });
    const p = { ...provider } as Provider;
    await withEnv({ ...NO_TFE_ENV, TFE_ADDRESS: tfc.url }, async () => {
      await p.configure!({ config: { get: (k: string) => ({ "tfe:token": tfc.tokens.team, "tfe:organization": tfc.organization })[k] } } as never);
      const created = await p.create({ name: "from-config", privateKey: key.privateKey });
      assert.equal(created.outs!.organization, tfc.organization);
      await p.delete(created.id, created.outs!);
    });
  });

  it("renames done outside Pulumi show as drift; deletions drop the resource", async () => {
    const args = inputs();
    const created = await provider.create(args);
    tfc.state.sshKeys.get(created.id)!.name = "renamed in the UI";
    const read = await provider.read!(created.id, created.outs!);
    assert.equal(read.props!.name, "renamed in the UI");
    assert.equal(read.inputs!.name, "renamed in the UI");
    assert.equal(read.inputs!.privateKey, args.privateKey);
    assert.equal(changed((await provider.diff(created.id, read.props!, args))), true);
    tfc.state.sshKeys.delete(created.id);
    assert.equal((await provider.read!(created.id, read.props!)).id, undefined);
  });

  describe("bad input", () => {
    const encrypted = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw pw pw" }).toString();
    const table: { name: string; change: Record<string, unknown>; property: string; reason: RegExp }[] = [
      { name: "an empty name", change: { name: "" }, property: "name", reason: /must not be empty/ },
      { name: "a public key as the private key", change: { privateKey: key.publicKey }, property: "privateKey", reason: /public/i },
      { name: "a malformed key", change: { privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n" }, property: "privateKey", reason: /./ },
      { name: "an encrypted key", change: { privateKey: encrypted }, property: "privateKey", reason: /cannot type a passphrase/ },
      { name: "an organization with a slash", change: { organization: "a/b" }, property: "organization", reason: /without '\/'/ },
      { name: "an unknown connection field", change: { connection: { token: "x", apiKey: "y" } }, property: "connection", reason: /./ },
    ];
    for (const row of table) {
      it(`check: ${row.name}`, async () => {
        await expectCheckFailure(provider, inputs(row.change), row.property, row.reason, [key.privateKey, encrypted]);
        assert.equal(tfc.requests.length, 0);
      });
    }

    const count = () => tfc.state.sshKeys.size;

    it("an organization token: a message that says SSH keys need a user or team token", async () => {
      const before = count();
      const e = await failing(() => provider.create(inputs({ connection: conn(tfc.tokens.organization) })));
      assert.match(e.message, /^TfcSshKey create failed: GET \/api\/v2\/organizations\/[^/]+\/ssh-keys\S* -> 404 not found .*organization tokens: SSH keys need a user or team token/);
      assert.equal(count(), before);
    });

    it("an unknown organization", async () => {
      const e = await failing(() => provider.create(inputs({ organization: "no-such-org" })));
      assert.match(e.message, /-> 404 .*organization 'no-such-org' does not exist/);
    });

    it("a wrong token", async () => {
      const e = await failing(() => provider.create(inputs({ connection: conn("wrongtoken.atlasv1.nope") })));
      assert.match(e.message, /^TfcSshKey create failed: GET \/api\/v2\/organizations\/[^/]+\/ssh-keys\S* -> 401 unauthorized/);
      assert.ok(!e.message.includes("wrongtoken.atlasv1"));
    });

    it("no token anywhere", async () => {
      const e = await withEnv(NO_TFE_ENV, () => failing(() => provider.create(inputs({ connection: { address: tfc.url } }))));
      assert.ok(ConfigurationError.isInstance(e));
      assert.match(e.message, /no HCP Terraform API token is set\. Set it with the resource argument `connection\.token`, stack config \(`pulumi config set --secret tfe:token <value>`\), or the environment variable TFE_TOKEN\./);
    });

    it("no organization anywhere", async () => {
      const e = await withEnv(NO_TFE_ENV, () => failing(() => provider.create(inputs({ organization: undefined }))));
      assert.match(e.message, /no HCP Terraform organization is set\. Set it with the resource argument `organization`, the resource argument `connection\.organization`, stack config .*tfe:organization.*TFE_ORGANIZATION/);
    });

    it("a hostname given as a URL", async () => {
      const e = await withEnv(NO_TFE_ENV, () => failing(() => provider.create(inputs({ connection: { hostname: "https://tfe.example.com/x", token: "t" } }))));
      assert.match(e.message, /must be a host name like tfe\.example\.com; give a full URL as connection\.address or TFE_ADDRESS instead/);
    });
  });

  describe("existing keys: adopt, names already taken, lookups", () => {
    const madeElsewhere = (name: string, privateKey = key.privateKey) => tfcKeyMadeElsewhere(tfc, name, privateKey);
    const keysNamed = (name: string) => [...tfc.state.sshKeys.values()].filter((k) => k.name === name);

    it("a name already taken: an error naming the key and `adopt`, and nothing created", async () => {
      const args = inputs();
      const id = await madeElsewhere(args.name);
      const e = await failing(() => provider.create(args));
      assert.match(e.message, new RegExp(`already has an SSH key named '${args.name}' \\(${id}\\)`));
      assert.match(e.message, /set `adopt: true` and give the private key it holds/);
      assert.equal(keysNamed(args.name).length, 1);
    });

    it("adopt: true takes over the only key with the name: no new key, and it is managed from then on", async () => {
      const args = inputs({ adopt: true });
      const id = await madeElsewhere(args.name);
      tfc.requests.clear();
      const created = await provider.create(args);
      assert.equal(created.id, id);
      assert.deepEqual(tfc.requests.map((r) => r.method), ["GET"], "one listing, nothing written");
      assert.equal(created.outs!.fingerprint, key.fingerprint);
      // The next up: check drops adopt (it acted once); nothing changes.
      const next = await provider.check(args, args);
      assert.equal(next.inputs!.adopt, undefined);
      assert.equal(changed((await provider.diff(id, created.outs!, next.inputs!))), false);
      // A rename is an update of that key.
      const renamed = await provider.update(id, created.outs!, { ...next.inputs!, name: `${args.name}-x` });
      assert.equal(tfc.state.sshKeys.get(id)!.name, `${args.name}-x`);
      // A replacement (a new private key) in a later run, adopt still declared, the explicit name
      // deleting first (the class's default): the old key goes, then a new one is made, not adopted.
      resetRunRecord();
      const rotated = { ...args, name: `${args.name}-x`, privateKey: other.privateKey };
      assert.ok((await provider.diff(id, renamed.outs!, (await provider.check(next.inputs!, rotated)).inputs!)).replaces);
      await provider.delete(id, renamed.outs!);
      const replacement = await provider.create((await provider.check({}, rotated)).inputs!);
      assert.notEqual(replacement.id, id);
      assert.equal(tfc.state.sshKeys.get(replacement.id)!.value, other.privateKey);
      await provider.delete(replacement.id, replacement.outs!);
      assert.equal(tfc.state.sshKeys.has(id), false);
    });

    it("adopt by id renames the key to the declared name", async () => {
      const id = await madeElsewhere("legacy name");
      const args = inputs({ adopt: id });
      const before = tfc.state.sshKeys.size;
      const created = await provider.create(args);
      assert.equal(created.id, id);
      assert.equal(tfc.state.sshKeys.get(id)!.name, args.name);
      assert.equal(tfc.state.sshKeys.size, before, "no new key");
      await provider.delete(id, created.outs!);
    });

    it("adopt: true with no key of that name creates it, with a warning (adopt may stay in a program)", async () => {
      const args = inputs({ adopt: true });
      const made = await captureWarnings(() => provider.create(args));
      assert.match(made.text, new RegExp(`adopt is set, but the organization '.*' has no SSH key named '${args.name}' to adopt: creating it`));
      assert.deepEqual(keysNamed(args.name).map((k) => k.id), [made.result.id]);
      await provider.delete(made.result.id, made.result.outs!);
    });

    it("adopt errors: an unknown id, two keys with the name; nothing created", async () => {
      const count = tfc.state.sshKeys.size;
      const unknown = await failing(() => provider.create(inputs({ adopt: "sshkey-nope" })));
      assert.match(unknown.message, /adopt: the organization '.*' has no SSH key with id 'sshkey-nope'/);
      const args = inputs({ adopt: true });
      const a = await madeElsewhere(args.name);
      const b = await madeElsewhere(args.name, other.privateKey);
      const twice = await failing(() => provider.create(args));
      assert.match(twice.message, new RegExp(`has 2 SSH keys named '${args.name}' \\(${a}, ${b}\\); adopt one by its id`));
      assert.equal(tfc.state.sshKeys.size, count + 2);
      await expectCheckFailure(provider, inputs({ adopt: "has space" }), "adopt", /adopt must be true .* or the id of the key to adopt/);
    });

    it("an auto-named key's replacement gets a new name and is made first; a lost answer then does not take the old key", async () => {
      const { name: _none, ...unnamed } = inputs();
      const args = { ...unnamed, [LOGICAL_NAME]: "modules" };
      const first = await provider.check({}, args);
      assert.match(first.inputs!.name, /^modules-[0-9a-f]{7}$/, "the logical name and a random suffix");
      assert.equal(first.inputs![LOGICAL_NAME], undefined, "consumed by check, never stored");
      const old = await provider.create(first.inputs!);
      // The next up keeps the name (check has the old inputs).
      const again = await provider.check(first.inputs!, args);
      assert.equal(again.inputs!.name, first.inputs!.name);
      assert.equal(changed((await provider.diff(old.id, old.outs!, again.inputs!))), false);
      // As the engine replaces: diff with the old state, check again without it (a new name), create, delete.
      const news = { ...args, privateKey: other.privateKey };
      assert.deepEqual((await provider.diff(old.id, old.outs!, (await provider.check(first.inputs!, news)).inputs!)).replaces, ["privateKey"]);
      const checked = await provider.check({}, news);
      assert.notEqual(checked.inputs!.name, first.inputs!.name);
      tfc.faults.script({ method: "POST", fault: { kind: "reset" } });
      const replacement = await withEnv({ PULUMI_ACCESS_KEYS_RETRY_BASE_MS: "5" }, () => provider.create(checked.inputs!));
      assert.notEqual(replacement.id, old.id);
      assert.equal(tfc.state.sshKeys.get(replacement.id)!.value, other.privateKey);
      assert.equal(tfc.state.sshKeys.get(old.id)!.value, key.privateKey, "the old key is untouched until its delete");
      await provider.delete(old.id, old.outs!);
      assert.equal(tfc.state.sshKeys.has(old.id), false);
      await provider.delete(replacement.id, replacement.outs!);
    });

    it("an explicitly named key's replacement that creates first is refused, naming the way out; the old key stays", async () => {
      const args = inputs();
      const old = await provider.create(args);
      const checked = await provider.check({}, { ...args, privateKey: other.privateKey });
      const e = await failing(() => provider.create(checked.inputs!));
      assert.match(e.message, /If it is the key this resource is replacing, leave `name` out/);
      assert.equal(tfc.state.sshKeys.get(old.id)!.value, key.privateKey);
      await provider.delete(old.id, old.outs!);
    });

    it("two new resources cannot take one name in one process", async () => {
      const args = inputs();
      const first = await provider.create(args);
      const e = await failing(() => provider.create({ ...args }));
      assert.match(e.message, /already has an SSH key named/);
      await provider.delete(first.id, first.outs!);
    });

    it("get: reads a key by id from its id alone, and fails clearly for an unknown one", async () => {
      const id = await madeElsewhere("shared");
      const read = await provider.read!(id, { connection: conn() });
      assert.equal(read.id, id);
      assert.equal(read.props!.name, "shared");
      assert.equal(read.props!.sshKeyId, id);
      const e = await failing(() => provider.read!("sshkey-missing", { connection: conn() }));
      assert.match(e.message, /HCP Terraform has no SSH key 'sshkey-missing', or this token cannot see it/);
    });

    it("import: a read by id alone records the organization that holds the key; the first update records the declared key, in place, with a warning", async () => {
      const id = await madeElsewhere("imported-key");
      await withEnv({ ...NO_TFE_ENV, TFE_ORGANIZATION: tfc.organization }, async () => {
        const read = await provider.read!(id, { connection: conn() });
        assert.equal(read.props!.organization, tfc.organization);
        assert.equal(read.props!.imported, true);
        const declared = { ...read.inputs!, privateKey: key.privateKey, connection: conn() };
        const { result: diff, text } = await captureWarnings(() => provider.diff!(id, read.props!, declared));
        assert.equal(diff.changes, true);
        assert.deepEqual(diff.replaces ?? [], [], "an imported key is not replaced for the key text no service returns");
        assert.match(text, /recorded without being checked/);
        const updated = await provider.update!(id, read.props!, declared);
        assert.equal(updated.outs!.fingerprint, key.fingerprint);
        assert.equal(updated.outs!.imported, undefined);
        assert.ok(tfc.state.sshKeys.has(id));
        // From then on the key text is known: another key is a new key, as for every key.
        assert.deepEqual((await provider.diff!(id, updated.outs!, { ...declared, privateKey: other.privateKey })).replaces, ["privateKey"]);
      });
    });

    it("import without an organization in reach: none recorded; the declared one is no move when it holds the key, a move when it does not", async () => {
      const id = await madeElsewhere("imported-unplaced");
      await withEnv(NO_TFE_ENV, async () => {
        const read = await provider.read!(id, { connection: conn() });
        assert.equal(read.props!.organization, undefined);
        const declared = { ...read.inputs!, organization: tfc.organization, privateKey: key.privateKey, connection: conn() };
        const { result: diff } = await captureWarnings(() => provider.diff!(id, read.props!, declared));
        assert.deepEqual(diff.replaces ?? [], []);
        const elsewhere = await provider.diff!(id, read.props!, { ...declared, organization: "another-org" });
        assert.ok(elsewhere.replaces?.includes("organization"));
      });
      // An organization whose key list cannot be read records nothing, and the read still works.
      await withEnv({ ...NO_TFE_ENV, TFE_ORGANIZATION: "no-such-org" }, async () => {
        const read = await provider.read!(id, { connection: conn() });
        assert.equal(read.props!.organization, undefined);
      });
    });

    it("a state that kept neither key text nor fingerprint, and was not imported, is replaced for a declared key", async () => {
      const args = inputs();
      const created = await provider.create(args);
      const { privateKey: _k, fingerprint: _f, ...kept } = created.outs!;
      assert.deepEqual((await provider.diff!(created.id, kept, args)).replaces, ["privateKey"]);
      await provider.delete(created.id, created.outs!);
    });
  });

  it("a create whose answer is lost is not duplicated", async () => {
    const args = inputs();
    tfc.faults.script({ method: "POST", fault: { kind: "drop-after" } });
    const created = await withEnv({ PULUMI_ACCESS_KEYS_RETRY_BASE_MS: "5" }, () => provider.create(args));
    const same = [...tfc.state.sshKeys.values()].filter((k) => k.name === args.name);
    assert.equal(same.length, 1);
    assert.equal(same[0]!.id, created.id);
  });

  it("rides out the rate limit: 60 creates at once, no 429 surfaces, every key made once", async function () {
    this.timeout(60_000);
    const before = tfc.state.rateLimited.length;
    const names = Array.from({ length: 60 }, (_, i) => `burst-${i}`);
    const started = Date.now();
    const results = await Promise.all(names.map((name) => provider.create(inputs({ name }))));
    const seconds = (Date.now() - started) / 1000;
    assert.equal(results.length, 60);
    for (const name of names) assert.equal([...tfc.state.sshKeys.values()].filter((k) => k.name === name).length, 1, name);
    const limited = tfc.state.rateLimited.length - before;
    console.log(`      60 creates in ${seconds.toFixed(2)} s (floor 60/30 = 2 s), ${limited} answered 429 and retried`);
    assert.ok(limited > 0, "the burst did meet the limit");
    await Promise.all(results.map((r) => provider.delete(r.id, r.outs!)));
  });
});
