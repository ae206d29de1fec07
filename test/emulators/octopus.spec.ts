import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startOctopusEmulator, type OctopusEmulator, type OctopusEmulatorOptions } from "../../src/emulators/octopus";

const DAY = 24 * 60 * 60 * 1000;
const MSG_401 =
  "You must be logged in to request this resource or provide a valid API key. Your account may have been disabled, please contact your Octopus administrator.";
const BODY_404 = {
  ErrorMessage: "Resource is not found or it doesn't exist in the current space context. Please contact your administrator for more information.",
  Errors: [],
};
const MSG_VALIDATION = "There was a problem with your request.";

interface Call {
  method?: string;
  /** The API key to send; `null` sends none. Defaults to the admin's key. */
  key?: string | null;
  headers?: Record<string, string>;
  body?: unknown;
  /** Sent verbatim instead of `body`. */
  raw?: string;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** A fake private key file (the emulator accepts any non-empty string) and its base64. */
function fakeKey(): { text: string; base64: string } {
  const text = `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(90).toString("base64")}\n-----END OPENSSH PRIVATE KEY-----\n`;
  return { text, base64: Buffer.from(text).toString("base64") };
}

describe("emulators/octopus", () => {
  let emu: OctopusEmulator;
  /** Every response body seen by `call`, to check that none leaks a secret. */
  let seen: string[];

  async function start(options: OctopusEmulatorOptions = {}): Promise<OctopusEmulator> {
    await emu?.close();
    emu = await startOctopusEmulator(options);
    return emu;
  }

  async function call(path: string, c: Call = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...(c.headers ?? {}) };
    const key = c.key === undefined ? emu.admin.apiKey : c.key;
    if (key !== null && key !== undefined) headers["X-Octopus-ApiKey"] = key;
    const body = c.raw ?? (c.body === undefined ? undefined : JSON.stringify(c.body));
    if (body !== undefined) headers["Content-Type"] ??= "application/json; charset=utf-8";
    const res = await fetch(`${emu.url}${path}`, { method: c.method ?? "GET", headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    seen.push(text);
    if (res.status !== 204 && text !== "") {
      assert.equal(res.headers.get("content-length"), String(Buffer.byteLength(text)), `${path}: no exact Content-Length`);
    }
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      assert.fail(`${c.method ?? "GET"} ${path} answered non-JSON: ${text}`);
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  function sshAccount(over: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      AccountType: "SshKeyPair",
      Name: `ssh-${randomBytes(4).toString("hex")}`,
      Username: "ubuntu",
      PrivateKeyFile: { HasValue: true, NewValue: fakeKey().base64 },
      ...over,
    };
  }

  async function createAccount(over: Record<string, unknown> = {}, spaceId = "Spaces-1"): Promise<any> {
    const res = await call(`/api/${spaceId}/accounts`, { method: "POST", body: sshAccount(over) });
    assert.equal(res.status, 201, res.text);
    return res.json;
  }

  async function login(username = emu.admin.username, password = emu.admin.password): Promise<{ cookie: string; csrf: string; res: Answer }> {
    const res = await call("/api/users/login", { method: "POST", key: null, body: { Username: username, Password: password, RememberMe: false } });
    assert.equal(res.status, 200, res.text);
    const cookies = res.headers.getSetCookie();
    const value = (name: string): string => {
      const found = cookies.find((c) => c.startsWith(`${name}=`));
      assert.ok(found, `no ${name} cookie in ${cookies.join(" | ")}`);
      return found.slice(name.length + 1).split(";")[0]!;
    };
    const session = value(emu.cookieNames.session);
    const csrf = value(emu.cookieNames.csrf);
    return { cookie: `${emu.cookieNames.session}=${session}; ${emu.cookieNames.csrf}=${csrf}`, csrf, res };
  }

  beforeEach(async () => {
    seen = [];
    await start();
  });
  afterEach(() => emu.close());

  describe("root documents", () => {
    it("GET /api is anonymous and has a fixed InstallationId", async () => {
      const a = await call("/api", { key: null });
      const b = await call("/api", { key: "API-NOTAVALIDKEYATALL0000000000" });
      assert.equal(a.status, 200);
      assert.equal(b.status, 200, "the root document ignores credentials");
      assert.equal(a.json.Application, "Octopus Deploy");
      assert.equal(a.json.ApiVersion, "3.0.0");
      assert.equal(typeof a.json.Version, "string");
      assert.match(a.json.InstallationId, /^[0-9a-f-]{36}$/);
      assert.equal(a.json.InstallationId, b.json.InstallationId);
      assert.equal(a.json.InstallationId, emu.installationId);
      assert.equal(a.json.Links.CurrentUser, "/api/users/me");
      assert.equal(a.json.Links.Accounts, "/api/Spaces-1/accounts{/id}{?skip,take,ids,partialName,accountType}");
      assert.equal(emu.cookieNames.session, `OctopusIdentificationToken_${emu.installationId}`);
    });

    it("GET /api/{spaceId} is anonymous; an unknown space is a JSON 404", async () => {
      const ok = await call("/api/Spaces-1", { key: null });
      assert.equal(ok.status, 200);
      assert.equal(ok.json.Links.Self, "/api/Spaces-1");
      const missing = await call("/api/Spaces-99", { key: null });
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.json, BODY_404);
    });

    it("GET /api/authentication is anonymous and reports the key expiry limits", async () => {
      const res = await call("/api/authentication", { key: null });
      assert.equal(res.status, 200);
      assert.equal(res.json.ApiKeyDefaultExpiryDays, 180);
      assert.equal(res.json.ApiKeyMaxExpiryDays, 366);
      assert.equal(res.json.AuthenticationProviders[0].IdentityType, "UsernamePassword");
    });

    it("answers unknown routes with a JSON 404 and wrong methods with a JSON 405", async () => {
      const unknown = await call("/api/nothing/here/at/all");
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json.ErrorMessage, BODY_404.ErrorMessage);
      assert.ok(Array.isArray(unknown.json.Errors));
      const wrong = await call("/api/users/me", { method: "DELETE" });
      assert.equal(wrong.status, 405);
      assert.equal(typeof wrong.json.ErrorMessage, "string");
      assert.equal(wrong.headers.get("allow"), "GET");
    });
  });

  describe("authentication", () => {
    it("rejects a request without credentials with the reference's 401", async () => {
      const res = await call("/api/users/me", { key: null });
      assert.equal(res.status, 401);
      assert.deepEqual(res.json, { ErrorMessage: MSG_401, Errors: [] });
    });

    it("accepts the X-Octopus-ApiKey header", async () => {
      const res = await call("/api/users/me");
      assert.equal(res.status, 200);
      assert.equal(res.json.Id, "Users-1");
      assert.equal(res.json.Username, "admin");
      assert.equal(res.json.IsRequestor, true);
    });

    it("accepts the apikey query parameter, whatever the case of its name", async () => {
      for (const name of ["apikey", "ApiKey", "APIKEY"]) {
        const res = await call(`/api/users/me?${name}=${emu.admin.apiKey}`, { key: null });
        assert.equal(res.status, 200, name);
      }
    });

    it("tries the header, then the query, then the cookie; a bad key is a 401 (no fall-through)", async () => {
      const { cookie } = await login();
      const bad = "API-AAAAAAAAAAAAAAAAAAAAAAAAAA";
      assert.equal((await call(`/api/users/me?apikey=${emu.admin.apiKey}`, { key: bad })).status, 401);
      assert.equal((await call(`/api/users/me?apikey=${bad}`)).status, 200);
      assert.equal((await call(`/api/users/me?apikey=${bad}`, { key: null, headers: { Cookie: cookie } })).status, 401);
      assert.equal((await call("/api/users/me", { key: bad, headers: { Cookie: cookie } })).status, 401);
      assert.equal((await call("/api/users/me", { key: null, headers: { Authorization: "Bearer abc", Cookie: cookie } })).status, 401);
    });

    it("treats an empty key header as no key", async () => {
      const { cookie } = await login();
      assert.equal((await call("/api/users/me", { key: "" })).status, 401);
      assert.equal((await call("/api/users/me", { key: "", headers: { Cookie: cookie } })).status, 200);
    });

    it("rejects an expired key with 401 (injected clock)", async () => {
      let t = Date.UTC(2030, 0, 1);
      await start({ now: () => t });
      const created = await call("/api/users/Users-1/apikeys", { method: "POST", body: { Purpose: "short", Expires: new Date(t + DAY).toISOString() } });
      assert.equal(created.status, 200);
      assert.equal((await call("/api/users/me", { key: created.json.ApiKey })).status, 200);
      t += DAY;
      assert.equal((await call("/api/users/me", { key: created.json.ApiKey })).status, 401);
      t += 200 * DAY;
      assert.equal((await call("/api/users/me")).status, 401, "the seeded key expires after 180 days");
    });
  });

  describe("login, cookies and CSRF", () => {
    it("logs in with username and password and sets the two cookies", async () => {
      const { res, csrf } = await login();
      assert.equal(res.json.Id, "Users-1");
      assert.equal(res.json.IsRequestor, true);
      const cookies = res.headers.getSetCookie();
      assert.equal(cookies.length, 2);
      const session = cookies.find((c) => c.startsWith(`OctopusIdentificationToken_${emu.installationId}=`))!;
      const csrfCookie = cookies.find((c) => c.startsWith(`Octopus-Csrf-Token_${emu.installationId}=`))!;
      assert.match(session, /; path=\/; HttpOnly$/);
      assert.match(csrfCookie, /; path=\/$/, "the CSRF cookie must be readable by scripts");
      assert.match(csrf, /%2f/);
      assert.match(csrf, /%3d/);
      assert.notEqual(decodeURIComponent(csrf), csrf);
      assert.equal(emu.state.sessions.size, 1);
    });

    it("a session cookie is enough for GETs", async () => {
      const { cookie } = await login();
      const me = await call("/api/users/me", { key: null, headers: { Cookie: cookie } });
      assert.equal(me.status, 200);
      assert.equal(me.json.Id, "Users-1");
    });

    it("state changes need X-Octopus-Csrf-Token equal to the raw cookie value (bootstraps the first key)", async () => {
      const { cookie, csrf } = await login();
      const post = (headers: Record<string, string>): Promise<Answer> =>
        call("/api/users/Users-1/apikeys", { method: "POST", key: null, headers: { Cookie: cookie, ...headers }, body: { Purpose: "bootstrap" } });
      const keysBefore = emu.state.apiKeys.size;

      const missing = await post({});
      assert.equal(missing.status, 403);
      assert.match(missing.json.ErrorMessage, /^A required anti-forgery token was not supplied or was invalid\./);
      const decoded = await post({ "X-Octopus-Csrf-Token": decodeURIComponent(csrf) });
      assert.equal(decoded.status, 403, "a URL-decoded token must not pass");
      assert.equal(emu.state.apiKeys.size, keysBefore, "rejected requests changed state");

      const ok = await post({ "X-Octopus-Csrf-Token": csrf });
      assert.equal(ok.status, 200);
      assert.match(ok.json.ApiKey, /^API-[A-Z0-9]{26}$/);
      assert.equal((await call("/api/users/me", { key: ok.json.ApiKey })).status, 200);
    });

    it("API-key requests are exempt from the CSRF check", async () => {
      const res = await call("/api/users/Users-1/apikeys", { method: "POST", body: { Purpose: "no csrf needed" } });
      assert.equal(res.status, 200);
    });

    it("rejects a wrong password or unknown user with 400 'Invalid username or password.'", async () => {
      for (const body of [
        { Username: "admin", Password: "wrong" },
        { Username: "nobody", Password: emu.admin.password },
      ]) {
        const res = await call("/api/users/login", { method: "POST", key: null, body });
        assert.equal(res.status, 400);
        assert.equal(res.json.ErrorMessage, "Invalid username or password.");
        assert.equal(res.headers.getSetCookie().length, 0);
      }
      assert.equal(emu.state.sessions.size, 0);
      const empty = await call("/api/users/login", { method: "POST", key: null });
      assert.equal(empty.status, 400);
      assert.equal(empty.json.ErrorMessage, "No request body was supplied.");
    });

    it("takes the login and CSRF failure statuses and the admin credentials from options", async () => {
      await start({ loginFailureStatus: 401, csrfFailureStatus: 400, adminUsername: "root", adminPassword: "s3cret-pass", adminApiKey: false });
      assert.equal(emu.admin.apiKey, undefined);
      assert.equal(emu.state.apiKeys.size, 0);
      const bad = await call("/api/users/login", { method: "POST", key: null, body: { Username: "root", Password: "nope" } });
      assert.equal(bad.status, 401);
      const { cookie } = await login("root", "s3cret-pass");
      const noCsrf = await call("/api/users/Users-1/apikeys", { method: "POST", key: null, headers: { Cookie: cookie }, body: { Purpose: "x" } });
      assert.equal(noCsrf.status, 400);
    });

    it("logout needs the CSRF header and revokes the session", async () => {
      const { cookie, csrf } = await login();
      const noCsrf = await call("/api/users/logout", { method: "POST", key: null, headers: { Cookie: cookie } });
      assert.equal(noCsrf.status, 403);
      const out = await call("/api/users/logout", { method: "POST", key: null, headers: { Cookie: cookie, "X-Octopus-Csrf-Token": csrf } });
      assert.equal(out.status, 200);
      assert.equal(emu.state.sessions.size, 0);
      assert.equal((await call("/api/users/me", { key: null, headers: { Cookie: cookie } })).status, 401);
    });
  });

  describe("users", () => {
    it("lists users paged and sorted by username, with filter and ids; /all is a bare array", async () => {
      emu.createUser({ username: "zed" });
      emu.createUser({ username: "bob", displayName: "Robert", emailAddress: "bob@example.com" });
      const list = await call("/api/users");
      assert.equal(list.status, 200);
      assert.equal(list.json.ItemType, "User");
      assert.deepEqual(
        list.json.Items.map((u: any) => u.Username),
        ["admin", "bob", "zed"],
      );
      const filtered = await call("/api/users?filter=ROBERT");
      assert.deepEqual(
        filtered.json.Items.map((u: any) => u.Username),
        ["bob"],
      );
      const byIds = await call("/api/users?ids=Users-1,Users-2");
      assert.deepEqual(
        byIds.json.Items.map((u: any) => u.Id),
        ["Users-1", "Users-2"],
      );
      const all = await call("/api/users/all");
      assert.ok(Array.isArray(all.json));
      assert.equal(all.json.length, 3);
    });

    it("gets a user by id (404 for unknown), with its ApiKeys link", async () => {
      const res = await call("/api/users/Users-1");
      assert.equal(res.json.Links.ApiKeys, "/api/users/Users-1/apikeys{/id}{?skip,take}");
      assert.equal(res.json.Links.Self, "/api/users/Users-1");
      const missing = await call("/api/users/Users-404");
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.json, BODY_404);
    });

    it("POST /api/users: admins create (201), duplicates are 400, others get 403", async () => {
      const created = await call("/api/users", { method: "POST", body: { Username: "deployer", DisplayName: "Deployer", IsService: true, IsActive: true } });
      assert.equal(created.status, 201);
      assert.equal(created.json.IsService, true);
      assert.equal(created.json.Links.Self, `/api/users/${created.json.Id}`);
      const dup = await call("/api/users", { method: "POST", body: { Username: "DEPLOYER", DisplayName: "Again" } });
      assert.equal(dup.status, 400);
      assert.equal(dup.json.ErrorMessage, MSG_VALIDATION);
      const servicePassword = await call("/api/users", { method: "POST", body: { Username: "svc", DisplayName: "svc", IsService: true, Password: "x" } });
      assert.deepEqual(servicePassword.json.Errors, ["Passwords cannot be set for service user accounts."]);

      const user = emu.createUser({ username: "plain", apiKey: true });
      const denied = await call("/api/users", { method: "POST", key: user.apiKey!, body: { Username: "x", DisplayName: "x" } });
      assert.equal(denied.status, 403);
      assert.match(denied.json.ErrorMessage, /^You do not have permission to perform this action/);
    });

    it("non-admins may view users and spaces and read accounts, but not change accounts", async () => {
      const account = await createAccount();
      const user = emu.createUser({ username: "viewer", apiKey: true });
      const key = user.apiKey!;
      assert.equal((await call("/api/users", { key })).status, 200);
      assert.equal((await call("/api/spaces", { key })).status, 200);
      assert.equal((await call(`/api/Spaces-1/accounts/${account.Id}`, { key })).status, 200);
      const create = await call("/api/Spaces-1/accounts", { method: "POST", key, body: sshAccount() });
      assert.equal(create.status, 403);
      assert.match(create.json.ErrorMessage, /Missing permission: AccountCreate/);
      const update = await call(`/api/Spaces-1/accounts/${account.Id}`, { method: "PUT", key, body: sshAccount({ Name: "renamed" }) });
      assert.equal(update.status, 403);
      const del = await call(`/api/Spaces-1/accounts/${account.Id}`, { method: "DELETE", key });
      assert.equal(del.status, 403);
      assert.ok(emu.state.accounts.has(account.Id));
      assert.equal(emu.state.accounts.get(account.Id)!.Name, account.Name);
    });
  });

  describe("API keys", () => {
    it("creates a key (200, the only response with the key), stores only its hash, and it works at once", async () => {
      const res = await call("/api/users/Users-1/apikeys", { method: "POST", body: { Purpose: "CI deploys" } });
      assert.equal(res.status, 200);
      const { Id, ApiKey, Purpose, UserId, Created, Expires, Links } = res.json;
      assert.match(ApiKey, /^API-[A-Z0-9]{26}$/);
      assert.match(Id, /^apikeys-[A-Za-z0-9]{26}$/);
      assert.equal(Purpose, "CI deploys");
      assert.equal(UserId, "Users-1");
      assert.match(Created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
      assert.match(Expires, /\+00:00$/);
      assert.equal(Links.Self, `/api/users/Users-1/apikeys/${Id}`);

      assert.ok(!JSON.stringify([...emu.state.apiKeys.values()]).includes(ApiKey), "the plaintext key is stored");
      assert.equal(emu.findApiKey(ApiKey)?.Id, Id);
      assert.equal((await call("/api/users/me", { key: ApiKey })).json.Id, "Users-1");

      // Reads never contain the key.
      const read = await call(Links.Self);
      assert.deepEqual(read.json.ApiKey, { HasValue: true, Hint: null, NewValue: null });
      const list = await call("/api/users/Users-1/apikeys");
      assert.ok(!read.text.includes(ApiKey) && !list.text.includes(ApiKey));
      assert.ok(!list.text.includes(emu.admin.apiKey!));
    });

    it("lists keys newest first, paged", async () => {
      let t = Date.UTC(2030, 0, 1);
      await start({ now: () => t });
      for (const purpose of ["one", "two", "three"]) {
        t += 1000;
        assert.equal((await call("/api/users/Users-1/apikeys", { method: "POST", body: { Purpose: purpose } })).status, 200);
      }
      const page = await call("/api/users/Users-1/apikeys?take=2");
      assert.equal(page.json.ItemType, "ApiKey");
      assert.equal(page.json.TotalResults, 4);
      assert.deepEqual(
        page.json.Items.map((k: any) => k.Purpose),
        ["three", "two"],
      );
      assert.equal(page.json.Links["Page.Next"], "/api/users/Users-1/apikeys?skip=2&take=2");
    });

    it("deleting a key revokes it at once; the deleted key then gets 401", async () => {
      const created = (await call("/api/users/Users-1/apikeys", { method: "POST", body: { Purpose: "temp" } })).json;
      assert.equal((await call("/api/users/me", { key: created.ApiKey })).status, 200);
      const del = await call(created.Links.Self, { method: "DELETE" });
      assert.equal(del.status, 200);
      assert.equal((await call("/api/users/me", { key: created.ApiKey })).status, 401);
      assert.equal((await call(created.Links.Self)).status, 404);
      assert.equal(emu.state.apiKeys.has(created.Id), false);
    });

    it("a key may revoke itself", async () => {
      const created = (await call("/api/users/Users-1/apikeys", { method: "POST", body: { Purpose: "self" } })).json;
      assert.equal((await call(created.Links.Self, { method: "DELETE", key: created.ApiKey })).status, 200);
      assert.equal((await call("/api/users/me", { key: created.ApiKey })).status, 401);
    });

    it("400 when the key belongs to another user; 404 for unknown keys and users", async () => {
      const other = emu.createUser({ username: "other", apiKey: true });
      const otherKeyId = emu.findApiKey(other.apiKey!)!.Id;
      for (const method of ["GET", "DELETE"]) {
        const res = await call(`/api/users/Users-1/apikeys/${otherKeyId}`, { method });
        assert.equal(res.status, 400, method);
        assert.deepEqual(res.json.Errors, ["This ApiKey does not belong to the specified user."]);
      }
      assert.ok(emu.state.apiKeys.has(otherKeyId));
      const unknown = await call("/api/users/Users-1/apikeys/apikeys-doesnotexist");
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.json, BODY_404);
      assert.equal((await call("/api/users/Users-77/apikeys", { method: "POST", body: { Purpose: "x" } })).status, 404);
    });

    describe("expiry", () => {
      const T0 = Date.UTC(2030, 5, 15, 12, 0, 0);
      const iso = (ms: number): string => new Date(ms).toISOString().replace("Z", "+00:00");
      beforeEach(() => start({ now: () => T0 }));
      const create = (body: Record<string, unknown>): Promise<Answer> => call("/api/users/Users-1/apikeys", { method: "POST", body: { Purpose: "exp", ...body } });

      it("omitted → now + 180 days", async () => {
        assert.equal((await create({})).json.Expires, iso(T0 + 180 * DAY));
      });

      it("explicit null → now + 366 days (the maximum)", async () => {
        assert.equal((await create({ Expires: null })).json.Expires, iso(T0 + 366 * DAY));
      });

      it("a date within the limit is kept", async () => {
        const res = await create({ Expires: "2030-07-01T00:00:00.000+00:00" });
        assert.equal(res.status, 200);
        assert.equal(res.json.Expires, "2030-07-01T00:00:00.000+00:00");
      });

      for (const [label, value] of [
        ["in the past", iso(T0 - DAY)],
        ["beyond the maximum", iso(T0 + 367 * DAY)],
        ["not a date", "next tuesday"],
      ] as const) {
        it(`a date ${label} → 400`, async () => {
          const res = await create({ Expires: value });
          assert.equal(res.status, 400);
          assert.equal(res.json.ErrorMessage, MSG_VALIDATION);
          assert.equal(res.json.Errors.length, 1);
        });
      }

      it("honours the configured default and maximum", async () => {
        await start({ now: () => T0, apiKeyDefaultExpiryDays: 30, apiKeyMaxExpiryDays: 60 });
        assert.equal((await create({})).json.Expires, iso(T0 + 30 * DAY));
        assert.equal((await create({ Expires: null })).json.Expires, iso(T0 + 60 * DAY));
        assert.equal((await create({ Expires: iso(T0 + 61 * DAY) })).status, 400);
      });

      it("optionally limits a new key to the expiry of the key that creates it", async () => {
        await start({ now: () => T0, limitApiKeyExpiryToCallerKey: true });
        assert.equal((await create({ Expires: null })).status, 400, "366 days outlives the 180-day caller key");
        assert.equal((await create({ Expires: iso(T0 + 100 * DAY) })).status, 200);
      });
    });

    describe("who may create keys", () => {
      it("a user may create keys for itself but not for others", async () => {
        const user = emu.createUser({ username: "dev", apiKey: true });
        const own = await call(`/api/users/${user.id}/apikeys`, { method: "POST", key: user.apiKey!, body: { Purpose: "mine" } });
        assert.equal(own.status, 200);
        assert.equal(own.json.UserId, user.id);
        const forAdmin = await call("/api/users/Users-1/apikeys", { method: "POST", key: user.apiKey!, body: { Purpose: "theirs" } });
        assert.equal(forAdmin.status, 400);
        assert.deepEqual(forAdmin.json.Errors, ["You can only create a new API Key for your own user account"]);
        assert.equal((await call("/api/users/Users-1/apikeys", { key: user.apiKey! })).status, 403, "nor list theirs");
      });

      it("an admin may create keys for service accounts, not for other normal users (unless the option says so)", async () => {
        const service = emu.createUser({ username: "robot", isService: true });
        assert.equal(service.password, undefined);
        const normal = emu.createUser({ username: "human" });
        assert.equal((await call(`/api/users/${service.id}/apikeys`, { method: "POST", body: { Purpose: "robot" } })).status, 200);
        assert.equal((await call(`/api/users/${normal.id}/apikeys`, { method: "POST", body: { Purpose: "human" } })).status, 400);

        await start({ adminMayCreateApiKeysForAnyUser: true });
        const human = emu.createUser({ username: "human" });
        assert.equal((await call(`/api/users/${human.id}/apikeys`, { method: "POST", body: { Purpose: "human" } })).status, 200);
      });

      it("another admin may log in and use the cookie flow", async () => {
        const other = emu.createUser({ username: "ops", password: "ops-password", isAdmin: true });
        const { cookie, csrf } = await login("ops", "ops-password");
        const res = await call(`/api/users/${other.id}/apikeys`, {
          method: "POST",
          key: null,
          headers: { Cookie: cookie, "X-Octopus-Csrf-Token": csrf },
          body: { Purpose: "ops" },
        });
        assert.equal(res.status, 200);
        assert.equal(res.json.UserId, other.id);
      });
    });

    describe("read shape of the ApiKey field", () => {
      for (const [shape, check] of [
        ["null", (v: unknown) => assert.equal(v, null)],
        ["string", (v: unknown) => assert.match(String(v), /^API-\*+[A-Z0-9]{4}$/)],
        ["sensitive-object", (v: unknown) => assert.deepEqual(v, { HasValue: true, Hint: null, NewValue: null })],
      ] as const) {
        it(shape, async () => {
          await start({ apiKeyReadShape: shape });
          const created = (await call("/api/users/Users-1/apikeys", { method: "POST", body: { Purpose: shape } })).json;
          const read = await call(created.Links.Self);
          check(read.json.ApiKey);
          assert.ok(!read.text.includes(created.ApiKey));
          const list = await call("/api/users/Users-1/apikeys");
          for (const item of list.json.Items) check(item.ApiKey);
        });
      }
    });

    it("createApiKey() mints a working key for tests", async () => {
      const user = emu.createUser({ username: "helper" });
      const key = emu.createApiKey(user.id, "from a test", new Date(emu.now() + DAY));
      assert.match(key, /^API-[A-Z0-9]{26}$/);
      assert.equal((await call("/api/users/me", { key })).json.Username, "helper");
      assert.throws(() => emu.createApiKey("Users-999", "nobody"));
    });
  });

  describe("spaces", () => {
    it("seeds Spaces-1 'Default' as the default space", async () => {
      const res = await call("/api/spaces/Spaces-1");
      assert.equal(res.json.Name, "Default");
      assert.equal(res.json.IsDefault, true);
      assert.equal(res.json.Links.Self, "/api/spaces/Spaces-1");
      assert.deepEqual((await call("/api/spaces/Spaces-9")).json, BODY_404);
    });

    it("filters by exact name, partial name (case-insensitive) and ids; /all is a bare sorted array", async () => {
      const blue = emu.createSpace("Team Blue");
      emu.createSpace("Team Bluegrass");
      emu.createSpace("Another");
      const names = async (q: string): Promise<string[]> => (await call(`/api/spaces${q}`)).json.Items.map((s: any) => s.Name);
      assert.deepEqual(await names("?name=Team%20Blue"), ["Team Blue"]);
      assert.deepEqual(await names("?partialName=BLUE"), ["Team Blue", "Team Bluegrass"]);
      assert.deepEqual(await names(`?ids=${blue.Id},Spaces-1`), ["Default", "Team Blue"]);
      assert.deepEqual(await names("?partialName=nothing"), []);
      const all = await call("/api/spaces/all");
      assert.deepEqual(
        all.json.map((s: any) => s.Name),
        ["Another", "Default", "Team Blue", "Team Bluegrass"],
      );
    });

    it("POST /api/spaces creates (201) with a slug; duplicate names are 400", async () => {
      const res = await call("/api/spaces", { method: "POST", body: { Name: "Team Red", SpaceManagersTeams: [], SpaceManagersTeamMembers: ["Users-1"] } });
      assert.equal(res.status, 201);
      assert.equal(res.json.Slug, "team-red");
      assert.equal(res.json.IsDefault, false);
      assert.equal((await call(res.json.Links.Self)).json.Name, "Team Red");
      assert.equal((await call(`/api/${res.json.Id}`, { key: null })).status, 200);
      assert.equal((await call("/api/spaces", { method: "POST", body: { Name: "team red" } })).status, 400);
    });
  });

  describe("paging", () => {
    it("emits Page.Next exactly while items remain; following it yields every item once", async () => {
      for (const name of ["e", "c", "a", "d", "b"]) await createAccount({ Name: name });
      const first = await call("/api/Spaces-1/accounts?take=2");
      assert.equal(first.json.ItemType, "Account");
      assert.equal(first.json.TotalResults, 5);
      assert.equal(first.json.ItemsPerPage, 2);
      assert.equal(first.json.NumberOfPages, 3);
      assert.equal(first.json.LastPageNumber, 2);
      assert.equal(first.json.Links["Page.Next"], "/api/Spaces-1/accounts?skip=2&take=2");
      assert.equal(first.json.Links["Page.Previous"], undefined);

      const names: string[] = [];
      let next: string | undefined = "/api/Spaces-1/accounts?take=2";
      let pages = 0;
      while (next !== undefined) {
        const page: Answer = await call(next);
        names.push(...page.json.Items.map((a: any) => a.Name));
        next = page.json.Links["Page.Next"];
        if (pages++ > 0) assert.ok(page.json.Links["Page.Previous"]);
      }
      assert.equal(pages, 3);
      assert.deepEqual(names, ["a", "b", "c", "d", "e"]);

      const exact = await call("/api/Spaces-1/accounts?take=5");
      assert.equal(exact.json.Links["Page.Next"], undefined, "no next page when everything fits");
    });

    it("defaults to skip=0, take=30 and keeps filters but never the api key in links", async () => {
      for (let i = 0; i < 32; i++) await createAccount({ Name: `acct-${String(i).padStart(2, "0")}` });
      const res = await call(`/api/Spaces-1/accounts?partialName=acct&apikey=${emu.admin.apiKey}`, { key: null });
      assert.equal(res.json.Items.length, 30);
      assert.equal(res.json.Links["Page.Next"], "/api/Spaces-1/accounts?partialName=acct&skip=30&take=30");
      assert.ok(!res.text.includes(emu.admin.apiKey!));
    });

    it("rejects a negative or non-numeric skip/take with 400", async () => {
      assert.equal((await call("/api/spaces?take=-1")).status, 400);
      assert.equal((await call("/api/spaces?skip=abc")).status, 400);
    });
  });

  describe("accounts", () => {
    it("creates an SshKeyPair account (201) and stores exactly what was sent", async () => {
      const key = fakeKey();
      const res = await call("/api/Spaces-1/accounts", {
        method: "POST",
        body: {
          AccountType: "SshKeyPair",
          Name: "  Prod SSH  ",
          Username: "ubuntu",
          Description: "deploys",
          EnvironmentIds: ["Environments-1"],
          TenantTags: ["Region/EU"],
          PrivateKeyFile: { HasValue: true, NewValue: key.base64 },
          PrivateKeyPassphrase: { HasValue: true, NewValue: "pass phrase" },
        },
      });
      assert.equal(res.status, 201);
      const a = res.json;
      assert.match(a.Id, /^Accounts-\d+$/);
      assert.equal(a.SpaceId, "Spaces-1");
      assert.equal(a.Name, "Prod SSH", "names are trimmed");
      assert.equal(a.Slug, "prod-ssh");
      assert.deepEqual(a.EnvironmentIds, ["Environments-1"]);
      assert.deepEqual(a.TenantIds, []);
      assert.equal(a.TenantedDeploymentParticipation, "Untenanted");
      assert.deepEqual(a.PrivateKeyFile, { HasValue: true, NewValue: null, Hint: null });
      assert.deepEqual(a.PrivateKeyPassphrase, { HasValue: true, NewValue: null, Hint: null });
      assert.equal(a.Links.Self, `/api/Spaces-1/accounts/${a.Id}`);
      assert.equal(a.LastModifiedBy, "admin");

      const stored = emu.state.accounts.get(a.Id)!;
      assert.equal(Buffer.from(stored.PrivateKeyFile!, "base64").toString("utf8"), key.text);
      assert.equal(stored.PrivateKeyPassphrase, "pass phrase");

      const again = await call(a.Links.Self);
      assert.deepEqual(again.json, a, "GET Links.Self returns what the POST returned");
    });

    it("the same account is reachable through the space, /api/spaces/{id} and legacy routes", async () => {
      const a = await createAccount();
      for (const path of [`/api/Spaces-1/accounts/${a.Id}`, `/api/spaces/Spaces-1/accounts/${a.Id}`, `/api/accounts/${a.Id}`]) {
        const res = await call(path);
        assert.equal(res.status, 200, path);
        assert.equal(res.json.Id, a.Id);
      }
      const legacy = await call("/api/accounts", { method: "POST", body: sshAccount({ Name: "legacy" }) });
      assert.equal(legacy.status, 201);
      assert.equal(legacy.json.SpaceId, "Spaces-1");
      assert.equal((await call("/api/spaces/Spaces-1/accounts/all")).json.length, 2);
    });

    it("scopes accounts to their space; unknown spaces and ids are 404 with the reference body", async () => {
      const space = emu.createSpace("Other");
      const elsewhere = await createAccount({ Name: "elsewhere" }, space.Id);
      assert.equal(elsewhere.SpaceId, space.Id);
      assert.equal(elsewhere.Links.Self, `/api/${space.Id}/accounts/${elsewhere.Id}`);
      for (const path of [`/api/Spaces-1/accounts/${elsewhere.Id}`, `/api/accounts/${elsewhere.Id}`, "/api/Spaces-1/accounts/Accounts-999", "/api/Spaces-42/accounts", "/api/spaces/Spaces-42/accounts"]) {
        const res = await call(path);
        assert.equal(res.status, 404, path);
        assert.deepEqual(res.json, BODY_404, path);
      }
      assert.equal((await call("/api/Spaces-42/accounts", { method: "POST", body: sshAccount() })).status, 404);
      const spaceOne = await call("/api/Spaces-1/accounts");
      assert.equal(spaceOne.json.TotalResults, 0);
    });

    it("lists with ids, partialName, name and accountType filters; /all is a bare array sorted by Name", async () => {
      const b = await createAccount({ Name: "Beta box" });
      const a = await createAccount({ Name: "alpha box" });
      const up = await call("/api/Spaces-1/accounts", { method: "POST", body: { AccountType: "UsernamePassword", Name: "Gamma", Username: "u", Password: { HasValue: true, NewValue: "pw" } } });
      assert.equal(up.status, 201);
      assert.deepEqual(up.json.Password, { HasValue: true, NewValue: null, Hint: null });
      const names = async (q: string): Promise<string[]> => (await call(`/api/Spaces-1/accounts${q}`)).json.Items.map((x: any) => x.Name);
      assert.deepEqual(await names(""), ["alpha box", "Beta box", "Gamma"]);
      assert.deepEqual(await names(`?ids=${b.Id},${a.Id}`), ["alpha box", "Beta box"]);
      assert.deepEqual(await names("?partialName=BOX"), ["alpha box", "Beta box"]);
      assert.deepEqual(await names("?name=beta%20box"), ["Beta box"]);
      assert.deepEqual(await names("?accountType=UsernamePassword"), ["Gamma"]);
      assert.deepEqual(await names("?accountType=SshKeyPair,UsernamePassword&partialName=a"), ["alpha box", "Beta box", "Gamma"]);
      const all = await call("/api/Spaces-1/accounts/all");
      assert.ok(Array.isArray(all.json));
      assert.deepEqual(
        all.json.map((x: any) => x.Name),
        ["alpha box", "Beta box", "Gamma"],
      );
    });

    it("validates: empty body, missing fields, unknown AccountType", async () => {
      for (const method of ["POST", "PUT"] as const) {
        const a = method === "PUT" ? await createAccount() : undefined;
        const path = a === undefined ? "/api/Spaces-1/accounts" : `/api/Spaces-1/accounts/${a.Id}`;
        const res = await call(path, { method, raw: "" });
        assert.equal(res.status, 400, method);
        assert.equal(res.json.ErrorMessage, "No request body was supplied.");
      }
      const missing = await call("/api/Spaces-1/accounts", { method: "POST", body: { AccountType: "SshKeyPair", Name: "   " } });
      assert.equal(missing.status, 400);
      assert.equal(missing.json.ErrorMessage, MSG_VALIDATION);
      assert.equal(missing.json.Errors.length, 3);
      assert.ok(missing.json.Errors.some((e: string) => /Name/.test(e)));
      assert.ok(missing.json.Errors.some((e: string) => /Username/.test(e)));
      assert.ok(missing.json.Errors.some((e: string) => /PrivateKeyFile/.test(e)));
      const emptyKey = await call("/api/Spaces-1/accounts", { method: "POST", body: sshAccount({ PrivateKeyFile: { HasValue: true, NewValue: "" } }) });
      assert.equal(emptyKey.status, 400);
      for (const AccountType of ["Nonsense", "AzureSubscription", undefined]) {
        const res = await call("/api/Spaces-1/accounts", { method: "POST", body: sshAccount({ AccountType }) });
        assert.equal(res.status, 400, String(AccountType));
        assert.equal(res.json.ErrorMessage, MSG_VALIDATION);
      }
      const garbage = await call("/api/Spaces-1/accounts", { method: "POST", raw: "{not json" });
      assert.equal(garbage.status, 400);
      assert.equal(emu.state.accounts.size, 1, "only the PUT fixture exists");
    });

    it("accepts any non-empty PrivateKeyFile string and JSON sent with another Content-Type", async () => {
      const res = await call("/api/Spaces-1/accounts", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: sshAccount({ PrivateKeyFile: { HasValue: true, NewValue: "C:\\keys\\id_rsa" } }),
      });
      assert.equal(res.status, 201);
      assert.equal(emu.state.accounts.get(res.json.Id)!.PrivateKeyFile, "C:\\keys\\id_rsa");
    });

    it("names are unique per space, case-insensitively by default", async () => {
      await createAccount({ Name: "Deploy" });
      const dup = await call("/api/Spaces-1/accounts", { method: "POST", body: sshAccount({ Name: "deploy " }) });
      assert.equal(dup.status, 400);
      assert.deepEqual(dup.json.Errors, ["The account name 'deploy' is already in use by another account."]);
      const other = emu.createSpace("Other");
      assert.equal((await call(`/api/${other.Id}/accounts`, { method: "POST", body: sshAccount({ Name: "Deploy" }) })).status, 201);
      // A rename onto a taken name is refused too.
      const second = await createAccount({ Name: "Second" });
      const rename = await call(second.Links.Self, { method: "PUT", body: { ...second, Name: "DEPLOY" } });
      assert.equal(rename.status, 400);

      await start({ accountNamesCaseInsensitive: false });
      await createAccount({ Name: "Deploy" });
      assert.equal((await call("/api/Spaces-1/accounts", { method: "POST", body: sshAccount({ Name: "deploy" }) })).status, 201);
      assert.equal((await call("/api/Spaces-1/accounts", { method: "POST", body: sshAccount({ Name: "Deploy" }) })).status, 400);
    });

    it("derives unique slugs, keeps a given one, and refuses a taken one", async () => {
      assert.equal((await createAccount({ Name: "Prod SSH" })).Slug, "prod-ssh");
      assert.equal((await createAccount({ Name: "prod ssh!" })).Slug, "prod-ssh-1");
      assert.equal((await createAccount({ Name: "x", Slug: "custom" })).Slug, "custom");
      assert.equal((await call("/api/Spaces-1/accounts", { method: "POST", body: sshAccount({ Slug: "custom" }) })).status, 400);
    });

    describe("PUT and the SensitiveValue rules", () => {
      let account: any;
      const original = fakeKey();
      beforeEach(async () => {
        account = await createAccount({
          Name: "target",
          PrivateKeyFile: { HasValue: true, NewValue: original.base64 },
          PrivateKeyPassphrase: { HasValue: true, NewValue: "old phrase" },
        });
      });
      const stored = (): { key: string | null; phrase: string | null } => {
        const a = emu.state.accounts.get(account.Id)!;
        return { key: a.PrivateKeyFile, phrase: a.PrivateKeyPassphrase };
      };
      const put = (over: Record<string, unknown>): Promise<Answer> => {
        const body: Record<string, unknown> = { ...account, ...over };
        for (const [k, v] of Object.entries(over)) if (v === undefined) delete body[k];
        return call(account.Links.Self, { method: "PUT", body });
      };

      const rotated = fakeKey();
      for (const [label, over, expected] of [
        ["a non-null NewValue sets", { PrivateKeyFile: { HasValue: true, NewValue: rotated.base64 } }, { key: rotated.base64, phrase: "old phrase" }],
        ["a missing field keeps", { PrivateKeyFile: undefined, PrivateKeyPassphrase: undefined }, { key: original.base64, phrase: "old phrase" }],
        ["a whole-field null keeps", { PrivateKeyFile: null, PrivateKeyPassphrase: null }, { key: original.base64, phrase: "old phrase" }],
        ["{HasValue: true} without NewValue keeps", { PrivateKeyFile: { HasValue: true }, PrivateKeyPassphrase: { HasValue: true, NewValue: null } }, { key: original.base64, phrase: "old phrase" }],
        ["{HasValue: false} clears", { PrivateKeyPassphrase: { HasValue: false } }, { key: original.base64, phrase: null }],
        ["the response shape echoed back keeps", {}, { key: original.base64, phrase: "old phrase" }],
      ] as const) {
        it(label, async () => {
          const res = await put(over);
          assert.equal(res.status, 200, res.text);
          assert.deepEqual(stored(), expected);
          assert.deepEqual(res.json.PrivateKeyPassphrase, { HasValue: expected.phrase !== null, NewValue: null, Hint: null });
        });
      }

      it("clearing the private key is refused (it is required)", async () => {
        const res = await put({ PrivateKeyFile: { HasValue: false } });
        assert.equal(res.status, 400);
        assert.equal(stored().key, original.base64);
      });

      it("updates the plain fields (full replacement) and answers 200", async () => {
        const res = await put({ Name: "renamed", Description: "new text", EnvironmentIds: undefined, TenantTags: ["Tier/Gold"], TenantedDeploymentParticipation: "TenantedOrUntenanted" });
        assert.equal(res.status, 200);
        assert.equal(res.json.Id, account.Id);
        assert.equal(res.json.Name, "renamed");
        assert.equal(res.json.Slug, account.Slug, "the slug is kept");
        assert.deepEqual(res.json.EnvironmentIds, []);
        assert.deepEqual((await call(account.Links.Self)).json, res.json);
        assert.equal((await put({ TenantedDeploymentParticipation: "Sometimes" })).status, 400);
        assert.equal((await put({ AccountType: "UsernamePassword" })).status, 400, "AccountType is writable on create only");
      });

      it("honours X-HTTP-Method-Override on POST for PUT and DELETE", async () => {
        const res = await call(account.Links.Self, { method: "POST", headers: { "X-HTTP-Method-Override": "PUT" }, body: { ...account, Name: "overridden" } });
        assert.equal(res.status, 200);
        assert.equal(emu.state.accounts.get(account.Id)!.Name, "overridden");
        const del = await call(account.Links.Self, { method: "POST", headers: { "X-HTTP-Method-Override": "DELETE" } });
        assert.equal(del.status, 200);
        assert.equal(emu.state.accounts.has(account.Id), false);
      });

      it("DELETE answers 200 with an empty body; the account is then 404", async () => {
        const res = await fetch(`${emu.url}${account.Links.Self}`, { method: "DELETE", headers: { "X-Octopus-ApiKey": emu.admin.apiKey! } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-length"), "0");
        assert.equal(await res.text(), "");
        const gone = await call(account.Links.Self);
        assert.equal(gone.status, 404);
        assert.deepEqual(gone.json, BODY_404);
        assert.equal((await call(account.Links.Self, { method: "DELETE" })).status, 404);
        assert.equal((await call(account.Links.Self, { method: "PUT", body: account })).status, 404);
      });
    });

    it("no response ever contains a stored private key or passphrase", async () => {
      const key = fakeKey();
      const phrase = `phrase-${randomBytes(8).toString("hex")}`;
      const a = await createAccount({ PrivateKeyFile: { HasValue: true, NewValue: key.base64 }, PrivateKeyPassphrase: { HasValue: true, NewValue: phrase } });
      await call(a.Links.Self);
      await call("/api/Spaces-1/accounts");
      await call("/api/Spaces-1/accounts/all");
      await call(`/api/accounts/${a.Id}`);
      await call(a.Links.Self, { method: "PUT", body: { ...a, Description: "x" } });
      const rotated = fakeKey();
      await call(a.Links.Self, { method: "PUT", body: { ...a, PrivateKeyFile: { HasValue: true, NewValue: rotated.base64 } } });
      await call(a.Links.Self, { method: "PUT", body: { ...a, Name: "" } }); // a validation error
      await call(a.Links.Self, { method: "DELETE" });
      assert.ok(seen.length >= 8);
      const body = seen.join("\n");
      for (const secret of [key.base64, key.text, rotated.base64, phrase]) assert.ok(!body.includes(secret), "a secret was echoed");
      // The request log, on the other hand, shows where each secret was sent: in the body only.
      const posts = emu.requests.filter((r) => r.method === "POST");
      assert.equal(posts.length, 1);
      assert.ok(JSON.stringify(posts[0]!.body).includes(key.base64));
      assert.ok(!JSON.stringify(posts[0]!.headers).includes(key.base64) && !JSON.stringify(posts[0]!.query).includes(key.base64));
    });

    it("the usages link answers", async () => {
      const a = await createAccount();
      const res = await call(a.Links.Usages);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json.Targets, []);
    });
  });

  describe("request log", () => {
    it("records each request once, with lower-case headers and the parsed body", async () => {
      emu.requests.clear();
      await createAccount({ Name: "logged" });
      assert.equal(emu.requests.length, 1);
      const r = emu.requests[0]!;
      assert.equal(r.method, "POST");
      assert.equal(r.path, "/api/Spaces-1/accounts");
      assert.equal(r.status, 201);
      assert.equal(r.headers["x-octopus-apikey"], emu.admin.apiKey);
      assert.equal((r.body as any).Name, "logged");
    });
  });

  describe("faults", () => {
    it("status: a 429 with Retry-After and an Octopus error body; the request is not processed", async () => {
      emu.faults.script({ method: "POST", path: "/api/Spaces-1/accounts", fault: { kind: "status", status: 429, retryAfter: 3 } });
      const res = await call("/api/Spaces-1/accounts", { method: "POST", body: sshAccount() });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get("retry-after"), "3");
      assert.equal(typeof res.json.ErrorMessage, "string");
      assert.deepEqual(res.json.Errors, []);
      assert.equal(emu.state.accounts.size, 0);
      assert.equal(emu.faults.injected.length, 1);
      assert.deepEqual(
        { ...emu.faults.injected[0], at: 0 },
        { kind: "status", method: "POST", path: "/api/Spaces-1/accounts", status: 429, at: 0 },
      );
    });

    it("reset: the client sees a socket error and nothing changed", async () => {
      emu.faults.script({ method: "POST", fault: { kind: "reset" } });
      await assert.rejects(fetch(`${emu.url}/api/Spaces-1/accounts`, { method: "POST", headers: { "X-Octopus-ApiKey": emu.admin.apiKey! }, body: JSON.stringify(sshAccount()) }));
      assert.equal(emu.state.accounts.size, 0);
      assert.equal(emu.requests.at(-1)!.fault, "reset");
    });

    it("drop-after: the client sees a socket error but the account was created", async () => {
      emu.faults.script({ method: "POST", path: /\/accounts$/, fault: { kind: "drop-after" } });
      const body = sshAccount({ Name: "dropped" });
      await assert.rejects(fetch(`${emu.url}/api/Spaces-1/accounts`, { method: "POST", headers: { "X-Octopus-ApiKey": emu.admin.apiKey! }, body: JSON.stringify(body) }));
      const created = [...emu.state.accounts.values()].filter((a) => a.Name === "dropped");
      assert.equal(created.length, 1);
      assert.equal(emu.requests.at(-1)!.status, 201);
      // A retry now finds the name taken: what a careless client would hit.
      assert.equal((await call("/api/Spaces-1/accounts", { method: "POST", body })).status, 400);
    });

    it("drop-after on a key DELETE: the key is revoked although the client saw an error", async () => {
      const created = (await call("/api/users/Users-1/apikeys", { method: "POST", body: { Purpose: "doomed" } })).json;
      emu.faults.script({ method: "DELETE", fault: { kind: "drop-after" } });
      await assert.rejects(fetch(`${emu.url}${created.Links.Self}`, { method: "DELETE", headers: { "X-Octopus-ApiKey": emu.admin.apiKey! } }));
      assert.equal((await call("/api/users/me", { key: created.ApiKey })).status, 401);
    });

    it("stall: slow, then answered normally", async () => {
      emu.faults.script({ path: "/api/users/me", fault: { kind: "stall", ms: 120 } });
      const started = Date.now();
      const res = await call("/api/users/me");
      assert.equal(res.status, 200);
      assert.ok(Date.now() - started >= 110);
    });

    it("setRate: the same seed gives the same faults on a fresh emulator", async () => {
      const run = async (): Promise<number[]> => {
        emu.faults.setRate({ rate: 0.3, faults: [{ kind: "status", status: 503 }], method: "GET", seed: 7 });
        const out: number[] = [];
        for (let i = 0; i < 30; i++) out.push((await call("/api/users/me")).status);
        return out;
      };
      const first = await run();
      assert.ok(first.includes(503) && first.includes(200));
      assert.ok((await call("/api/users/Users-1/apikeys", { method: "POST", body: { Purpose: "p" } })).status === 200, "POST is not matched");
      await start();
      assert.deepEqual(await run(), first);
    });
  });
});
