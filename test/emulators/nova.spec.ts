import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { startNovaEmulator, type NovaEmulator, type NovaEmulatorOptions } from "../../src/emulators/nova";
import { generateKeyPair, inspectPublicKey } from "../../src/ssh/keys";

const KS_401 = { error: { code: 401, title: "Unauthorized", message: "The request you have made requires authentication." } };
const T0 = Date.parse("2026-01-01T10:00:00.000Z");

// Fixed test keys (public halves only).
const ECDSA_384 =
  "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBKT3dJKvaxXyPxhhsCKt5tsEuZ7smKNysTzT3pr6a8xLaso+6T6N5C3Ckq3q77KS1mH495IuKIx24PSnjThoF7FOyzgY0BdjmTb4rSoxSDvSVkTLkXv3UKDlDYVQrRAr1A== ec@test";
/** `ssh-keygen -l -E md5` of ECDSA_384. */
const ECDSA_384_MD5 = "9d:d8:be:30:81:61:8e:5a:be:c4:f8:15:41:22:da:f5";
const DSA =
  "ssh-dss AAAAB3NzaC1kc3MAAACBANzo1ba6P6kjg6VGXHZxKnt/kXHiMT96W82M9yVsqf1qEseZV2rPAXuqJLAeLnnxLMBmP7RnOnNn5x7PdLJy/I8R4MqbL9qj3U00gmIomo7wNwKTti0gV6B9CgoUCvbL3s506WEzEFf2SOm4wVGab6WgYNHpeAGIrVoohj5YVbyHAAAAFQCvS1OSbzN87/M96Bubvlr0VLNdYQAAAIBjhGUxfZ7tyqYBbUDHj3LOx0k7oI+daRHZ2d96/Xi2kH6oYm7Qsz6aaAbkIzm+plcTQCqlQ0unXWYjOeX6oMlnPdDbQmOxboRMwGEk1XKmYvsDfcmG9YYCoOTfwgMWjtoHRWx54fD+tVBL0rfCRN5Cggg0i9KjnxM7PP0axtSeaAAAAIEAhcWcCllN+VgmB534XgQa/cPuVvXa8v0BeMiyrZHhb08sF0a4EuULDJR/3YaGyjD0Ya23JlUQQ597ZZRpoxsF1rfcxtpS9ZcsSuWkhBfGfDMhXJyvtjLl8wFY3NGB2Dax27U5IJiZ6Qy5hUjU3l7PY2ziQ3lnX+v0VsgTbQgdo7c= root@vm";
const CERT = `-----BEGIN CERTIFICATE-----
MIIDCzCCAfOgAwIBAgIUTgrgPr9V9PRjfVQBkbybH6nefuMwDQYJKoZIhvcNAQEL
BQAwFDESMBAGA1UEAwwJZmFrZS11c2VyMCAXDTI2MTEyMjA1MzgwOFoYDzIxMjYx
MDI5MDUzODA4WjAUMRIwEAYDVQQDDAlmYWtlLXVzZXIwggEiMA0GCSqGSIb3DQEB
AQUAA4IBDwAwggEKAoIBAQCzF7s7y+z2kUFnIVC+PNv+MbzY2Z1t2m2HxAfk99Sn
sR6WSb5uR/uWMrTrKlNTrWgqa9SAIxKQQy/ehKgf8b+1otTJsh915zfUgUHEc0wh
pQOQzVc2H6INiRHrTDNXWtj4rCaLIqTPkq+6ivkYGCUpzvJb8tUXo0vLNJ42mUYf
zgQdeSIVuS3seblFeg2wp/gaWi4tjou22YA1UnbRNpjuYce2y+uhAX4R/Ixd0bqB
TebXgPk7wxa62EwNh8RTUjbzDTTRefUpIR+9lxb2IyonHeAzv6+z7XMUmpLDUjhu
mxlS3GSTwoKvmhmG5DZ4/jPZ4pDXZ4tdKCaY++VhridnAgMBAAGjUzBRMB0GA1Ud
DgQWBBRjdND6miui1heDz7e23l8waxia5TAfBgNVHSMEGDAWgBRjdND6miui1heD
z7e23l8waxia5TAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQBe
0tByjjf9KUjNx0uj+nNTlap3/ZhuVpL887UEl6XfXT/3DaMhCC1lPly9lDptCcTj
dqiXrhBrT75jcilywijsa5zEAHQ8x1sVE5ivGgblKKM/4H2BzULCE5myU48z+n7t
B1FtthhTXmsHbR27xrlUyrAu+jR2/q8psNvdOk8lzUgYiKr7jg8XHtPNYk+o7QMZ
itZ+hC7440G7UcUT2T1xppzQLQkZxiZaOplr9MRztXjJHVrlek/al5zv3Q0Si90q
xW3wKzsgnmifOYnwUjPhW/vh8fWW5R1tSEDXoHNSgVTcd0xsISbndhQD8Y4w51tP
Zfla3pDL7RSfpm2+v9S+
-----END CERTIFICATE-----
`;
/** `openssl x509 -fingerprint -sha1` of CERT, lowercased. */
const CERT_SHA1 = "d1:55:1b:61:6a:03:5c:45:2a:a7:90:82:02:9e:02:25:1b:98:e0:64";

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

interface NovaCall {
  method?: string;
  /** X-Auth-Token; `null` sends none. Defaults to a token of the seeded user. */
  token?: string | null;
  /** Sent as both microversion headers; `undefined` sends neither. */
  version?: string;
  headers?: Record<string, string>;
  body?: unknown;
  contentType?: string;
  /** Base URL to append the path to. @default emu.computeUrl */
  base?: string;
}

async function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown; contentType?: string }): Promise<Answer> {
  const headers: Record<string, string> = { Accept: "application/json", ...(init.headers ?? {}) };
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    headers["Content-Type"] = init.contentType ?? "application/json";
  }
  const res = await fetch(url, { method: init.method ?? "GET", headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    assert.fail(`${init.method ?? "GET"} ${url} answered non-JSON: ${text}`);
  }
  return { status: res.status, headers: res.headers, text, json };
}

describe("emulators/nova", () => {
  let emu: NovaEmulator;
  let clock: number;
  let userToken: string;

  async function start(options: NovaEmulatorOptions = {}): Promise<NovaEmulator> {
    await emu?.close();
    clock = T0;
    emu = await startNovaEmulator({ now: () => clock, ...options });
    userToken = emu.issueToken(emu.credentials.userId);
    return emu;
  }

  const auth = (body: unknown, query = ""): Promise<Answer> => send(`${emu.authUrl}/auth/tokens${query}`, { method: "POST", body });

  const passwordBody = (overrides: { user?: unknown; scope?: unknown } = {}): unknown => ({
    auth: {
      identity: {
        methods: ["password"],
        password: { user: overrides.user ?? { name: emu.credentials.username, domain: { name: "Default" }, password: emu.credentials.password } },
      },
      ...(overrides.scope === null ? {} : { scope: overrides.scope ?? { project: { name: emu.credentials.projectName, domain: { id: "default" } } } }),
    },
  });

  function nova(path: string, c: NovaCall = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...(c.headers ?? {}) };
    const token = c.token === undefined ? userToken : c.token;
    if (token !== null) headers["X-Auth-Token"] = token;
    if (c.version !== undefined) {
      headers["X-OpenStack-Nova-API-Version"] = c.version;
      headers["OpenStack-API-Version"] = `compute ${c.version}`;
    }
    return send(`${c.base ?? emu.computeUrl}${path}`, {
      method: c.method ?? "GET",
      headers,
      body: c.body,
      ...(c.contentType === undefined ? {} : { contentType: c.contentType }),
    });
  }

  const create = (keypair: Record<string, unknown>, c: NovaCall = {}): Promise<Answer> => nova("/os-keypairs", { method: "POST", body: { keypair }, ...c });

  const fault = (res: Answer, status: number, name: string, message?: string | RegExp): void => {
    assert.equal(res.status, status, res.text);
    assert.deepEqual(Object.keys(res.json), [name], res.text);
    assert.equal(res.json[name].code, status);
    if (typeof message === "string") assert.equal(res.json[name].message, message);
    else if (message !== undefined) assert.match(res.json[name].message, message);
  };

  beforeEach(() => start());
  afterEach(() => emu.close());

  describe("Keystone", () => {
    it("issues a project-scoped token for a password, user and project by name and domain", async () => {
      const res = await auth(passwordBody());
      assert.equal(res.status, 201, res.text);
      const token = res.headers.get("x-subject-token");
      assert.ok(token && token.length === 183, "X-Subject-Token");
      assert.equal(res.headers.get("vary"), "X-Auth-Token");
      assert.match(res.headers.get("x-openstack-request-id") ?? "", /^req-/);
      const t = res.json.token;
      assert.deepEqual(t.methods, ["password"]);
      assert.equal(t.issued_at, "2026-01-01T10:00:00.000000Z");
      assert.equal(t.expires_at, "2026-01-01T11:00:00.000000Z");
      assert.deepEqual(t.user, { id: emu.credentials.userId, name: "demo", domain: { id: "default", name: "Default" }, password_expires_at: null });
      assert.deepEqual(t.project, { id: emu.credentials.projectId, name: "demo", domain: { id: "default", name: "Default" } });
      assert.equal(t.is_domain, false);
      assert.deepEqual(t.roles.map((r: { name: string }) => r.name).sort(), ["member", "reader"]);
      assert.equal(t.audit_ids.length, 1);
      assert.equal(emu.state.tokens.get(token)?.userId, emu.credentials.userId);
    });

    it("has a catalog whose compute endpoints (public, internal, admin) point at this server", async () => {
      const res = await auth(passwordBody());
      const compute = res.json.token.catalog.find((s: { type: string }) => s.type === "compute");
      assert.equal(compute.name, "nova");
      assert.deepEqual(
        compute.endpoints.map((e: Record<string, string>) => [e["interface"], e["region"], e["region_id"], e["url"]]),
        ["public", "internal", "admin"].map((i) => [i, "RegionOne", "RegionOne", `${emu.url}/compute/v2.1`]),
      );
      assert.equal(emu.computeUrl, `${emu.url}/compute/v2.1`);
      assert.ok(res.json.token.catalog.some((s: { type: string }) => s.type === "identity"));
      // The endpoint works with the token.
      const list = await nova("/os-keypairs", { token: res.headers.get("x-subject-token") });
      assert.equal(list.status, 200);
      // ?nocatalog leaves the catalog out.
      const bare = await auth(passwordBody(), "?nocatalog");
      assert.equal(bare.status, 201);
      assert.equal(bare.json.token.catalog, undefined);
      assert.ok(bare.json.token.project);
    });

    it("serves several regions, each with its own key pairs and URL", async () => {
      await start({ regions: ["RegionOne", "RegionTwo"] });
      const res = await auth(passwordBody());
      const endpoints = res.json.token.catalog.find((s: { type: string }) => s.type === "compute").endpoints;
      assert.equal(endpoints.length, 6);
      const two = endpoints.find((e: Record<string, string>) => e["region"] === "RegionTwo" && e["interface"] === "public").url;
      assert.equal(two, `${emu.url}/compute/RegionTwo/v2.1`);
      assert.equal(emu.computeUrlFor(undefined, "RegionTwo"), two);
      assert.equal((await create({ name: "k", public_key: ECDSA_384 }, { version: "2.2" })).status, 201);
      assert.equal((await nova("/os-keypairs/k", { base: two })).status, 404);
      assert.equal((await create({ name: "k", public_key: ECDSA_384 }, { version: "2.2", base: two })).status, 201);
      assert.deepEqual([...emu.state.keypairs.values()].map((k) => k.region).sort(), ["RegionOne", "RegionTwo"]);
    });

    it("takes the user and the project by id", async () => {
      const res = await auth(passwordBody({ user: { id: emu.credentials.userId, password: emu.credentials.password }, scope: { project: { id: emu.credentials.projectId } } }));
      assert.equal(res.status, 201, res.text);
      assert.equal(res.json.token.project.id, emu.credentials.projectId);
    });

    it("answers 400 in Keystone's shape for a name without its domain and for malformed bodies", async () => {
      const noUserDomain = await auth(passwordBody({ user: { name: "demo", password: emu.credentials.password } }));
      assert.equal(noUserDomain.status, 400);
      assert.equal(noUserDomain.json.error.code, 400);
      assert.equal(noUserDomain.json.error.title, "Bad Request");
      assert.match(noUserDomain.json.error.message, /^Expecting to find domain in user\. The server could not comply/);
      const noProjectDomain = await auth(passwordBody({ scope: { project: { name: "demo" } } }));
      assert.equal(noProjectDomain.status, 400);
      assert.match(noProjectDomain.json.error.message, /^Expecting to find domain in project/);
      const noMethods = await auth({ auth: { identity: { password: {} } } });
      assert.equal(noMethods.status, 400);
      assert.match(noMethods.json.error.message, /'methods' is a required property/);
      const notJson = await send(`${emu.authUrl}/auth/tokens`, { method: "POST", body: "{nope" });
      assert.equal(notJson.status, 400);
    });

    it("answers 401 with the generic message and WWW-Authenticate for every credential failure", async () => {
      const other = emu.createProject("other");
      const disabled = emu.createUser({ name: "gone", projects: ["demo"], enabled: false });
      const bodies = [
        passwordBody({ user: { name: "demo", domain: { name: "Default" }, password: "wrong" } }),
        passwordBody({ user: { name: "nobody", domain: { name: "Default" }, password: "x" } }),
        passwordBody({ user: { name: "demo", domain: { name: "Nope" }, password: emu.credentials.password } }),
        passwordBody({ scope: { project: { id: other.id } } }), // no role there
        passwordBody({ scope: { project: { id: "0123456789abcdef0123456789abcdef" } } }),
        passwordBody({ user: { id: disabled.id, password: disabled.password } }),
        passwordBody({ scope: { domain: { id: "default" } } }),
      ];
      for (const body of bodies) {
        const res = await auth(body);
        assert.equal(res.status, 401, JSON.stringify(body));
        assert.deepEqual(res.json, KS_401);
        assert.equal(res.headers.get("www-authenticate"), `Keystone uri="${emu.url}/identity"`);
      }
      await start({ insecureDebug: true });
      const debug = await auth(passwordBody({ user: { name: "demo", domain: { name: "Default" }, password: "wrong" } }));
      assert.equal(debug.status, 401);
      assert.equal(debug.json.error.message, "Invalid username or password");
    });

    it("authenticates with an application credential by id, or by name and user", async () => {
      const c = emu.credentials;
      const byId = await auth({ auth: { identity: { methods: ["application_credential"], application_credential: { id: c.applicationCredentialId, secret: c.applicationCredentialSecret } } } });
      assert.equal(byId.status, 201, byId.text);
      assert.deepEqual(byId.json.token.methods, ["application_credential"]);
      assert.deepEqual(byId.json.token.application_credential, { id: c.applicationCredentialId, name: "emulator", restricted: true });
      assert.equal(byId.json.token.project.id, c.projectId);
      assert.ok(byId.json.token.catalog);
      for (const user of [{ name: c.username, domain: { name: "Default" } }, { id: c.userId }]) {
        const byName = await auth({
          auth: { identity: { methods: ["application_credential"], application_credential: { name: c.applicationCredentialName, secret: c.applicationCredentialSecret, user } } },
        });
        assert.equal(byName.status, 201, byName.text);
        assert.equal(byName.json.token.user.id, c.userId);
      }
    });

    it("refuses application credentials with a scope, a bad secret, an expiry passed, or no user", async () => {
      const c = emu.credentials;
      const identity = (ac: unknown) => ({ methods: ["application_credential"], application_credential: ac });
      const withScope = await auth({ auth: { identity: identity({ id: c.applicationCredentialId, secret: c.applicationCredentialSecret }), scope: { project: { id: c.projectId } } } });
      assert.equal(withScope.status, 401);
      assert.deepEqual(withScope.json, KS_401);
      const badSecret = await auth({ auth: { identity: identity({ id: c.applicationCredentialId, secret: "nope" }) } });
      assert.equal(badSecret.status, 401);
      const unknown = await auth({ auth: { identity: identity({ id: "f".repeat(32), secret: "nope" }) } });
      assert.equal(unknown.status, 401);
      const noUser = await auth({ auth: { identity: identity({ name: c.applicationCredentialName, secret: c.applicationCredentialSecret }) } });
      assert.equal(noUser.status, 400);
      const noDomain = await auth({ auth: { identity: identity({ name: c.applicationCredentialName, secret: c.applicationCredentialSecret, user: { name: c.username } }) } });
      assert.equal(noDomain.status, 400);
      const expiring = emu.createApplicationCredential({ user: "demo", name: "short", expiresAt: T0 + 1000 });
      assert.equal((await auth({ auth: { identity: identity({ id: expiring.id, secret: expiring.secret }) } })).status, 201);
      clock += 1000;
      assert.equal((await auth({ auth: { identity: identity({ id: expiring.id, secret: expiring.secret }) } })).status, 401);
    });

    it("gives an unscoped token without a catalog when there is no scope and no usable default project", async () => {
      const loner = emu.createUser({ name: "loner" });
      const res = await auth(passwordBody({ user: { id: loner.id, password: loner.password }, scope: null }));
      assert.equal(res.status, 201);
      assert.equal(res.json.token.project, undefined);
      assert.equal(res.json.token.catalog, undefined);
      // Nova wants a project: an unscoped token is refused.
      assert.equal((await nova("/os-keypairs", { token: res.headers.get("x-subject-token") })).status, 401);
      // With a default project, no scope means that project.
      const scoped = await auth(passwordBody({ scope: null }));
      assert.equal(scoped.json.token.project.id, emu.credentials.projectId);
    });

    it("rescopes with the token method, keeping the original expiry", async () => {
      const first = await auth(passwordBody());
      clock += 600_000;
      const res = await auth({ auth: { identity: { methods: ["token"], token: { id: first.headers.get("x-subject-token") } }, scope: { project: { id: emu.credentials.projectId } } } });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.json.token.expires_at, first.json.token.expires_at);
    });

    it("validates (GET, HEAD) and revokes (DELETE) tokens", async () => {
      const issued = await auth(passwordBody());
      const subject = issued.headers.get("x-subject-token")!;
      const headers = { "X-Auth-Token": userToken, "X-Subject-Token": subject };
      const got = await send(`${emu.authUrl}/auth/tokens`, { headers });
      assert.equal(got.status, 200);
      assert.equal(got.headers.get("x-subject-token"), subject);
      assert.deepEqual(got.json.token.user, issued.json.token.user);
      assert.equal(got.json.token.expires_at, issued.json.token.expires_at);
      assert.equal((await fetch(`${emu.authUrl}/auth/tokens`, { method: "HEAD", headers })).status, 200);
      const unknown = await send(`${emu.authUrl}/auth/tokens`, { headers: { "X-Auth-Token": userToken, "X-Subject-Token": "nope" } });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json.error.message, "Could not find token: nope.");
      const noCaller = await send(`${emu.authUrl}/auth/tokens`, { headers: { "X-Subject-Token": subject } });
      assert.equal(noCaller.status, 401);
      assert.equal((await send(`${emu.authUrl}/auth/tokens`, { method: "DELETE", headers })).status, 204);
      assert.equal((await nova("/os-keypairs", { token: subject })).status, 401);
    });

    it("serves its version documents", async () => {
      const v3 = await send(emu.authUrl, {});
      assert.equal(v3.status, 200);
      assert.equal(v3.json.version.status, "stable");
      assert.match(v3.json.version.id, /^v3\./);
      const root = await send(`${emu.url}/identity`, {});
      assert.equal(root.status, 300);
      assert.equal(root.json.versions.values[0].links[0].href, `${emu.authUrl}/`);
    });

    it("seeds users, projects and credentials, and makes more on demand", async () => {
      const c = emu.credentials;
      assert.equal(c.authUrl, emu.authUrl);
      assert.equal(c.username, "demo");
      assert.equal(c.userDomainName, "Default");
      assert.equal(c.projectName, "demo");
      assert.equal(c.projectDomainName, "Default");
      assert.equal(c.regionName, "RegionOne");
      assert.match(c.projectId, /^[0-9a-f]{32}$/);
      assert.equal(emu.admin.username, "admin");
      assert.equal(emu.admin.projectName, "admin");
      const env = emu.environment();
      assert.equal(env["OS_AUTH_URL"], emu.authUrl);
      assert.equal(env["OS_PASSWORD"], c.password);
      assert.equal(emu.environment({ auth: "application-credential" })["OS_APPLICATION_CREDENTIAL_SECRET"], c.applicationCredentialSecret);
      const domain = emu.createDomain("Other");
      const project = emu.createProject("ci", { domain: "Other" });
      const user = emu.createUser({ name: "bot", domain: domain.id, projects: [project.id], password: "pw" });
      const res = await auth(passwordBody({ user: { name: "bot", domain: { name: "Other" }, password: "pw" }, scope: { project: { name: "ci", domain: { name: "Other" } } } }));
      assert.equal(res.status, 201, res.text);
      assert.equal(res.json.token.user.id, user.id);
      const cred = emu.createApplicationCredential({ user: user.id, name: "ci-bot" });
      assert.equal(cred.projectId, project.id);
      await start({ username: "alice", password: "s3cr3t", projectName: "team" });
      assert.equal(emu.credentials.password, "s3cr3t");
      assert.equal((await auth(passwordBody())).status, 201);
    });
  });

  describe("tokens on Nova", () => {
    it("answers 401 in Keystone's shape without a token, or with an unknown one", async () => {
      for (const token of [null, "not-a-token"]) {
        const res = await nova("/os-keypairs", { token, version: "2.2" });
        assert.equal(res.status, 401);
        assert.deepEqual(res.json, KS_401);
        assert.equal(res.headers.get("www-authenticate"), `Keystone uri="${emu.url}/identity"`);
        assert.equal(res.headers.get("openstack-api-version"), null);
      }
    });

    it("expires tokens after tokenTtlSeconds on the injected clock", async () => {
      await start({ tokenTtlSeconds: 600 });
      const res = await auth(passwordBody());
      assert.equal(res.json.token.expires_at, "2026-01-01T10:10:00.000000Z");
      const token = res.headers.get("x-subject-token")!;
      clock += 599_999;
      assert.equal((await nova("/os-keypairs", { token })).status, 200);
      clock += 1;
      const late = await nova("/os-keypairs", { token });
      assert.equal(late.status, 401);
      assert.deepEqual(late.json, KS_401);
    });

    it("expires every token at once with expireTokens()", async () => {
      const token = (await auth(passwordBody())).headers.get("x-subject-token")!;
      assert.equal((await nova("/os-keypairs", { token })).status, 200);
      assert.ok(emu.expireTokens() >= 2);
      assert.equal((await nova("/os-keypairs", { token })).status, 401);
      assert.equal((await nova("/os-keypairs")).status, 401);
      // A new token works again.
      assert.equal((await nova("/os-keypairs", { token: (await auth(passwordBody())).headers.get("x-subject-token") })).status, 200);
    });
  });

  describe("Nova versions and microversions", () => {
    it("serves the version documents without a token", async () => {
      const root = await send(`${emu.url}/compute/`, {});
      assert.equal(root.status, 200);
      const v21 = root.json.versions.find((v: { id: string }) => v.id === "v2.1");
      assert.equal(v21.version, "2.96");
      assert.equal(v21.min_version, "2.1");
      assert.equal(v21.status, "CURRENT");
      for (const path of ["/compute/v2.1", "/compute/v2.1/"]) {
        const doc = await send(`${emu.url}${path}`, {});
        assert.equal(doc.status, 200);
        assert.equal(doc.json.version.version, "2.96");
        assert.equal(doc.json.version.min_version, "2.1");
        assert.equal(doc.json.version.links[0].href, `${emu.url}/compute/v2.1/`);
      }
      await start({ maxMicroversion: "2.90" });
      assert.equal((await send(`${emu.computeUrl}/`, {})).json.version.version, "2.90");
    });

    it("defaults to 2.1: create 200, delete 202, no type, and echoes the version", async () => {
      const made = await create({ name: "old", public_key: ECDSA_384 });
      assert.equal(made.status, 200, made.text);
      assert.equal(made.json.keypair.type, undefined);
      assert.equal(made.headers.get("openstack-api-version"), "compute 2.1");
      assert.equal(made.headers.get("x-openstack-nova-api-version"), "2.1");
      assert.equal(made.headers.get("vary"), "OpenStack-API-Version, X-OpenStack-Nova-API-Version");
      assert.equal(made.headers.get("content-type"), "application/json; charset=UTF-8");
      const gone = await nova("/os-keypairs/old", { method: "DELETE" });
      assert.equal(gone.status, 202);
      assert.equal(gone.text, "");
    });

    it("from 2.2: create 201 with type, delete 204", async () => {
      const made = await create({ name: "new", public_key: ECDSA_384 }, { version: "2.2" });
      assert.equal(made.status, 201);
      assert.equal(made.json.keypair.type, "ssh");
      assert.equal(made.headers.get("openstack-api-version"), "compute 2.2");
      assert.equal((await nova("/os-keypairs/new", { method: "DELETE", version: "2.2" })).status, 204);
    });

    it("honours either header, prefers OpenStack-API-Version, and takes 'latest'", async () => {
      const legacyOnly = await nova("/os-keypairs", { headers: { "X-OpenStack-Nova-API-Version": "2.10" } });
      assert.equal(legacyOnly.headers.get("x-openstack-nova-api-version"), "2.10");
      const modernOnly = await nova("/os-keypairs", { headers: { "OpenStack-API-Version": "compute 2.35" } });
      assert.equal(modernOnly.headers.get("openstack-api-version"), "compute 2.35");
      const both = await nova("/os-keypairs", { headers: { "OpenStack-API-Version": "identity 3.1, compute 2.20", "X-OpenStack-Nova-API-Version": "2.3" } });
      assert.equal(both.headers.get("openstack-api-version"), "compute 2.20");
      const latest = await nova("/os-keypairs", { version: "latest" });
      assert.equal(latest.headers.get("openstack-api-version"), "compute 2.96");
    });

    it("answers 406 outside the range and 400 for a malformed version", async () => {
      fault(await nova("/os-keypairs", { version: "2.200" }), 406, "computeFault", "Version 2.200 is not supported by the API. Minimum is 2.1 and maximum is 2.96.");
      fault(await nova("/os-keypairs", { version: "2.0" }), 406, "computeFault", /^Version 2\.0 is not supported/);
      const bad = await nova("/os-keypairs", { version: "2.x" });
      fault(bad, 400, "badRequest", "API Version String 2.x is of invalid format. Must be of format MajorNum.MinorNum.");
      assert.equal(bad.headers.get("vary"), "OpenStack-API-Version, X-OpenStack-Nova-API-Version");
      await start({ maxMicroversion: "2.90" });
      fault(await nova("/os-keypairs", { version: "2.92" }), 406, "computeFault", "Version 2.92 is not supported by the API. Minimum is 2.1 and maximum is 2.90.");
    });
  });

  describe("generation and import", () => {
    it("generates a key pair below 2.92 and returns the private key once", async () => {
      const made = await create({ name: "gen" }, { version: "2.10" });
      assert.equal(made.status, 201, made.text);
      const kp = made.json.keypair;
      assert.match(kp.private_key, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+-----END RSA PRIVATE KEY-----\n$/);
      assert.match(kp.public_key, /^ssh-rsa AAAA\S+ Generated-by-Nova$/);
      assert.equal(kp.fingerprint, inspectPublicKey(kp.public_key).md5Fingerprint);
      assert.equal(kp.user_id, emu.credentials.userId);
      assert.equal(kp.type, "ssh");
      const record = [...emu.state.keypairs.values()].find((k) => k.name === "gen")!;
      assert.equal(record.generated, true);
      assert.equal(record.publicKey, kp.public_key);
      assert.ok(!JSON.stringify(record).includes("PRIVATE KEY"), "the private key is not kept");
      const shown = await nova("/os-keypairs/gen", { version: "2.10" });
      assert.equal(shown.json.keypair.private_key, undefined);
      const listed = await nova("/os-keypairs", { version: "2.10" });
      assert.ok(!listed.text.includes("PRIVATE KEY"));
    });

    it("requires public_key from 2.92 (generation removed)", async () => {
      const res = await create({ name: "gen" }, { version: "2.92" });
      fault(res, 400, "badRequest", "Invalid input for field/attribute keypair. Value: {'name': 'gen'}. 'public_key' is a required property");
      assert.equal(emu.state.keypairs.size, 0);
      assert.equal((await create({ name: "gen" }, { version: "2.91" })).status, 201);
    });

    it("generates at every microversion on a pre-2.92 cloud (maxMicroversion 2.90)", async () => {
      await start({ maxMicroversion: "2.90" });
      const res = await create({ name: "gen" }, { version: "latest" });
      assert.equal(res.status, 201);
      assert.ok(res.json.keypair.private_key);
      assert.equal(res.headers.get("openstack-api-version"), "compute 2.90");
    });

    it("imports keys verbatim with Nova's MD5 fingerprint", async () => {
      const ed = generateKeyPair({ comment: "me@host" });
      const keys = [
        [`${ed.publicKey}\n`, ed.md5Fingerprint],
        [ECDSA_384, ECDSA_384_MD5],
        [`${ECDSA_384} extra words\r\n`, ECDSA_384_MD5],
        [`${ECDSA_384}\n${ed.publicKey}\n`, ECDSA_384_MD5],
      ] as const;
      for (const [i, [publicKey, md5]] of keys.entries()) {
        const res = await create({ name: `k${i}`, public_key: publicKey }, { version: "2.92" });
        assert.equal(res.status, 201, res.text);
        assert.equal(res.json.keypair.public_key, publicKey);
        assert.equal(res.json.keypair.fingerprint, md5);
        assert.equal(res.json.keypair.private_key, undefined);
        const record = [...emu.state.keypairs.values()].find((k) => k.name === `k${i}`)!;
        assert.equal(record.publicKey, publicKey);
        assert.equal(record.fingerprint, md5);
        assert.equal(record.generated, false);
        assert.equal(record.type, "ssh");
        assert.equal(record.userId, emu.credentials.userId);
        assert.match(record.created_at, /^2026-01-01T10:00:00\.\d{6}$/);
      }
      // The MD5 is of the decoded key blob, like ssh-keygen -E md5.
      const blob = Buffer.from(ECDSA_384.split(" ")[1]!, "base64");
      assert.equal(createHash("md5").update(blob).digest("hex").match(/../g)!.join(":"), ECDSA_384_MD5);
    });

    it("reproduces the double-space quirk and refuses tabs, leading spaces, PEM and junk", async () => {
      const doubled = ECDSA_384.replace(" ", "  ");
      const quirk = await create({ name: "dbl", public_key: doubled }, { version: "2.2" });
      assert.equal(quirk.status, 201, quirk.text);
      assert.equal(quirk.json.keypair.fingerprint, "d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e");
      for (const bad of [ECDSA_384.replace(" ", "\t"), ` ${ECDSA_384}`, "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----", "ssh-rsa AAAAnotakey", ""]) {
        fault(await create({ name: "bad", public_key: bad }, { version: "2.2" }), 400, "badRequest", "Keypair data is invalid: failed to generate fingerprint");
      }
    });

    it("accepts only the configured key types", async () => {
      fault(await create({ name: "dsa", public_key: DSA }, { version: "2.2" }), 400, "badRequest", "Keypair data is invalid: failed to generate fingerprint");
      const ed = generateKeyPair();
      await start({ acceptedKeyTypes: ["ssh-rsa", "ecdsa-sha2-nistp384", "ssh-dss"] });
      const dsa = await create({ name: "dsa", public_key: DSA }, { version: "2.2" });
      assert.equal(dsa.status, 201, dsa.text);
      assert.equal(dsa.json.keypair.fingerprint, createHash("md5").update(Buffer.from(DSA.split(" ")[1]!, "base64")).digest("hex").match(/../g)!.join(":"));
      // An old cloud: ed25519 refused.
      fault(await create({ name: "ed", public_key: ed.publicKey }, { version: "2.2" }), 400, "badRequest", "Keypair data is invalid: failed to generate fingerprint");
    });

    it("imports x509 certificates (2.2+) with a SHA-1 fingerprint", async () => {
      const res = await create({ name: "cert", public_key: CERT, type: "x509" }, { version: "2.2" });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.json.keypair.type, "x509");
      assert.equal(res.json.keypair.fingerprint, CERT_SHA1);
      fault(await create({ name: "c2", public_key: "not a cert", type: "x509" }, { version: "2.2" }), 400, "badRequest", /^Keypair data is invalid: failed to generate X509 fingerprint/);
      fault(await create({ name: "c3", type: "rsa" }, { version: "2.2" }), 400, "badRequest", "Invalid input for field/attribute type. Value: rsa. 'rsa' is not one of ['ssh', 'x509']");
      fault(await create({ name: "c4", public_key: CERT, type: "x509" }), 400, "badRequest", /Additional properties are not allowed \('type' was unexpected\)$/);
    });

    it("validates the body: keypair required, no extra keys, JSON only", async () => {
      fault(await nova("/os-keypairs", { method: "POST", body: { name: "x" }, version: "2.2" }), 400, "badRequest", "'keypair' is a required property");
      fault(await nova("/os-keypairs", { method: "POST", body: {}, version: "2.2" }), 400, "badRequest", "'keypair' is a required property");
      fault(await create({ name: "x", public_key: ECDSA_384, deleted: false }, { version: "2.2" }), 400, "badRequest", /Additional properties are not allowed \('deleted' was unexpected\)/);
      fault(await nova("/os-keypairs", { method: "POST", body: "{bad", version: "2.2" }), 400, "badRequest", "Malformed request body");
      fault(await nova("/os-keypairs", { method: "POST", body: "name=x", contentType: "application/x-www-form-urlencoded", version: "2.2" }), 415, "badMediaType", "Unsupported Content-Type");
    });
  });

  describe("names", () => {
    it("allows letters, digits, _ - and space, and @ . only from 2.92", async () => {
      assert.equal((await create({ name: "My key_1-2", public_key: ECDSA_384 }, { version: "2.2" })).status, 201);
      const dotted = await create({ name: "me@host.example", public_key: ECDSA_384 }, { version: "2.91" });
      fault(dotted, 400, "badRequest", "An invalid 'name' value was provided. The name must be: Only expected characters: [_- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]");
      assert.equal((await create({ name: "me@host.example", public_key: ECDSA_384 }, { version: "2.92" })).status, 201);
      const shown = await nova(`/os-keypairs/${encodeURIComponent("me@host.example")}`, { version: "2.92" });
      assert.equal(shown.status, 200);
      fault(await create({ name: "a/b", public_key: ECDSA_384 }, { version: "2.92" }), 400, "badRequest", /Only expected characters: \[@\._- 0123/);
    });

    it("checks length and surrounding whitespace", async () => {
      assert.equal((await create({ name: "n".repeat(255), public_key: ECDSA_384 }, { version: "2.2" })).status, 201);
      fault(await create({ name: "n".repeat(256), public_key: ECDSA_384 }, { version: "2.2" }), 400, "badRequest", /^Invalid input for field\/attribute name\. Value: n+\. 'n+' is too long$/);
      fault(await create({ name: "", public_key: ECDSA_384 }, { version: "2.2" }), 400, "badRequest", "Invalid input for field/attribute name. Value: . '' is too short");
      for (const name of [" lead", "trail "]) {
        fault(await create({ name, public_key: ECDSA_384 }, { version: "2.2" }), 400, "badRequest", /The name must be: printable characters\. Can not start or end with whitespace\.$/);
      }
      fault(await create({ name: 5, public_key: ECDSA_384 }, { version: "2.2" }), 400, "badRequest", "Invalid input for field/attribute name. Value: 5. 5 is not of type 'string'");
    });

    it("words bad characters as each Nova era does", async () => {
      await start({ maxMicroversion: "2.90" });
      // Nova ≤ 25: checked after the schema and the policy.
      fault(await create({ name: "a.b", public_key: ECDSA_384 }, { version: "2.10" }), 400, "badRequest", "Keypair data is invalid: Keypair name contains unsafe characters");
      fault(await create({ name: "a.b", public_key: ECDSA_384, user_id: emu.admin.userId }, { version: "2.10" }), 403, "forbidden");
      // ...but before the quota.
      emu.state.keypairQuotas.set(emu.credentials.userId, 0);
      fault(await create({ name: "a.b", public_key: ECDSA_384 }, { version: "2.10" }), 400, "badRequest", "Keypair data is invalid: Keypair name contains unsafe characters");
      await start({ nameErrorStyle: "pattern" });
      fault(await create({ name: "x/y", public_key: ECDSA_384 }, { version: "2.10" }), 400, "badRequest", "Invalid input for field/attribute name. Value: x/y. 'x/y' does not match '^[_\\\\- a-zA-Z0-9]+$'");
    });
  });

  describe("ownership, uniqueness and quota", () => {
    it("answers 409 for a name the user already has, and allows it for another user", async () => {
      assert.equal((await create({ name: "dup", public_key: ECDSA_384 }, { version: "2.2" })).status, 201);
      fault(await create({ name: "dup", public_key: ECDSA_384 }, { version: "2.2" }), 409, "conflictingRequest", "Key pair 'dup' already exists.");
      fault(await create({ name: "dup" }, { version: "2.2" }), 409, "conflictingRequest", "Key pair 'dup' already exists.");
      const other = emu.createUser({ name: "other", projects: ["demo"] });
      const otherToken = emu.issueToken(other.id);
      assert.equal((await create({ name: "dup", public_key: ECDSA_384 }, { version: "2.2", token: otherToken })).status, 201);
      // Key pairs belong to the user: the other user sees only its own, and the first user sees
      // theirs from every project.
      const theirs = await nova("/os-keypairs", { token: otherToken });
      assert.equal(theirs.json.keypairs.length, 1);
      const elsewhere = emu.createProject("elsewhere");
      emu.grantRole("demo", elsewhere.id, "member");
      const mine = await nova("/os-keypairs", { token: emu.issueToken("demo", "elsewhere") });
      assert.deepEqual(mine.json.keypairs.map((k: any) => k.keypair.name), ["dup"]);
    });

    it("answers 403 over the quota, before the duplicate check, and after the schema", async () => {
      await start({ keypairQuota: 2 });
      for (const name of ["a", "b"]) assert.equal((await create({ name, public_key: ECDSA_384 }, { version: "2.2" })).status, 201);
      const over = await create({ name: "c", public_key: ECDSA_384 }, { version: "2.2" });
      fault(over, 403, "forbidden", "Quota exceeded, too many key pairs.");
      fault(await create({ name: "a", public_key: ECDSA_384 }, { version: "2.2" }), 403, "forbidden", "Quota exceeded, too many key pairs.");
      fault(await create({ name: "a/", public_key: ECDSA_384 }, { version: "2.2" }), 400, "badRequest");
      emu.state.keypairQuotas.set(emu.credentials.userId, -1);
      assert.equal((await create({ name: "c", public_key: ECDSA_384 }, { version: "2.2" })).status, 201);
      // An invalid key with a taken name is a 400, not a 409.
      fault(await create({ name: "c", public_key: "junk" }, { version: "2.2" }), 400, "badRequest", "Keypair data is invalid: failed to generate fingerprint");
    });

    it("lets an admin act for another user with user_id from 2.10, and nobody else", async () => {
      const admin = emu.issueToken(emu.admin.userId, emu.credentials.projectId);
      const forDemo = await create({ name: "for-demo", public_key: ECDSA_384, user_id: emu.credentials.userId }, { version: "2.10", token: admin });
      assert.equal(forDemo.status, 201, forDemo.text);
      assert.equal(forDemo.json.keypair.user_id, emu.credentials.userId);
      assert.equal((await nova("/os-keypairs/for-demo", { version: "2.10" })).status, 200);
      // The admin does not own it...
      assert.equal((await nova("/os-keypairs/for-demo", { version: "2.10", token: admin })).status, 404);
      // ...but reaches it with user_id.
      const q = `?user_id=${emu.credentials.userId}`;
      assert.equal((await nova(`/os-keypairs/for-demo${q}`, { version: "2.10", token: admin })).json.keypair.user_id, emu.credentials.userId);
      assert.equal((await nova(`/os-keypairs${q}`, { version: "2.10", token: admin })).json.keypairs.length, 1);
      // A normal user may name only themselves.
      fault(await create({ name: "x", public_key: ECDSA_384, user_id: emu.admin.userId }, { version: "2.10" }), 403, "forbidden", "Policy doesn't allow os_compute_api:os-keypairs:create to be performed.");
      fault(await nova(`/os-keypairs?user_id=${emu.admin.userId}`, { version: "2.10" }), 403, "forbidden", "Policy doesn't allow os_compute_api:os-keypairs:index to be performed.");
      fault(await nova(`/os-keypairs/x?user_id=${emu.admin.userId}`, { version: "2.10" }), 403, "forbidden", "Policy doesn't allow os_compute_api:os-keypairs:show to be performed.");
      assert.equal((await create({ name: "self", public_key: ECDSA_384, user_id: emu.credentials.userId }, { version: "2.10" })).status, 201);
      // Below 2.10: user_id in the body is an extra key, in the query it is ignored.
      fault(await create({ name: "y", public_key: ECDSA_384, user_id: emu.credentials.userId }, { version: "2.9" }), 400, "badRequest", /\('user_id' was unexpected\)/);
      assert.equal((await nova(`/os-keypairs${q}`, { version: "2.9", token: admin })).json.keypairs.length, 0);
      assert.equal((await nova(`/os-keypairs/for-demo${q}`, { method: "DELETE", version: "2.10", token: admin })).status, 204);
      assert.ok(![...emu.state.keypairs.values()].some((k) => k.name === "for-demo"));
    });
  });

  describe("reading", () => {
    it("shows the show-only fields and lists without them", async () => {
      await create({ name: "k", public_key: ECDSA_384 }, { version: "2.2" });
      const shown = await nova("/os-keypairs/k", { version: "2.2" });
      assert.equal(shown.status, 200);
      const record = [...emu.state.keypairs.values()][0]!;
      assert.deepEqual(shown.json.keypair, {
        name: "k",
        public_key: ECDSA_384,
        fingerprint: ECDSA_384_MD5,
        user_id: emu.credentials.userId,
        type: "ssh",
        deleted: false,
        created_at: "2026-01-01T10:00:00.000000",
        updated_at: null,
        deleted_at: null,
        id: record.id,
      });
      const listed = await nova("/os-keypairs", { version: "2.2" });
      assert.deepEqual(listed.json, { keypairs: [{ keypair: { name: "k", public_key: ECDSA_384, fingerprint: ECDSA_384_MD5, type: "ssh" } }] });
      const old = await nova("/os-keypairs/k");
      assert.equal(old.json.keypair.type, undefined);
    });

    it("answers 404 with itemNotFound for unknown key pairs and paths", async () => {
      fault(await nova("/os-keypairs/nope", { version: "2.2" }), 404, "itemNotFound", `Keypair nope not found for user ${emu.credentials.userId}`);
      fault(await nova("/os-keypairs/nope", { method: "DELETE", version: "2.2" }), 404, "itemNotFound", `Keypair nope not found for user ${emu.credentials.userId}`);
      fault(await nova("/servers", { version: "2.2" }), 404, "itemNotFound");
      fault(await nova("/os-keypairs/x", { method: "PUT", body: {}, version: "2.2" }), 404, "itemNotFound");
    });

    it("pages from 2.35: sorted by name, limit, marker and next links", async () => {
      for (const name of ["c", "a", "d", "b"]) await create({ name, public_key: ECDSA_384 }, { version: "2.2" });
      const names = (res: Answer): string[] => res.json.keypairs.map((k: any) => k.keypair.name);
      const first = await nova("/os-keypairs?limit=2", { version: "2.35" });
      assert.deepEqual(names(first), ["a", "b"]);
      assert.deepEqual(first.json.keypairs_links, [{ rel: "next", href: `${emu.computeUrl}/os-keypairs?limit=2&marker=b` }]);
      const second = await nova("/os-keypairs?limit=2&marker=b", { version: "2.35" });
      assert.deepEqual(names(second), ["c", "d"]);
      assert.ok(second.json.keypairs_links, "a full last page still links on");
      const third = await nova("/os-keypairs?limit=2&marker=d", { version: "2.35" });
      assert.deepEqual(names(third), []);
      assert.equal(third.json.keypairs_links, undefined);
      assert.deepEqual(names(await nova("/os-keypairs", { version: "2.35" })), ["a", "b", "c", "d"]);
      assert.deepEqual(names(await nova("/os-keypairs?limit=0", { version: "2.35" })), []);
      fault(await nova("/os-keypairs?marker=zz", { version: "2.35" }), 400, "badRequest", "Marker zz could not be found.");
      fault(await nova("/os-keypairs?limit=-1", { version: "2.35" }), 400, "badRequest", /^Invalid input for query parameters limit/);
      // Below 2.35 limit and marker are ignored.
      const old = await nova("/os-keypairs?limit=1&marker=zz", { version: "2.34" });
      assert.equal(old.json.keypairs.length, 4);
      assert.equal(old.json.keypairs_links, undefined);
      await start({ maxLimit: 2 });
      for (const name of ["a", "b", "c"]) await create({ name, public_key: ECDSA_384 }, { version: "2.2" });
      const capped = await nova("/os-keypairs?limit=5", { version: "2.35" });
      assert.deepEqual(names(capped), ["a", "b"]);
      assert.ok(capped.json.keypairs_links);
    });

    it("refuses unknown query parameters from 2.75 and ignores them before", async () => {
      assert.equal((await nova("/os-keypairs?foo=1", { version: "2.74" })).status, 200);
      fault(await nova("/os-keypairs?foo=1", { version: "2.75" }), 400, "badRequest", /Additional properties are not allowed \('foo' was unexpected\)/);
      fault(await nova("/os-keypairs/x?limit=1", { version: "2.75" }), 400, "badRequest", /\('limit' was unexpected\)/);
    });
  });

  describe("URL forms", () => {
    it("serves routes with the project id, and refuses another project's id", async () => {
      await create({ name: "k", public_key: ECDSA_384 }, { version: "2.2" });
      const withProject = await nova(`/${emu.credentials.projectId}/os-keypairs/k`, { version: "2.2" });
      assert.equal(withProject.status, 200);
      const other = emu.createProject("other");
      fault(
        await nova(`/${other.id}/os-keypairs`, { version: "2.2" }),
        400,
        "badRequest",
        `Malformed request URL: URL's project_id '${other.id}' doesn't match Context's project_id '${emu.credentials.projectId}'`,
      );
    });

    it("advertises …/v2.1/<project_id> when asked, with its root answer as an option", async () => {
      await start({ computeUrlForm: "v2.1-project" });
      assert.equal(emu.computeUrl, `${emu.url}/compute/v2.1/${emu.credentials.projectId}`);
      const catalog = (await auth(passwordBody())).json.token.catalog;
      assert.equal(catalog.find((s: any) => s.type === "compute").endpoints[0].url, emu.computeUrl);
      const root = await nova("");
      assert.equal(root.status, 200);
      assert.equal(root.json.version.version, "2.96");
      assert.equal((await nova("", { token: null })).status, 401);
      for (const name of ["a", "b"]) await create({ name, public_key: ECDSA_384 }, { version: "2.2" });
      const page = await nova("/os-keypairs?limit=1", { version: "2.35" });
      assert.equal(page.json.keypairs_links[0].href, `${emu.computeUrl}/os-keypairs?limit=1&marker=a`);
      await start({ computeUrlForm: "v2.1-project", projectRootAnswer: "not-found" });
      fault(await nova(""), 404, "itemNotFound");
    });

    it("emulates the legacy v2 pipeline: 2.1 behaviour, version headers ignored, extra keys dropped", async () => {
      await start({ computeUrlForm: "v2-project" });
      assert.equal(emu.computeUrl, `${emu.url}/compute/v2/${emu.credentials.projectId}`);
      const made = await create({ name: " legacy ", public_key: ECDSA_384, type: "ssh", whatever: 1 }, { version: "2.92" });
      assert.equal(made.status, 200, made.text);
      assert.equal(made.json.keypair.name, "legacy");
      assert.equal(made.json.keypair.type, undefined);
      assert.equal(made.headers.get("openstack-api-version"), null);
      assert.equal((await nova("/os-keypairs/legacy", { method: "DELETE", version: "2.92" })).status, 202);
    });
  });

  describe("faults and the request log", () => {
    it("injects status faults with Nova's fault body and records every request", async () => {
      emu.faults.script({ method: "POST", path: "/compute/v2.1/os-keypairs", fault: { kind: "status", status: 503, retryAfter: 2 } });
      const res = await create({ name: "k", public_key: ECDSA_384 }, { version: "2.2" });
      fault(res, 503, "serviceUnavailable");
      assert.equal(res.headers.get("retry-after"), "2");
      assert.equal(emu.state.keypairs.size, 0);
      assert.equal((await create({ name: "k", public_key: ECDSA_384 }, { version: "2.2" })).status, 201);
      const posts = emu.requests.filter((r) => r.method === "POST" && r.path === "/compute/v2.1/os-keypairs");
      assert.deepEqual(posts.map((r) => [r.status, r.fault]), [[503, "status"], [201, undefined]]);
      assert.equal(posts[1]!.headers["openstack-api-version"], "compute 2.2");
    });

    it("drops the connection after creating (the key pair exists, the private key is lost)", async () => {
      emu.faults.script({ method: "POST", path: /os-keypairs$/, fault: { kind: "drop-after" } });
      await assert.rejects(create({ name: "lost" }, { version: "2.10" }));
      const record = [...emu.state.keypairs.values()].find((k) => k.name === "lost");
      assert.ok(record?.generated);
      fault(await create({ name: "lost" }, { version: "2.10" }), 409, "conflictingRequest");
      assert.equal(emu.requests.at(-2)?.fault, "drop-after");
    });

    it("can fail Keystone too", async () => {
      emu.faults.script({ path: "/identity/v3/auth/tokens", fault: { kind: "reset" } });
      await assert.rejects(auth(passwordBody()));
      assert.equal((await auth(passwordBody())).status, 201);
    });
  });
});
