// Layer 2: the OctopusApiKey provider against the Octopus emulator, including the login bootstrap.

import { strict as assert } from "node:assert";
import { octopusApiKeyProvider } from "../../src/octopus/api-key";
import { NO_OCTOPUS_ENV, useOctopusEmulator } from "../support/octopus";
import { captureWarnings, errorCollector, expectCheckFailure, withEnv, changed } from "../support/provider";
import type { Provider } from "../support/provider";

const provider = octopusApiKeyProvider as Provider;
const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

describe("OctopusApiKey provider (emulator)", () => {
  const emu = useOctopusEmulator();
  const created: string[] = [];
  const { failing, assertNoneLeak } = errorCollector();
  const byKey = () => ({ serverUrl: emu.get().url, apiKey: emu.get().admin.apiKey! });
  const byLogin = () => ({ serverUrl: emu.get().url, username: emu.get().admin.username, password: emu.get().admin.password });
  /** Is this key accepted by the server right now? */
  const works = async (key: string) => (await fetch(`${emu.get().url}/api/users/me`, { headers: { "X-Octopus-ApiKey": key } })).status === 200;
  after(() => {
    const emulator = emu.get();
    const secrets = [emulator.admin.apiKey, emulator.admin.password, ...created];
    assertNoneLeak(secrets);
  });

  it("create, read, delete with an API key: the key works until it is revoked", async () => {
    const emulator = emu.get();
    const inputs = { purpose: "ci deploys", connection: byKey() };
    assert.deepEqual((await provider.check({}, inputs)).failures ?? [], []);
    const result = await provider.create(inputs);
    const outs = result.outs!;
    created.push(outs.apiKey);
    assert.match(outs.apiKey, /^API-[A-Z0-9]+$/);
    assert.equal(outs.apiKeyId, result.id);
    assert.equal(outs.userId, "Users-1");
    assert.equal(outs.purpose, "ci deploys");
    assert.ok(Date.parse(outs.expires) > Date.now(), "the server's default expiry is reported");
    assert.deepEqual(emulator.requests.map((r) => `${r.method} ${r.path}`), ["GET /api/users/me", "POST /api/users/Users-1/apikeys"]);
    assert.ok(await works(outs.apiKey));

    emulator.requests.clear();
    const read = await provider.read!(result.id, outs);
    assert.equal(read.id, result.id);
    assert.equal(read.props!.apiKey, outs.apiKey, "the key's value survives a refresh (no API returns it again)");
    assert.deepEqual(emulator.requests.map((r) => r.method), ["GET"]);

    emulator.requests.clear();
    await provider.delete(result.id, outs);
    assert.deepEqual(emulator.requests.map((r) => r.method), ["DELETE"]);
    assert.equal(await works(outs.apiKey), false, "revoked");
    await provider.delete(result.id, outs); // already gone: fine
    assert.equal((await provider.read!(result.id, outs)).id, undefined);
  });

  it("a second create in the same process does not ask who the user is again", async () => {
    const emulator = emu.get();
    await provider.create({ purpose: "one", connection: byKey() });
    emulator.requests.clear();
    const r = await provider.create({ purpose: "two", connection: byKey() });
    created.push(r.outs!.apiKey);
    assert.deepEqual(emulator.requests.map((x) => x.method), ["POST"]);
  });

  it("bootstraps the first API key of a server by logging in (cookie + CSRF), and the new key works", async () => {
    const emulator = emu.get();
    const firstKeys = [...emulator.state.apiKeys.values()].filter((k) => k.UserId === "Users-1").length;
    const result = await withEnv(NO_OCTOPUS_ENV, () => provider.create({ purpose: "bootstrap", connection: byLogin() }));
    const outs = result.outs!;
    created.push(outs.apiKey);
    assert.deepEqual(emulator.requests.map((r) => `${r.method} ${r.path}`), ["POST /api/users/login", "POST /api/users/Users-1/apikeys"]);
    const post = emulator.requests[1]!;
    assert.equal(post.headers["x-octopus-apikey"], undefined, "no API key was used");
    assert.match(post.headers.cookie ?? "", new RegExp(emulator.cookieNames.session));
    const csrfCookie = (post.headers.cookie ?? "").split("; ").find((c) => c.startsWith(emulator.cookieNames.csrf))!;
    assert.equal(post.headers["x-octopus-csrf-token"], csrfCookie.slice(csrfCookie.indexOf("=") + 1), "the CSRF header echoes the cookie byte for byte");
    assert.equal([...emulator.state.apiKeys.values()].filter((k) => k.UserId === "Users-1").length, firstKeys + 1);
    assert.ok(await works(outs.apiKey), "the new key authenticates");

    // Read and delete log in again in a new process; here the session is reused.
    emulator.requests.clear();
    await provider.read!(result.id, outs);
    await provider.delete(result.id, outs);
    assert.deepEqual(emulator.requests.map((r) => r.method), ["GET", "DELETE"]);
    assert.equal(await works(outs.apiKey), false);
  });

  it("logs in again, once, when the session was revoked between operations", async () => {
    const emulator = emu.get();
    const result = await provider.create({ purpose: "session", connection: byLogin() });
    emulator.state.sessions.clear();
    emulator.requests.clear();
    const read = await provider.read!(result.id, result.outs!);
    assert.equal(read.id, result.id);
    assert.deepEqual(emulator.requests.map((r) => `${r.method} ${r.status}`), ["GET 401", "POST 200", "GET 200"]);
  });

  it("creates a key for a service account named by username", async () => {
    const emulator = emu.get();
    const svc = emulator.createUser({ username: "deploy-bot", isService: true });
    const result = await provider.create({ purpose: "bot", user: "deploy-bot", connection: byKey() });
    created.push(result.outs!.apiKey);
    assert.equal(result.outs!.userId, svc.id);
    assert.equal(result.outs!.user, "deploy-bot");
    const d = await provider.diff(result.id, result.outs!, { purpose: "bot", user: svc.id, connection: byKey() });
    assert.equal(changed(d), false, "the same user named by id is not a change");
  });

  it("keeps an explicit expiry, compares it by instant, and replaces the key when it changes", async () => {
    const when = inFuture(30).slice(0, 10); // a bare date
    const result = await provider.create({ purpose: "expiring", expires: when, connection: byKey() });
    created.push(result.outs!.apiKey);
    assert.equal(Date.parse(result.outs!.expires), Date.parse(`${when}T00:00:00Z`));
    const olds = result.outs!;
    const same = await provider.diff(result.id, olds, { purpose: "expiring", expires: `${when}T00:00:00.000+00:00`, connection: byKey() });
    assert.equal(changed(same), false);
    const later = await provider.diff(result.id, olds, { purpose: "expiring", expires: inFuture(60), connection: byKey() });
    assert.deepEqual(later.replaces, ["expires"]);
    const purpose = await provider.diff(result.id, olds, { purpose: "other", expires: when, connection: byKey() });
    assert.deepEqual(purpose.replaces, ["purpose"]);
    const conn = await provider.diff(result.id, olds, { purpose: "expiring", expires: when, connection: byLogin() });
    assert.equal(changed(conn), true);
    assert.equal(conn.replaces, undefined, "a connection change is never a replacement");
    const updated = await provider.update(result.id, olds, { purpose: "expiring", expires: when, connection: byLogin() });
    assert.equal(updated.outs!.apiKey, olds.apiKey);
    assert.deepEqual(updated.outs!.connection, byLogin());
  });

  it("an expired key without an explicit date is replaced on the next up", async () => {
    const d = await provider.diff("apikeys-x", { purpose: "p", expires: new Date(Date.now() - 1000).toISOString(), userId: "Users-1" }, { purpose: "p" });
    assert.equal(changed(d), true);
    assert.deepEqual(d.replaces, ["expires"]);
  });

  it("a key past the explicit date its program still gives: check passes, diff keeps it and warns how to renew it", async () => {
    const inputs = { purpose: "short-lived", expires: new Date(Date.now() + 1500).toISOString(), connection: byKey() };
    const made = await provider.create(inputs);
    created.push(made.outs!.apiKey);
    await new Promise((r) => setTimeout(r, 1700));
    const checked = await provider.check(inputs, inputs);
    assert.deepEqual(checked.failures ?? [], [], "an existing key's passed date fails nothing");
    const { result: d, text } = await captureWarnings(() => provider.diff(made.id, made.outs!, checked.inputs));
    assert.equal(d.replaces, undefined, "no replacement (a new key with that date would be refused)");
    assert.match(text, new RegExp(`OctopusApiKey 'short-lived' \\(${made.id}\\) expired on .*set a later \`expires\``));
    // A new key with a past date is still a mistake, caught before anything is sent.
    await expectCheckFailure(provider, { ...inputs, purpose: "new" }, "expires", /expires is in the past/);
    await provider.delete(made.id, made.outs!);
  });

  it("get: reads a key made elsewhere from its id and user alone (never its value), and fails clearly for an unknown one", async () => {
    const emulator = emu.get();
    const value = emulator.createApiKey("Users-1", "made by hand");
    created.push(value);
    const id = [...emulator.state.apiKeys.values()].find((k) => k.Purpose === "made by hand")!.Id;
    const read = await provider.read!(id, { connection: byKey() });
    assert.equal(read.id, id);
    assert.equal(read.props!.purpose, "made by hand");
    assert.equal(read.props!.userId, "Users-1");
    assert.equal(read.props!.apiKeyId, id);
    assert.equal(read.props!.apiKey, undefined);
    const e = await failing(() => provider.read!("apikeys-nope", { user: "Users-1", connection: byKey() }));
    assert.match(e.message, /Users-1 has no API key 'apikeys-nope' that these credentials can see/);
  });

  it("import: a key read by id alone is kept, its empty value said in a warning; a made key whose value was lost is replaced", async () => {
    const emulator = emu.get();
    created.push(emulator.createApiKey("Users-1", "imported by id"));
    const id = [...emulator.state.apiKeys.values()].find((k) => k.Purpose === "imported by id")!.Id;
    const read = await provider.read!(id, { connection: byKey() });
    assert.equal(read.props!.imported, true);
    const declared = { ...read.inputs!, connection: byKey() };
    const { result: kept, text } = await captureWarnings(() => provider.diff(id, read.props!, declared));
    assert.equal(kept.replaces, undefined);
    assert.match(text, /was imported: Octopus shows a key's value only to whoever makes it/);
    // The same state without the mark is a key this stack made and lost the value of: useless, replaced.
    const { imported: _i, ...lost } = read.props!;
    assert.deepEqual((await provider.diff(id, lost, declared)).replaces, ["apiKey"]);
  });

  it("refresh after an out-of-band revocation drops the resource", async () => {
    const result = await provider.create({ purpose: "to revoke", connection: byKey() });
    emu.get().state.apiKeys.delete(result.id);
    assert.equal((await provider.read!(result.id, result.outs!)).id, undefined);
  });

  describe("bad input", () => {
    const table: { name: string; inputs: Record<string, unknown>; property: string; reason: RegExp }[] = [
      { name: "an empty purpose", inputs: { purpose: "" }, property: "purpose", reason: /must not be empty/ },
      { name: "no purpose", inputs: {}, property: "purpose", reason: /string/ },
      { name: "an unparseable expiry", inputs: { purpose: "p", expires: "next tuesday" }, property: "expires", reason: /ISO 8601/ },
      { name: "an expiry in the past", inputs: { purpose: "p", expires: "2001-01-01" }, property: "expires", reason: /in the past/ },
      { name: "an empty user", inputs: { purpose: "p", user: " " }, property: "user", reason: /must not be empty/ },
    ];
    for (const row of table) {
      it(`check: ${row.name}`, async () => {
        await expectCheckFailure(provider, { ...row.inputs, connection: byKey() }, row.property, row.reason, [emu.get().admin.apiKey]);
        assert.equal(emu.get().requests.length, 0);
      });
    }

    const countKeys = () => emu.get().state.apiKeys.size;

    it("a wrong password: a clear error, nothing created, no password in it", async () => {
      const before = countKeys();
      const e = await failing(() => provider.create({ purpose: "p", connection: { ...byLogin(), password: "not-the-password-123" } }));
      assert.match(e.message, /^OctopusApiKey create failed: Octopus login as 'admin' was refused: POST \/api\/users\/login -> 400 Invalid username or password\..*Check the username and password\./);
      assert.ok(!e.message.includes("not-the-password-123"));
      assert.equal(countKeys(), before);
    });

    it("a wrong API key", async () => {
      const before = countKeys();
      const e = await failing(() => provider.create({ purpose: "p", connection: { serverUrl: emu.get().url, apiKey: "API-NOTAREALKEYNOTAREALKEY00" } }));
      assert.match(e.message, /^OctopusApiKey create failed: GET \/api\/users\/me -> 401 You must be logged in/);
      assert.ok(!e.message.includes("API-NOTAREALKEY"));
      assert.equal(countKeys(), before);
    });

    it("an unknown user", async () => {
      const before = countKeys();
      const e = await failing(() => provider.create({ purpose: "p", user: "nobody-here", connection: byKey() }));
      assert.match(e.message, /^OctopusApiKey create failed: user: no Octopus user named 'nobody-here'/);
      assert.equal(countKeys(), before);
    });

    it("an unknown user id", async () => {
      const before = countKeys();
      const e = await failing(() => provider.create({ purpose: "p", user: "Users-999", connection: byKey() }));
      assert.match(e.message, /POST \/api\/users\/Users-999\/apikeys -> 404/);
      assert.equal(countKeys(), before);
    });

    it("a key for another (non-service) user is refused by Octopus with its own words", async () => {
      emu.get().createUser({ username: "alice", password: "alice-password-1" });
      const before = countKeys();
      const e = await failing(() => provider.create({ purpose: "p", user: "alice", connection: byKey() }));
      assert.match(e.message, /-> 400 .*You can only create a new API Key for your own user account/);
      assert.equal(countKeys(), before);
    });

    it("a username without a password", async () => {
      const e = await withEnv(NO_OCTOPUS_ENV, () => failing(() => provider.create({ purpose: "p", connection: { serverUrl: emu.get().url, username: "admin" } })));
      assert.match(e.message, /username was given without a password/);
    });

    it("an unreachable server", async () => {
      const e = await withEnv({ PULUMI_ACCESS_KEYS_MAX_RETRIES: "1", PULUMI_ACCESS_KEYS_RETRY_BASE_MS: "10" }, () =>
        failing(() => provider.create({ purpose: "p", connection: { serverUrl: "http://127.0.0.1:1", username: "admin", password: "pw-pw-pw-pw" } })),
      );
      assert.match(e.message, /^OctopusApiKey create failed: POST \/api\/users\/login -> could not reach http:\/\/127\.0\.0\.1:1: connection refused/);
    });
  });

  it("a create whose answer is lost is not retried, and says what to check", async () => {
    const emulator = emu.get();
    await provider.create({ purpose: "warm-up", connection: byKey() }); // caches /users/me
    emulator.requests.clear();
    emulator.faults.script({ method: "POST", path: "/api/users/Users-1/apikeys", fault: { kind: "drop-after" } });
    const e = await failing(() => provider.create({ purpose: "lost answer", connection: byKey() }));
    assert.match(e.message, /The key may have been created without its value reaching us: look for keys with purpose 'lost answer' of Users-1/);
    assert.equal(emulator.requests.filter((r) => r.method === "POST").length, 1, "not repeated: a repeat could leave an unusable key");
  });

  it("a create rejected with 429 is retried", async () => {
    const emulator = emu.get();
    emulator.faults.script({ method: "POST", fault: { kind: "status", status: 429, retryAfter: 0 } });
    const result = await provider.create({ purpose: "rate limited", connection: byKey() });
    created.push(result.outs!.apiKey);
    assert.ok(emulator.state.apiKeys.has(result.id));
  });

  describe("expiry and rotation (issue 14, items 4 and 5)", () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it("expires as a lifetime: the key expires that long after its creation; the same lifetime is no change, another replaces", async () => {
      const inputs = { purpose: "lifetime", expires: "90d", connection: byKey() };
      assert.deepEqual((await provider.check({}, inputs)).failures ?? [], []);
      const result = await provider.create(inputs);
      created.push(result.outs!.apiKey);
      const lifetime = Date.parse(result.outs!.expires) - Date.now();
      assert.ok(Math.abs(lifetime - 90 * 86_400_000) < 60_000, `expires in 90 days (${lifetime} ms)`);
      assert.equal(emu.get().state.apiKeys.get(result.id)!.Expires, result.outs!.expires);
      assert.equal(changed((await provider.diff(result.id, result.outs!, inputs))), false, "90d is still 90d on the next up");
      assert.deepEqual((await provider.diff(result.id, result.outs!, { ...inputs, expires: "30d" })).replaces, ["expires"]);
      assert.deepEqual((await provider.diff(result.id, result.outs!, { ...inputs, expires: inFuture(10) })).replaces, ["expires"]);
      await provider.delete(result.id, result.outs!);
    });

    it("renewBefore: nothing until the key is that close to expiring, then a replacement that says why", async () => {
      const inputs = { purpose: "renewed", expires: "1h", renewBefore: "59m58s", connection: byKey() };
      const result = await provider.create(inputs);
      created.push(result.outs!.apiKey);
      const early = await captureWarnings(() => provider.diff(result.id, result.outs!, inputs));
      assert.equal(changed(early.result), false, "not yet due (due 2 s after creation)");
      assert.equal(early.text, "");
      await sleep(2_100);
      const due = await captureWarnings(() => provider.diff(result.id, result.outs!, inputs));
      assert.deepEqual(due.result.replaces, ["renewBefore"]);
      assert.match(due.text, /OctopusApiKey 'renewed' \(.*\): renewal due since \S+Z \(expires \S+, renewBefore "59m58s"\): replacing it with a new key, then revoking this one/);
      // A wider margin set later is an update (state only) until it falls due.
      assert.equal(changed((await provider.diff(result.id, result.outs!, { ...inputs, renewBefore: "1m" }))), true);
      assert.equal((await provider.diff(result.id, result.outs!, { ...inputs, renewBefore: "1m" })).replaces, undefined);
      await provider.delete(result.id, result.outs!);
    });

    it("rotateAfter: replaced once the key is that old, whatever its expiry", async () => {
      const inputs = { purpose: "rotated", rotateAfter: "2s", connection: byKey() };
      const result = await provider.create(inputs);
      created.push(result.outs!.apiKey);
      assert.equal(changed((await provider.diff(result.id, result.outs!, inputs))), false);
      await sleep(2_100);
      const due = await captureWarnings(() => provider.diff(result.id, result.outs!, inputs));
      assert.deepEqual(due.result.replaces, ["rotateAfter"]);
      assert.match(due.text, /rotation due since \S+ \(created \S+, rotateAfter "2s"\)/);
      await provider.delete(result.id, result.outs!);
    });

    it("bad durations and a margin as long as the lifetime fail check, naming the property", async () => {
      await expectCheckFailure(provider, { purpose: "p", expires: "90 days" }, "expires", /ISO 8601 date or time.*or a duration like "90d"/);
      await expectCheckFailure(provider, { purpose: "p", renewBefore: "2w" }, "renewBefore", /renewBefore must be a duration like "90d"/);
      await expectCheckFailure(provider, { purpose: "p", rotateAfter: "soon" }, "rotateAfter", /rotateAfter must be a duration/);
      await expectCheckFailure(provider, { purpose: "p", expires: "30d", renewBefore: "30d" }, "renewBefore", /must be shorter than the key's lifetime/);
    });
  });
});
