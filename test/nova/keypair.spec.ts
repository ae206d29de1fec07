// Layer 2: the NovaKeypair provider against the Keystone + Nova emulator: import, Nova generation,
// local generation, refresh, replacement order, errors, token renewal and request counts.

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNovaEmulator } from "../../src/emulators/nova";
import type { NovaEmulator } from "../../src/emulators/nova";
import { resetRunRecord } from "../../src/core/provider";
import { novaKeypairProvider } from "../../src/nova/keypair";
import { generateKeyPair, inspectPrivateKey } from "../../src/ssh/keys";
import { captureWarnings, errorCollector, expectCheckFailure, withEnv, changed } from "../support/provider";
import type { Provider } from "../support/provider";
import { novaKeypairMadeElsewhere } from "../support/outside";

const provider = novaKeypairProvider as Provider;
const NO_OS_ENV = Object.fromEntries(
  ["OS_AUTH_URL", "OS_USERNAME", "OS_USER_ID", "OS_PASSWORD", "OS_USER_DOMAIN_NAME", "OS_PROJECT_NAME", "OS_PROJECT_ID", "OS_PROJECT_DOMAIN_NAME", "OS_REGION_NAME", "OS_INTERFACE", "OS_APPLICATION_CREDENTIAL_ID", "OS_APPLICATION_CREDENTIAL_NAME", "OS_APPLICATION_CREDENTIAL_SECRET", "OS_TOKEN", "OS_TENANT_NAME", "OS_TENANT_ID"].map((k) => [k, undefined]),
);

describe("NovaKeypair provider (emulator)", () => {
  let nova: NovaEmulator;
  const imported = generateKeyPair({ algorithm: "ed25519" });
  const { failing, assertNoneLeak } = errorCollector();
  const conn = () => {
    const c = nova.credentials;
    return { authUrl: c.authUrl, username: c.username, password: c.password, userDomainName: c.userDomainName, projectName: c.projectName, projectDomainName: c.projectDomainName };
  };
  let n = 0;
  const inputs = (over: Record<string, unknown> = {}) => ({ name: `kp-${++n}`, connection: conn(), ...over });
  const stored = (name: string) => [...nova.state.keypairs.values()].find((k) => k.name === name);
  const novaRequests = () => nova.requests.filter((r) => !r.path.includes("/auth/tokens") && r.path !== "/compute/" && !/\/v2\.1\/?$/.test(r.path));

  before(async () => {
    nova = await startNovaEmulator();
  });
  after(async () => {
    await nova.close();
    assertNoneLeak([nova.credentials.password, nova.credentials.applicationCredentialSecret, imported.privateKey]);
  });
  beforeEach(() => {
    nova.requests.clear();
    nova.faults.clear();
  });

  it("imports a public key: one token, no version document, then one request per operation", async () => {
    const args = inputs({ publicKey: imported.publicKey });
    assert.deepEqual((await provider.check({}, args)).failures ?? [], []);
    assert.equal(nova.requests.length, 0, "check sends nothing");
    const created = await provider.create(args);
    assert.equal(created.id, args.name);
    const outs = created.outs!;
    assert.equal(outs.fingerprint, imported.md5Fingerprint, "Nova's MD5 fingerprint, checked against ours");
    assert.equal(outs.privateKey, null);
    assert.equal(outs.userId, nova.credentials.userId);
    assert.equal(stored(args.name)!.publicKey, imported.publicKey);
    const auth = nova.requests.filter((r) => r.path.endsWith("/auth/tokens"));
    assert.equal(auth.length, 1, "one token");
    assert.deepEqual(nova.requests.filter((r) => !r.path.endsWith("/auth/tokens") && !r.path.includes("/os-keypairs")), [], "no version document: the microversion is sent, not negotiated first");
    assert.deepEqual([...new Set(novaRequests().map((r) => r.headers["openstack-api-version"]))], ["compute 2.96"]);
    // The user's key pairs are listed once per process (what existed before: core/ownership.ts).
    assert.deepEqual(novaRequests().map((r) => `${r.method} ${r.path.replace(/^.*\/os-keypairs/, "os-keypairs")}`), ["GET os-keypairs", "POST os-keypairs"]);
    nova.requests.clear();
    const second = await provider.create(inputs({ publicKey: generateKeyPair({ algorithm: "ed25519" }).publicKey }));
    assert.deepEqual(novaRequests().map((r) => r.method), ["POST"], "one request per create after the first");
    await provider.delete(second.id, second.outs!);

    nova.requests.clear();
    const read = await provider.read!(created.id, outs);
    assert.equal(read.id, created.id);
    await provider.delete(created.id, outs);
    assert.deepEqual(nova.requests.map((r) => r.method), ["GET", "DELETE"], "the token is reused");
    assert.equal(stored(args.name), undefined);
    await provider.delete(created.id, outs); // already gone
    assert.equal((await provider.read!(created.id, outs)).id, undefined);
  });

  it("lets Nova generate the pair at microversion 2.10 and keeps the private key it returns once", async () => {
    const args = inputs();
    const created = await provider.create(args);
    const post = nova.requests.find((r) => r.method === "POST" && r.path.endsWith("/os-keypairs"))!;
    assert.equal(post.headers["x-openstack-nova-api-version"], "2.10");
    assert.equal((post.body as any).keypair.public_key, undefined);
    const outs = created.outs!;
    assert.match(outs.privateKey, /BEGIN RSA PRIVATE KEY/);
    assert.equal(inspectPrivateKey(outs.privateKey).md5Fingerprint, outs.fingerprint, "the private key matches the public key Nova stored");
    assert.equal(stored(args.name)!.generated, true);
    // Refresh and update never ask for it again, and keep it.
    const read = await provider.read!(created.id, outs);
    assert.equal(read.props!.privateKey, outs.privateKey);
    const updated = await provider.update(created.id, read.props!, { ...args, connection: { ...conn(), region: nova.credentials.regionName } });
    assert.equal(updated.outs!.privateKey, outs.privateKey);
    await provider.delete(created.id, updated.outs!);
  });

  it("generates locally (ed25519 or RSA), imports the public half, never sends the private key", async () => {
    for (const keyAlgorithm of ["ed25519", "rsa"] as const) {
      nova.requests.clear();
      const args = inputs({ generate: "local", keyAlgorithm });
      const created = await provider.create(args);
      const outs = created.outs!;
      const info = inspectPrivateKey(outs.privateKey);
      assert.equal(info.keyType, keyAlgorithm === "ed25519" ? "ssh-ed25519" : "ssh-rsa");
      assert.equal(info.md5Fingerprint, outs.fingerprint);
      const post = nova.requests.find((r) => r.method === "POST" && r.path.endsWith("/os-keypairs"))!;
      assert.ok((post.body as any).keypair.public_key.startsWith(info.keyType));
      assert.ok(!JSON.stringify(nova.requests.map((r) => r.body)).includes(outs.privateKey.split("\n")[1]), "the private key stays here");
      await provider.delete(created.id, outs);
    }
  });

  it("local generation works on a cloud that no longer generates (2.92+ only)", async () => {
    const modern = await startNovaEmulator({ maxMicroversion: "2.96" });
    try {
      const c = modern.credentials;
      const connection = { authUrl: c.authUrl, username: c.username, password: c.password, userDomainName: c.userDomainName, projectName: c.projectName };
      const created = await provider.create({ name: "modern", generate: "local", connection });
      const post = modern.requests.find((r) => r.method === "POST" && r.path.endsWith("/os-keypairs"))!;
      assert.equal(post.headers["x-openstack-nova-api-version"], "2.96", "the newest the server offers, up to the pinned maximum");
      assert.ok(created.outs!.privateKey);
    } finally {
      await modern.close();
    }
  });

  it("rotateAfter on a generated pair: nothing before it falls due, then a replacement that says why; refused on an imported key", async () => {
    const args = inputs({ rotateAfter: "2s" });
    assert.deepEqual((await provider.check({}, args)).failures ?? [], []);
    const created = await provider.create(args);
    assert.ok(Date.parse(created.outs!.createdAt) > Date.now() - 60_000, "createdAt recorded at the create (Nova's answer has none)");
    const early = await captureWarnings(() => provider.diff(created.id, created.outs!, args));
    assert.equal(changed(early.result), false);
    await new Promise((r) => setTimeout(r, 2_100));
    const due = await captureWarnings(() => provider.diff(created.id, created.outs!, args));
    assert.deepEqual(due.result.replaces, ["rotateAfter"]);
    assert.match(due.text, new RegExp(`NovaKeypair ${created.id}: rotation due since \\S+ \\(made \\S+, rotateAfter "2s"\\): replacing it with a new key pair`));
    // Nova's own created_at (no zone: UTC), after a refresh, counts the same way.
    const read = await provider.read!(created.id, created.outs!);
    assert.doesNotMatch(String(read.props!.createdAt), /Z$/);
    assert.deepEqual((await provider.diff(created.id, read.props!, args)).replaces, ["rotateAfter"]);
    assert.equal((await provider.diff(created.id, read.props!, { ...args, rotateAfter: "1d" })).replaces, undefined, "a longer period: an update");
    await provider.delete(created.id, created.outs!);
    await expectCheckFailure(provider, inputs({ publicKey: imported.publicKey, rotateAfter: "90d" }), "rotateAfter", /applies to generated key pairs; an imported key rotates with its source/);
    await expectCheckFailure(provider, inputs({ rotateAfter: "90 days" }), "rotateAfter", /rotateAfter must be a duration like "90d"/);
  });

  it("a new explicit name that is taken is refused by diff, before the old pair (deleted first) is touched", async () => {
    const args = inputs({ publicKey: imported.publicKey });
    const created = await provider.create(args);
    const taken = `taken-${++n}`;
    await novaKeypairMadeElsewhere(nova, taken, generateKeyPair({ algorithm: "ed25519" }).publicKey);
    const e = await failing(() => provider.diff(created.id, created.outs!, { ...args, name: taken }));
    assert.match(e.message, new RegExp(`name: a key pair named '${taken}' already exists for this user \\(names are unique per user`));
    assert.ok(stored(args.name), "the old pair is untouched");
    assert.deepEqual((await provider.diff(created.id, created.outs!, { ...args, name: `free-${n}` })).replaces, ["name"], "a free name: a replacement");
    await provider.delete(created.id, created.outs!);
  });

  it("diff: every change replaces; the order is the resource's option, never the diff's", async () => {
    const base = { name: "k", publicKey: imported.publicKey, privateKey: null, fingerprint: imported.md5Fingerprint, userId: "u", type: "ssh", connection: conn(), __provider: "p" };
    const other = generateKeyPair({ algorithm: "ed25519" });
    const table: { name: string; change: Record<string, unknown>; replaces?: string[]; deleteBeforeReplace?: boolean; changes: boolean }[] = [
      { name: "nothing", change: {}, changes: false },
      { name: "the same key with another comment", change: { publicKey: `${imported.publicKey} laptop` }, changes: false },
      { name: "another key, same name", change: { publicKey: other.publicKey }, changes: true, replaces: ["publicKey"] },
      { name: "another name", change: { name: "k2" }, changes: true, replaces: ["name"] },
      { name: "import to generation", change: { publicKey: undefined, generate: "local" }, changes: true, replaces: ["generate"] },
      { name: "type", change: { type: "x509" }, changes: true, replaces: ["type"] },
      { name: "connection only", change: { connection: { ...conn(), region: "RegionTwo" } }, changes: true },
    ];
    for (const row of table) {
      const news = { ...base, ...row.change };
      delete (news as Record<string, unknown>).privateKey;
      const d = await provider.diff("k", base, news);
      assert.equal(changed(d), row.changes, row.name);
      assert.deepEqual(d.replaces, row.replaces, row.name);
      // An auto-named pair gets a new name when the engine checks the replacement, and is made first;
      // an explicitly named one deletes first by the class's default option (replacementOrder).
      assert.equal(d.deleteBeforeReplace, undefined, row.name);
    }
  });

  it("refresh: a deleted pair drops out; a different key under the same name shows as drift", async () => {
    const args = inputs({ publicKey: imported.publicKey });
    const created = await provider.create(args);
    const other = generateKeyPair({ algorithm: "ed25519" });
    stored(args.name)!.publicKey = other.publicKey;
    const read = await provider.read!(created.id, created.outs!);
    assert.equal(read.inputs!.publicKey, other.publicKey);
    const d = await provider.diff(created.id, read.props!, args);
    assert.deepEqual(d.replaces, ["publicKey"]);

    const generated = await provider.create(inputs());
    const g = stored(generated.id)!;
    g.publicKey = other.publicKey;
    const readGenerated = await provider.read!(generated.id, generated.outs!);
    assert.equal(readGenerated.props!.privateKey, null, "the private key in state no longer matches");
    const dg = await provider.diff(generated.id, readGenerated.props!, { name: generated.id, connection: conn() });
    assert.ok(dg.replaces?.includes("publicKey"));

    nova.state.keypairs.delete(g.id);
    assert.equal((await provider.read!(generated.id, readGenerated.props!)).id, undefined);
  });

  it("renews a token with under two minutes left before using it", async () => {
    // Tokens that live 100 s are "about to expire" from the start: every operation needs a new one.
    const shortLived = await startNovaEmulator({ tokenTtlSeconds: 100 });
    try {
      const c = shortLived.credentials;
      const connection = { authUrl: c.authUrl, username: c.username, password: c.password, projectName: c.projectName };
      const created = await provider.create({ name: "short", publicKey: imported.publicKey, connection });
      shortLived.requests.clear();
      await provider.read!(created.id, created.outs!);
      await provider.read!(created.id, created.outs!);
      assert.equal(shortLived.requests.filter((r) => r.path.endsWith("/auth/tokens")).length, 2, "a new token for each");
    } finally {
      await shortLived.close();
    }
  });

  it("authenticates again, once, after Nova answers 401 (a revoked or expired token)", async () => {
    const created = await provider.create(inputs({ publicKey: imported.publicKey }));
    const tokenCalls = () => nova.requests.filter((r) => r.path.endsWith("/auth/tokens")).length;
    nova.requests.clear();
    nova.expireTokens();
    const read = await provider.read!(created.id, created.outs!);
    assert.equal(read.id, created.id);
    assert.equal(tokenCalls(), 1, "one new token after the 401");
    assert.deepEqual(nova.requests.filter((r) => r.path.includes("os-keypairs")).map((r) => r.status), [401, 200]);
  });

  describe("existing key pairs: adopt, a private key you hold, lookups", () => {
    const held = generateKeyPair({ algorithm: "ed25519" });
    const stranger = generateKeyPair({ algorithm: "ed25519" });
    after(() => assertNoneLeak([held.privateKey, stranger.privateKey]));

    it("adopt with the public key it holds: no new pair, managed from then on", async () => {
      const name = `legacy-${++n}`;
      await novaKeypairMadeElsewhere(nova, name, held.publicKey);
      const before = nova.state.keypairs.size;
      const args = inputs({ name, publicKey: held.publicKey, adopt: true });
      nova.requests.clear();
      const created = await provider.create((await provider.check({}, args)).inputs!);
      assert.equal(created.id, name);
      assert.equal(nova.state.keypairs.size, before);
      assert.deepEqual(novaRequests().map((r) => r.method), ["GET"], "looked up, nothing written");
      assert.equal(created.outs!.fingerprint, held.md5Fingerprint);
      assert.equal(created.outs!.privateKey, null);
      const next = await provider.check(created.outs!, args);
      assert.equal(next.inputs!.adopt, undefined, "adopt acts once");
      assert.equal(changed((await provider.diff(name, created.outs!, next.inputs!))), false);
      // A new key with adopt still declared: replaced as the engine does it (diff, delete first,
      // check again without the old inputs, create), which makes a new pair rather than adopting.
      const rotated = { ...args, publicKey: stranger.publicKey };
      assert.deepEqual((await provider.diff(name, created.outs!, (await provider.check(created.outs!, rotated)).inputs!)).replaces, ["publicKey"]);
      // A later `up` (another provider process; an explicit name deletes first).
      resetRunRecord();
      await provider.delete(name, created.outs!);
      const replacement = await provider.create((await provider.check({}, rotated)).inputs!);
      assert.equal(stored(name)!.publicKey.split(" ")[1], stranger.publicKey.split(" ")[1]);
      await provider.delete(name, replacement.outs!);
      assert.equal(stored(name), undefined);
    });

    it("adopt with the private key: the public half is derived and checked, the private key kept as an output", async () => {
      const name = `legacy-${++n}`;
      await novaKeypairMadeElsewhere(nova, name, held.publicKey);
      const args = inputs({ name, privateKey: held.privateKey, adopt: true });
      const checked = await provider.check({}, args);
      assert.deepEqual(checked.failures ?? [], []);
      const created = await provider.create(checked.inputs!);
      assert.equal(created.outs!.privateKey, held.privateKey);
      assert.equal(created.outs!.generated, false);
      const read = await provider.read!(name, created.outs!);
      assert.equal(read.props!.privateKey, held.privateKey, "refresh keeps it");
      const next = (await provider.check(read.props!, args)).inputs!;
      assert.equal(changed((await provider.diff(name, read.props!, next))), false);
      // The same key given as its public half instead: an update of the output, not a new pair.
      const asPublic = (await provider.check(read.props!, inputs({ name, publicKey: held.publicKey }))).inputs!;
      const d = await provider.diff(name, read.props!, asPublic);
      assert.equal(changed(d), true);
      assert.equal(d.replaces, undefined);
      assert.equal((await provider.update(name, read.props!, asPublic)).outs!.privateKey, null, "no private key is claimed any more");
      // Given without its final newline (as `pulumi config set` stores it): the output is still a usable key file.
      const trimmed = (await provider.check(read.props!, inputs({ name, privateKey: held.privateKey.trimEnd() }))).inputs!;
      assert.equal((await provider.update(name, read.props!, trimmed)).outs!.privateKey, held.privateKey);
      await provider.delete(name, created.outs!);
    });

    it("adopt refuses a pair that holds another key, one that is not there, and a generated pair; nothing changes", async () => {
      const name = `legacy-${++n}`;
      await novaKeypairMadeElsewhere(nova, name, stranger.publicKey);
      const before = nova.state.keypairs.size;
      const e = await failing(() => provider.create(inputs({ name, publicKey: held.publicKey, adopt: true })));
      assert.match(e.message, new RegExp(`adopt: the key pair '${name}' holds a different key \\(Nova's fingerprint ${stranger.md5Fingerprint}, the declared key's ${held.md5Fingerprint}\\)`));
      assert.equal(stored(name)!.publicKey.split(" ")[1], stranger.publicKey.split(" ")[1]);
      assert.equal(nova.state.keypairs.size, before);
      // Nothing with the name: created, with a warning (adopt may stay in a program).
      const args = inputs({ publicKey: held.publicKey, adopt: true });
      const made = await captureWarnings(() => provider.create(args));
      assert.match(made.text, new RegExp(`adopt is set, but there is no key pair named '${args.name}' to adopt: creating it`));
      assert.equal(stored(args.name)!.publicKey.split(" ")[1], held.publicKey.split(" ")[1]);
      await provider.delete(made.result.id, made.result.outs!);
      await expectCheckFailure(provider, inputs({ adopt: true }), "adopt", /adopting needs the key the pair holds: give publicKey .* or privateKey/);
    });

    it("a private key you hold, without adopt: its public half is imported and the key kept", async () => {
      const args = inputs({ privateKey: held.privateKey });
      const checked = await provider.check({}, args);
      assert.equal(checked.inputs!.publicKey, inspectPrivateKey(held.privateKey).publicKey);
      const created = await provider.create(checked.inputs!);
      assert.equal(stored(args.name as string)!.publicKey.split(" ")[1], held.publicKey.split(" ")[1]);
      assert.ok(!JSON.stringify(nova.requests.map((r) => r.body)).includes(held.privateKey.split("\n")[1]!), "the private key stays here");
      assert.equal(created.outs!.privateKey, held.privateKey);
      // Another private key replaces the pair.
      const rotated = (await provider.check(created.outs!, { ...args, privateKey: stranger.privateKey })).inputs!;
      assert.deepEqual((await provider.diff(args.name as string, created.outs!, rotated)).replaces, ["publicKey"]);
      await provider.delete(created.id, created.outs!);
      await expectCheckFailure(provider, inputs({ privateKey: held.privateKey, publicKey: held.publicKey }), "publicKey", /give either publicKey or privateKey/, [held.privateKey]);
      await expectCheckFailure(provider, inputs({ privateKey: "not a key" }), "privateKey", /./, ["not a key"]);
    });

    it("get: reads a key pair from its name alone, and fails clearly for an unknown one", async () => {
      const name = `shared-${++n}`;
      await novaKeypairMadeElsewhere(nova, name, held.publicKey);
      const read = await provider.read!(name, { connection: conn() });
      assert.equal(read.id, name);
      assert.equal(read.props!.fingerprint, held.md5Fingerprint);
      // What `pulumi import` records as the inputs: the pair as Nova holds it, under its own name.
      assert.equal(read.inputs!.name, name);
      assert.equal(read.inputs!.publicKey, held.publicKey.trim());
      assert.ok(read.props!.userId);
      const e = await failing(() => provider.read!("nope", { connection: conn() }));
      assert.match(e.message, /there is no key pair named 'nope' for this user/);
    });
  });

  describe("bad input", () => {
    const table: { name: string; change: Record<string, unknown>; property: string; reason: RegExp }[] = [
      { name: "an empty name", change: { name: "" }, property: "name", reason: /must not be empty/ },
      { name: "a name with a slash", change: { name: "a/b" }, property: "name", reason: /may contain only/ },
      { name: "a name with trailing spaces", change: { name: "a " }, property: "name", reason: /start or end with spaces/ },
      { name: "a 256-character name", change: { name: "x".repeat(256) }, property: "name", reason: /longer than 255/ },
      { name: "a private key as the public key", change: { publicKey: imported.privateKey }, property: "publicKey", reason: /PRIVATE key/ },
      { name: "garbage as the public key", change: { publicKey: "ssh-ed25519 notbase64!!" }, property: "publicKey", reason: /./ },
      { name: "publicKey and generate together", change: { publicKey: imported.publicKey, generate: "local" }, property: "generate", reason: /not both/ },
      { name: "keyAlgorithm without local generation", change: { keyAlgorithm: "rsa" }, property: "keyAlgorithm", reason: /local generation only/ },
      { name: "an unknown generate mode", change: { generate: "client" }, property: "generate", reason: /"server" or "local"/ },
      { name: "an unknown connection field", change: { connection: { authUrl: "https://k", apiKey: "x" } }, property: "connection", reason: /./ },
    ];
    for (const row of table) {
      it(`check: ${row.name}`, async () => {
        await expectCheckFailure(provider, inputs(row.change), row.property, row.reason, [imported.privateKey]);
        assert.equal(nova.requests.length, 0);
      });
    }

    it("a taken name: 409 says names are per user and how to take it over", async () => {
      const args = inputs({ publicKey: imported.publicKey });
      await provider.create(args);
      const before = nova.state.keypairs.size;
      const e = await failing(() => provider.create({ ...args, generate: undefined }));
      assert.match(e.message, /^NovaKeypair create failed: POST \/.*os-keypairs -> 409 Key pair '.*' already exists\..*names are unique per user, across all projects.*set `adopt: true` and give the key it holds.*openstack keypair delete/);
      assert.equal(nova.state.keypairs.size, before);
    });

    it("a wrong password: Keystone's 401, with what to check and no password", async () => {
      const e = await failing(() => provider.create(inputs({ connection: { ...conn(), password: "wrong-password-value" } })));
      assert.match(e.message, /^NovaKeypair create failed: POST \/.*auth\/tokens -> 401 .*Keystone refused the username, password or project/);
      assert.ok(!e.message.includes("wrong-password-value"));
    });

    it("an unknown region", async () => {
      const e = await failing(() => provider.create(inputs({ connection: { ...conn(), region: "Atlantis" } })));
      assert.match(e.message, /no compute endpoint for interface 'public' in region 'Atlantis' in the token's catalog \(it offers: /);
    });

    it("an older cloud: its 406 names its range, the request is sent again within it, and the range is kept", async () => {
      const older = await startNovaEmulator({ maxMicroversion: "2.79" });
      try {
        const c = older.credentials;
        const connection = { authUrl: c.authUrl, username: c.username, password: c.password, projectName: c.projectName };
        const first = await provider.create({ name: "older-1", publicKey: imported.publicKey, connection });
        const compute = () => older.requests.filter((r) => r.path.includes("/os-keypairs")).map((r) => `${r.method} ${r.status} ${r.headers["openstack-api-version"]}`);
        assert.deepEqual(compute(), ["GET 406 compute 2.96", "GET 200 compute 2.79", "POST 201 compute 2.79"], "one refused request per process, then the cloud's newest");
        older.requests.clear();
        const second = await provider.create({ name: "older-2", publicKey: generateKeyPair({ algorithm: "ed25519" }).publicKey, connection });
        assert.deepEqual(compute(), ["POST 201 compute 2.79"]);
        await provider.delete(first.id, first.outs!);
        await provider.delete(second.id, second.outs!);
      } finally {
        await older.close();
      }
    });

    it("a microversion the server does not offer (an admin's userId on a 2.1-only cloud)", async () => {
      const old = await startNovaEmulator({ maxMicroversion: "2.3" });
      try {
        const c = old.credentials;
        const e = await failing(() => provider.create({ name: "x", publicKey: imported.publicKey, userId: "someone", connection: { authUrl: c.authUrl, username: c.username, password: c.password, projectName: c.projectName } }));
        assert.match(e.message, /the compute API offers microversions 2\.1 to 2\.3, and this operation needs 2\.10/);
        assert.equal(old.state.keypairs.size, 0);
      } finally {
        await old.close();
      }
    });

    it("no credentials anywhere", async () => {
      const e = await withEnv(NO_OS_ENV, () => failing(() => provider.create({ name: "x", connection: { authUrl: nova.credentials.authUrl } })));
      assert.match(e.message, /no OpenStack credentials are set/);
    });
  });

  it("reads OS_* variables and application credentials", async () => {
    const c = nova.credentials;
    await withEnv({ ...NO_OS_ENV, OS_AUTH_URL: c.authUrl, OS_APPLICATION_CREDENTIAL_ID: c.applicationCredentialId, OS_APPLICATION_CREDENTIAL_SECRET: c.applicationCredentialSecret }, async () => {
      const created = await provider.create({ name: "from-env", publicKey: imported.publicKey });
      assert.equal(created.outs!.userId, c.userId);
      await provider.delete(created.id, created.outs!);
    });
  });

  describe("x509 key pairs", () => {
    // Certificates made at test time with openssl (the TLS tests need it too).
    const certificate = (cn: string): string => {
      const dir = mkdtempSync(join(tmpdir(), "pak-x509-"));
      try {
        execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", `/CN=${cn}`], { cwd: dir, stdio: "pipe" });
        return readFileSync(join(dir, "cert.pem"), "utf8");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };

    it("generated by Nova: a certificate for the user, its SHA-1 fingerprint, and the key in a PKCS#12 bundle kept as the private key", async () => {
      const created = await provider.create(inputs({ type: "x509" }));
      const outs = created.outs!;
      assert.match(outs.publicKey, /^-----BEGIN CERTIFICATE-----/);
      const cert = new X509Certificate(outs.publicKey);
      assert.equal(cert.subject, `CN=${nova.credentials.userId}`);
      assert.equal(outs.fingerprint, cert.fingerprint.toLowerCase());
      // The bundle holds that certificate and its private key (openssl reads it as Nova's clients would).
      const dir = mkdtempSync(join(tmpdir(), "pak-p12-"));
      try {
        writeFileSync(join(dir, "bundle.p12"), Buffer.from(outs.privateKey, "base64"));
        const pem = execFileSync("openssl", ["pkcs12", "-in", "bundle.p12", "-nodes", "-passin", "pass:"], { cwd: dir, stdio: "pipe" }).toString();
        const inBundle = new X509Certificate(pem.slice(pem.indexOf("-----BEGIN CERTIFICATE-----")));
        assert.equal(inBundle.fingerprint, cert.fingerprint);
        assert.ok(cert.checkPrivateKey(createPrivateKey(pem.slice(pem.indexOf("-----BEGIN PRIVATE KEY-----")))), "the key in the bundle is the certificate's");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const read = await provider.read!(created.id, outs);
      assert.equal(read.props!.privateKey, outs.privateKey, "kept through a refresh");
      await provider.delete(created.id, outs);
    });

    it("diff and refresh compare the certificate itself, not the word after BEGIN", async () => {
      const [a, b] = [certificate("one"), certificate("two")];
      const created = await provider.create(inputs({ type: "x509", publicKey: a }));
      const olds = created.outs!;
      assert.equal(changed((await provider.diff(created.id, olds, { ...inputs({ type: "x509", publicKey: a }), name: olds.name }))), false);
      assert.deepEqual((await provider.diff(created.id, olds, { ...inputs({ type: "x509", publicKey: b }), name: olds.name })).replaces, ["publicKey"], "another certificate is another key pair");
      // Replaced outside Pulumi: refresh shows the certificate Nova now holds.
      stored(olds.name)!.publicKey = b;
      const read = await provider.read!(created.id, olds);
      assert.equal(read.inputs!.publicKey, b);
      await provider.delete(created.id, olds);
    });
  });
});
