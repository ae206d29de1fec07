import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { startTfcEmulator, type TfcEmulator, type TfcEmulatorOptions } from "../../src/emulators/tfc";

const JSON_API = "application/vnd.api+json";
const BODY_401 = { errors: [{ status: "401", title: "unauthorized" }] };
const BODY_404 = { errors: [{ status: "404", title: "not found" }] };
const BODY_429 = { errors: [{ detail: "You have exceeded the API's rate limit.", status: 429, title: "Too many requests" }] };
const SSH_KEY_ID = /^sshkey-[1-9A-HJ-NP-Za-km-z]{16}$/;

interface Call {
  method?: string;
  /** The bearer token; `null` sends none. Defaults to the seeded user token. */
  token?: string | null;
  headers?: Record<string, string>;
  body?: unknown;
  /** Content-Type to send; `null` sends none. Defaults to JSON:API whenever there is a body. */
  contentType?: string | null;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

function fakeKey(): string {
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(90).toString("base64")}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("emulators/tfc", () => {
  let emu: TfcEmulator;
  /** Every response body seen by `call`, to check that no key text ever leaks. */
  let seen: string[];

  async function start(options: TfcEmulatorOptions = {}): Promise<TfcEmulator> {
    await emu?.close();
    emu = await startTfcEmulator(options);
    return emu;
  }

  async function call(path: string, c: Call = {}): Promise<Answer> {
    const headers: Record<string, string> = { Accept: JSON_API, ...(c.headers ?? {}) };
    const token = c.token === undefined ? emu.tokens.user : c.token;
    if (token !== null) headers["Authorization"] = `Bearer ${token}`;
    const body = c.body === undefined ? undefined : typeof c.body === "string" ? c.body : JSON.stringify(c.body);
    const contentType = c.contentType === undefined ? (body === undefined ? null : JSON_API) : c.contentType;
    if (contentType !== null) headers["Content-Type"] = contentType;
    const url = path.startsWith("/.well-known") ? `${emu.url}${path}` : `${emu.url}/api/v2${path}`;
    // A string body would make fetch add `text/plain`; bytes go out with no Content-Type at all.
    const payload = body === undefined ? undefined : contentType === null ? new TextEncoder().encode(body) : body;
    const res = await fetch(url, { method: c.method ?? "GET", headers, ...(payload === undefined ? {} : { body: payload }) });
    const text = await res.text();
    seen.push(text);
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      assert.fail(`${c.method ?? "GET"} ${path} answered non-JSON: ${text}`);
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  const keysPath = (org = emu.organization): string => `/organizations/${org}/ssh-keys`;

  async function createKey(name = `key-${randomBytes(3).toString("hex")}`, c: Call = {}, org = emu.organization): Promise<{ id: string; name: string; value: string }> {
    const value = fakeKey();
    const res = await call(keysPath(org), { method: "POST", body: { data: { type: "ssh-keys", attributes: { name, value } } }, ...c });
    assert.equal(res.status, 201, res.text);
    return { id: res.json.data.id, name, value };
  }

  beforeEach(async () => {
    seen = [];
    await start();
  });
  afterEach(() => emu.close());

  describe("discovery and ping", () => {
    it("serves /.well-known/terraform.json at the root, without a token", async () => {
      const res = await call("/.well-known/terraform.json", { token: null });
      assert.equal(res.status, 200);
      assert.equal(res.json["tfe.v2"], "/api/v2/");
      assert.equal(res.json["tfe.v2.1"], "/api/v2/");
      assert.equal(res.json["tfe.v2.2"], "/api/v2/");
    });

    it("answers GET /api/v2/ping with the platform headers, with or without a token", async () => {
      for (const token of [emu.tokens.user, null]) {
        const res = await call("/ping", { token });
        assert.equal(res.status, 204);
        assert.equal(res.text, "");
        assert.equal(res.headers.get("tfp-api-version"), "2.5");
        assert.equal(res.headers.get("tfp-appname"), "HCP Terraform");
        assert.equal(res.headers.get("x-ratelimit-limit"), "30");
        assert.equal(res.headers.get("x-tfe-version"), null);
      }
      await start({ appName: "Terraform Enterprise", tfeVersion: "202205-1", apiVersion: "34.21.9" });
      const tfe = await call("/ping");
      assert.equal(tfe.headers.get("tfp-appname"), "Terraform Enterprise");
      assert.equal(tfe.headers.get("x-tfe-version"), "202205-1");
      assert.equal(tfe.headers.get("tfp-api-version"), "34.21.9");
    });

    it("answers unknown paths and methods with the JSON:API 404", async () => {
      for (const [path, method] of [["/nothing/here", "GET"], ["/ping", "POST"], [keysPath(), "PUT"]] as const) {
        const res = await call(path, { method, body: method === "GET" ? undefined : {} });
        assert.equal(res.status, 404, `${method} ${path}`);
        assert.deepEqual(res.json, BODY_404);
        assert.equal(res.headers.get("content-type"), JSON_API);
      }
    });

    it("serves the organization and the account of the token", async () => {
      const org = await call(`/organizations/${emu.organization}`);
      assert.equal(org.status, 200);
      assert.equal(org.headers.get("content-type"), JSON_API);
      assert.equal(org.json.data.id, "example-org");
      assert.equal(org.json.data.type, "organizations");
      assert.equal(org.json.data.attributes.name, "example-org");
      const viaOrgToken = await call(`/organizations/${emu.organization}`, { token: emu.tokens.organization });
      assert.equal(viaOrgToken.status, 200, "an organization token may read its own organization");
      assert.deepEqual((await call("/organizations/missing-org")).json, BODY_404);

      const me = await call("/account/details");
      assert.equal(me.status, 200);
      assert.equal(me.json.data.type, "users");
      assert.equal(me.json.data.attributes.username, "admin");
      assert.equal(me.json.data.attributes["is-service-account"], false);
      const team = await call("/account/details", { token: emu.tokens.team });
      assert.equal(team.json.data.attributes["is-service-account"], true);
      const orgToken = await call("/account/details", { token: emu.tokens.organization });
      assert.equal(orgToken.status, 404);
    });
  });

  describe("authentication and authorization", () => {
    it("answers a missing, unknown or non-Bearer token with the JSON:API 401", async () => {
      const attempts: Call[] = [
        { token: null },
        { token: "notarealtoken.atlasv1.abcdefghijklmnopqrstuvwxyz" },
        { token: null, headers: { Authorization: `Token ${emu.tokens.user}` } },
      ];
      for (const attempt of attempts) {
        const res = await call(keysPath(), attempt);
        assert.equal(res.status, 401);
        assert.deepEqual(res.json, BODY_401);
        assert.equal(res.headers.get("content-type"), JSON_API);
      }
      const create = await call(keysPath(), { method: "POST", token: null, body: { data: { attributes: { name: "x", value: "y" } } } });
      assert.equal(create.status, 401);
      assert.equal(emu.state.sshKeys.size, 0);
    });

    it("accepts the Bearer scheme in any case", async () => {
      const res = await call(keysPath(), { token: null, headers: { Authorization: `bearer ${emu.tokens.user}` } });
      assert.equal(res.status, 200);
    });

    it("answers an organization token with the standard 404 on every ssh-key endpoint", async () => {
      const key = await createKey();
      const org = emu.tokens.organization;
      const attempts: [string, Call][] = [
        [keysPath(), { token: org }],
        [keysPath(), { token: org, method: "POST", body: { data: { type: "ssh-keys", attributes: { name: "n", value: "v" } } } }],
        [`/ssh-keys/${key.id}`, { token: org }],
        [`/ssh-keys/${key.id}`, { token: org, method: "PATCH", body: { data: { attributes: { name: "renamed" } } } }],
        [`/ssh-keys/${key.id}`, { token: org, method: "DELETE" }],
      ];
      for (const [path, c] of attempts) {
        const res = await call(path, c);
        assert.equal(res.status, 404, `${c.method ?? "GET"} ${path}`);
        assert.deepEqual(res.json, BODY_404);
      }
      assert.equal(emu.state.sshKeys.size, 1);
      assert.equal(emu.state.sshKeys.get(key.id)!.name, key.name);
    });

    it("can answer organization tokens with another status", async () => {
      await start({ organizationTokenStatus: 403 });
      const res = await call(keysPath(), { token: emu.tokens.organization });
      assert.equal(res.status, 403);
      assert.deepEqual(res.json, { errors: [{ status: "403", title: "forbidden" }] });
    });

    it("lets a team token manage the keys of its own organization only", async () => {
      const key = await createKey("by-team", { token: emu.tokens.team });
      const list = await call(keysPath(), { token: emu.tokens.team });
      assert.equal(list.status, 200);
      assert.deepEqual(list.json.data.map((k: any) => k.id), [key.id]);
      assert.equal((await call(`/ssh-keys/${key.id}`, { token: emu.tokens.team })).status, 200);

      emu.createOrganization("other-org");
      const otherTeam = emu.createToken("team", { organization: "other-org" });
      assert.equal((await call(keysPath("other-org"), { token: otherTeam })).status, 200);
      for (const [path, c] of [
        [keysPath(), { token: otherTeam }],
        [`/ssh-keys/${key.id}`, { token: otherTeam }],
        [`/ssh-keys/${key.id}`, { token: otherTeam, method: "DELETE" }],
      ] as [string, Call][]) {
        const res = await call(path, c);
        assert.equal(res.status, 404, `${c.method ?? "GET"} ${path}`);
        assert.deepEqual(res.json, BODY_404);
      }
      assert.equal((await call(`/ssh-keys/${key.id}`, { token: emu.tokens.team, method: "DELETE" })).status, 204);
    });

    it("answers 404 for an organization the user does not belong to, or that does not exist", async () => {
      emu.createOrganization("other-org");
      const outsider = emu.createToken("user", { user: "outsider", organization: "other-org" });
      const theirs = await createKey("theirs", { token: outsider }, "other-org");
      for (const [path, c] of [
        [keysPath("other-org"), {}],
        [keysPath("other-org"), { method: "POST", body: { data: { attributes: { name: "n", value: "v" } } } }],
        [`/ssh-keys/${theirs.id}`, {}],
        [`/ssh-keys/${theirs.id}`, { method: "PATCH", body: { data: { attributes: { name: "mine now" } } } }],
        [keysPath(), { token: outsider }],
        [keysPath("no-such-org"), {}],
        [`/organizations/other-org`, {}],
      ] as [string, Call][]) {
        const res = await call(path, c);
        assert.equal(res.status, 404, `${c.method ?? "GET"} ${path}`);
        assert.deepEqual(res.json, BODY_404);
      }
      assert.equal(emu.state.sshKeys.get(theirs.id)!.name, "theirs");
      // Joining the organization grants access.
      emu.createToken("user", { user: "admin", organization: "other-org" });
      assert.equal((await call(`/ssh-keys/${theirs.id}`)).status, 200);
    });

    it("keeps one organization token per organization", async () => {
      const old = emu.tokens.organization;
      const fresh = emu.createToken("organization");
      assert.notEqual(fresh, old);
      assert.equal((await call(`/organizations/${emu.organization}`, { token: old })).status, 401);
      assert.equal((await call(`/organizations/${emu.organization}`, { token: fresh })).status, 200);
    });
  });

  describe("JSON:API content type", () => {
    it("answers POST and PATCH without the JSON:API Content-Type with 415", async () => {
      const key = await createKey();
      const body = { data: { type: "ssh-keys", attributes: { name: "n", value: "v" } } };
      for (const contentType of [null, "application/json", "text/plain"]) {
        const post = await call(keysPath(), { method: "POST", body, contentType });
        assert.equal(post.status, 415, `POST with ${contentType}`);
        assert.equal(post.json.errors[0].status, "415");
        assert.equal(post.headers.get("content-type"), JSON_API);
        const patch = await call(`/ssh-keys/${key.id}`, { method: "PATCH", body, contentType });
        assert.equal(patch.status, 415, `PATCH with ${contentType}`);
      }
      assert.equal(emu.state.sshKeys.size, 1);
      assert.equal(emu.state.sshKeys.get(key.id)!.name, key.name);
      const withParams = await call(keysPath(), { method: "POST", body, contentType: `${JSON_API}; charset=utf-8` });
      assert.equal(withParams.status, 201);
    });

    it("does not require it on DELETE unless requireContentTypeOnDelete", async () => {
      const key = await createKey();
      assert.equal((await call(`/ssh-keys/${key.id}`, { method: "DELETE" })).status, 204);

      await start({ requireContentTypeOnDelete: true });
      const strict = await createKey();
      const bare = await call(`/ssh-keys/${strict.id}`, { method: "DELETE" });
      assert.equal(bare.status, 415);
      assert.ok(emu.state.sshKeys.has(strict.id));
      const typed = await call(`/ssh-keys/${strict.id}`, { method: "DELETE", contentType: JSON_API });
      assert.equal(typed.status, 204);
    });

    it("answers a body that is not a JSON:API document with 400", async () => {
      for (const body of ["{not json", { name: "n", value: "v" }, { data: [] }]) {
        const res = await call(keysPath(), { method: "POST", body });
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.json.errors[0].status, "400");
      }
      assert.equal(emu.state.sshKeys.size, 0);
    });
  });

  describe("ssh-keys", () => {
    it("creates a key (201) showing only its name, and stores the key text", async () => {
      const value = fakeKey();
      const res = await call(keysPath(), { method: "POST", body: { data: { type: "ssh-keys", attributes: { name: "SSH Key", value } } } });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get("content-type"), JSON_API);
      assert.match(res.json.data.id, SSH_KEY_ID);
      assert.deepEqual(res.json, {
        data: { id: res.json.data.id, type: "ssh-keys", attributes: { name: "SSH Key" }, links: { self: `/api/v2/ssh-keys/${res.json.data.id}` } },
      });
      const stored = emu.state.sshKeys.get(res.json.data.id);
      assert.ok(stored);
      assert.equal(stored.organization, "example-org");
      assert.equal(stored.name, "SSH Key");
      assert.equal(stored.value, value);
    });

    it("accepts a create or update without data.type; a wrong type is 409 unless wrongTypeStatus is null", async () => {
      const untyped = await call(keysPath(), { method: "POST", body: { data: { attributes: { name: "untyped", value: "SSH-KEY-CONTENT" } } } });
      assert.equal(untyped.status, 201);
      const id = untyped.json.data.id;
      const rename = await call(`/ssh-keys/${id}`, { method: "PATCH", body: { data: { attributes: { name: "renamed" } } } });
      assert.equal(rename.status, 200);
      assert.equal(rename.json.data.attributes.name, "renamed");

      const wrong = await call(keysPath(), { method: "POST", body: { data: { type: "workspaces", attributes: { name: "w", value: "v" } } } });
      assert.equal(wrong.status, 409);
      assert.equal(wrong.json.errors[0].status, "409");
      const wrongPatch = await call(`/ssh-keys/${id}`, { method: "PATCH", body: { data: { type: "users", attributes: { name: "x" } } } });
      assert.equal(wrongPatch.status, 409);
      const wrongId = await call(`/ssh-keys/${id}`, { method: "PATCH", body: { data: { type: "ssh-keys", id: "sshkey-other", attributes: { name: "x" } } } });
      assert.equal(wrongId.status, 409);
      assert.equal(emu.state.sshKeys.size, 1);
      assert.equal(emu.state.sshKeys.get(id)!.name, "renamed");

      await start({ wrongTypeStatus: null });
      const lenient = await call(keysPath(), { method: "POST", body: { data: { type: "workspaces", attributes: { name: "w", value: "v" } } } });
      assert.equal(lenient.status, 201);
    });

    it("answers a blank name or value with 422 error objects", async () => {
      const both = await call(keysPath(), { method: "POST", body: { data: { type: "ssh-keys", attributes: {} } } });
      assert.equal(both.status, 422);
      assert.equal(both.headers.get("content-type"), JSON_API);
      assert.deepEqual(both.json, {
        errors: [
          { status: "422", title: "invalid attribute", detail: "Name can't be blank", source: { pointer: "/data/attributes/name" } },
          { status: "422", title: "invalid attribute", detail: "Value can't be blank", source: { pointer: "/data/attributes/value" } },
        ],
      });
      const noName = await call(keysPath(), { method: "POST", body: { data: { attributes: { name: "", value: "v" } } } });
      assert.deepEqual(noName.json.errors, [{ status: "422", title: "invalid attribute", detail: "Name can't be blank", source: { pointer: "/data/attributes/name" } }]);
      const noValue = await call(keysPath(), { method: "POST", body: { data: { attributes: { name: "n", value: "   " } } } });
      assert.deepEqual(noValue.json.errors, [{ status: "422", title: "invalid attribute", detail: "Value can't be blank", source: { pointer: "/data/attributes/value" } }]);
      const noAttributes = await call(keysPath(), { method: "POST", body: { data: { type: "ssh-keys" } } });
      assert.equal(noAttributes.status, 422);
      assert.equal(noAttributes.json.errors.length, 2);
      assert.equal(emu.state.sshKeys.size, 0);
    });

    it("shows a key by id; unknown ids are 404", async () => {
      const key = await createKey("shown");
      const res = await call(`/ssh-keys/${key.id}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), JSON_API);
      assert.deepEqual(res.json.data, { id: key.id, type: "ssh-keys", attributes: { name: "shown" }, links: { self: `/api/v2/ssh-keys/${key.id}` } });
      for (const id of ["nonexisting", "sshkey-1111111111111111"]) {
        const missing = await call(`/ssh-keys/${id}`);
        assert.equal(missing.status, 404);
        assert.deepEqual(missing.json, BODY_404);
      }
    });

    it("lists every key of the organization when no page parameter is sent", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) ids.push((await createKey(`key-${i}`)).id);
      emu.createOrganization("other-org", { members: ["admin"] });
      await createKey("elsewhere", {}, "other-org");
      const res = await call(keysPath());
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), JSON_API);
      assert.deepEqual(Object.keys(res.json), ["data"]);
      assert.deepEqual(res.json.data.map((k: any) => k.id), ids);
      assert.deepEqual(res.json.data[3].attributes, { name: "key-3" });

      const empty = await call(keysPath("other-org"));
      assert.equal(empty.json.data.length, 1);
    });

    it("can add links and meta to the unpaginated list (unpaginatedMeta)", async () => {
      await start({ unpaginatedMeta: true });
      for (let i = 0; i < 3; i++) await createKey();
      const res = await call(keysPath());
      assert.equal(res.json.data.length, 3);
      assert.equal(res.json.meta.pagination["total-count"], 3);
      assert.equal(res.json.meta.pagination["next-page"], null);
      assert.equal(res.json.links.next, null);
    });

    it("paginates with links and meta when a page parameter is sent", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) ids.push((await createKey(`key-${i}`)).id);
      const base = `${emu.url}/api/v2/organizations/example-org/ssh-keys`;
      const link = (n: number, size: number): string => `${base}?page%5Bnumber%5D=${n}&page%5Bsize%5D=${size}`;

      const page2 = await call(`${keysPath()}?page%5Bnumber%5D=2&page%5Bsize%5D=10`);
      assert.equal(page2.status, 200);
      assert.deepEqual(page2.json.data.map((k: any) => k.id), ids.slice(10, 20));
      assert.deepEqual(page2.json.links, { self: link(2, 10), first: link(1, 10), prev: link(1, 10), next: link(3, 10), last: link(3, 10) });
      assert.deepEqual(page2.json.meta, {
        pagination: { "current-page": 2, "page-size": 10, "prev-page": 1, "next-page": 3, "total-pages": 3, "total-count": 25 },
      });

      // Unencoded brackets work too; the last page has no next.
      const page3 = await call(`${keysPath()}?page[number]=3&page[size]=10`);
      assert.deepEqual(page3.json.data.map((k: any) => k.id), ids.slice(20));
      assert.equal(page3.json.links.next, null);
      assert.equal(page3.json.meta.pagination["next-page"], null);
      assert.equal(page3.json.meta.pagination["prev-page"], 2);

      // Only page[number]: the default size 20.
      const first = await call(`${keysPath()}?page%5Bnumber%5D=1`);
      assert.equal(first.json.data.length, 20);
      assert.equal(first.json.links.prev, null);
      assert.deepEqual(first.json.meta.pagination, { "current-page": 1, "page-size": 20, "prev-page": null, "next-page": 2, "total-pages": 2, "total-count": 25 });

      // Only page[size], above the maximum: clamped to 100, page 1.
      const big = await call(`${keysPath()}?page%5Bsize%5D=500`);
      assert.equal(big.json.data.length, 25);
      assert.deepEqual(big.json.meta.pagination, { "current-page": 1, "page-size": 100, "prev-page": null, "next-page": null, "total-pages": 1, "total-count": 25 });
      assert.equal(big.json.links.self, link(1, 100));

      // Past the end: an empty page.
      const past = await call(`${keysPath()}?page%5Bnumber%5D=9&page%5Bsize%5D=10`);
      assert.deepEqual(past.json.data, []);
      assert.equal(past.json.meta.pagination["next-page"], null);
    });

    it("ignores page parameters with ignorePageParams (older TFE)", async () => {
      await start({ ignorePageParams: true });
      for (let i = 0; i < 25; i++) await createKey();
      const res = await call(`${keysPath()}?page%5Bnumber%5D=1&page%5Bsize%5D=10`);
      assert.equal(res.json.data.length, 25);
      assert.equal(res.json.meta, undefined);
    });

    it("renames with PATCH and ignores a value (200) unless strictUpdate", async () => {
      const key = await createKey("before");
      const res = await call(`/ssh-keys/${key.id}`, { method: "PATCH", body: { data: { type: "ssh-keys", attributes: { name: "after", value: "NEW-KEY-TEXT" } } } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json.data, { id: key.id, type: "ssh-keys", attributes: { name: "after" }, links: { self: `/api/v2/ssh-keys/${key.id}` } });
      const stored = emu.state.sshKeys.get(key.id)!;
      assert.equal(stored.name, "after");
      assert.equal(stored.value, key.value, "the key text never changes");

      const keep = await call(`/ssh-keys/${key.id}`, { method: "PATCH", body: { data: { type: "ssh-keys", attributes: {} } } });
      assert.equal(keep.status, 200);
      assert.equal(keep.json.data.attributes.name, "after", "an omitted name keeps the old one");

      const blank = await call(`/ssh-keys/${key.id}`, { method: "PATCH", body: { data: { attributes: { name: " " } } } });
      assert.equal(blank.status, 422);
      assert.deepEqual(blank.json.errors, [{ status: "422", title: "invalid attribute", detail: "Name can't be blank", source: { pointer: "/data/attributes/name" } }]);

      assert.equal((await call("/ssh-keys/sshkey-1111111111111111", { method: "PATCH", body: { data: { attributes: { name: "x" } } } })).status, 404);

      await start({ strictUpdate: true });
      const strict = await createKey("strict");
      const rejected = await call(`/ssh-keys/${strict.id}`, { method: "PATCH", body: { data: { attributes: { name: "renamed", value: "NEW" } } } });
      assert.equal(rejected.status, 422);
      assert.equal(rejected.json.errors[0].source.pointer, "/data/attributes/value");
      assert.equal(emu.state.sshKeys.get(strict.id)!.name, "strict");
      assert.equal(emu.state.sshKeys.get(strict.id)!.value, strict.value);
    });

    it("allows duplicate names unless uniqueNames", async () => {
      await createKey("same");
      await createKey("same");
      assert.equal(emu.state.sshKeys.size, 2);

      await start({ uniqueNames: true });
      const first = await createKey("same");
      const other = await createKey("other");
      const dup = await call(keysPath(), { method: "POST", body: { data: { attributes: { name: "same", value: "v" } } } });
      assert.equal(dup.status, 422);
      assert.deepEqual(dup.json.errors, [
        { status: "422", title: "invalid attribute", detail: "Name has already been taken", source: { pointer: "/data/attributes/name" } },
      ]);
      const rename = await call(`/ssh-keys/${other.id}`, { method: "PATCH", body: { data: { attributes: { name: "same" } } } });
      assert.equal(rename.status, 422);
      const self = await call(`/ssh-keys/${first.id}`, { method: "PATCH", body: { data: { attributes: { name: "same" } } } });
      assert.equal(self.status, 200, "keeping its own name is fine");
      // Names are unique per organization only.
      emu.createOrganization("other-org", { members: ["admin"] });
      await createKey("same", {}, "other-org");
    });

    it("deletes with 204 and an empty body; a second delete is 404", async () => {
      const key = await createKey();
      const res = await fetch(`${emu.url}/api/v2/ssh-keys/${key.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${emu.tokens.user}` } });
      assert.equal(res.status, 204);
      assert.equal(await res.text(), "");
      assert.equal(emu.state.sshKeys.has(key.id), false);
      const again = await call(`/ssh-keys/${key.id}`, { method: "DELETE" });
      assert.equal(again.status, 404);
      assert.deepEqual(again.json, BODY_404);
      assert.equal((await call(`/ssh-keys/${key.id}`)).status, 404);
    });

    it("never returns the key text in any response", async () => {
      await start({ unpaginatedMeta: true });
      const a = await createKey("a");
      const b = await createKey("b", { token: emu.tokens.team });
      await call(`/ssh-keys/${a.id}`);
      await call(keysPath());
      await call(`${keysPath()}?page%5Bsize%5D=1`);
      await call(`/ssh-keys/${a.id}`, { method: "PATCH", body: { data: { attributes: { name: "a2", value: "REPLACEMENT-TEXT" } } } });
      await call(`/ssh-keys/${b.id}`, { method: "DELETE" });
      const all = seen.join("\n");
      for (const secret of [a.value, b.value, "REPLACEMENT-TEXT", "BEGIN OPENSSH"]) assert.ok(!all.includes(secret), `${secret.slice(0, 20)} leaked`);
      // ...but the emulator kept what was uploaded.
      assert.equal(emu.state.sshKeys.get(a.id)!.value, a.value);
      assert.ok(emu.requests.some((r) => (r.body as any)?.data?.attributes?.value === b.value), "the request log has the upload");
    });

    it("tolerates a trailing slash (go-tfe v1 base path)", async () => {
      const res = await call(`${keysPath()}/`);
      assert.equal(res.status, 200);
    });
  });

  describe("rate limiting", () => {
    it("answers a burst over 30 requests/second from one user with 429 and a float X-RateLimit-Reset", async () => {
      const burst = await Promise.all(Array.from({ length: 45 }, () => call(keysPath())));
      const limited = burst.filter((r) => r.status === 429);
      const ok = burst.filter((r) => r.status === 200);
      assert.ok(limited.length > 0, "some requests were limited");
      assert.ok(ok.length >= 30, `at least the budget succeeded (${ok.length})`);
      assert.equal(ok.length + limited.length, 45);
      assert.equal(emu.state.rateLimited.length, limited.length);
      assert.ok(emu.state.rateLimited.every((r) => r.userId !== undefined && r.path === "/api/v2/organizations/example-org/ssh-keys"));

      let wait = 0;
      for (const r of limited) {
        assert.deepEqual(r.json, BODY_429);
        assert.equal(r.headers.get("x-ratelimit-limit"), "30");
        assert.equal(r.headers.get("retry-after"), null);
        const reset = r.headers.get("x-ratelimit-reset");
        assert.match(reset ?? "", /^\d+(\.\d+)?$/);
        const seconds = Number.parseFloat(reset!);
        assert.ok(seconds > 0 && seconds <= 1, `reset ${reset}`);
        wait = Math.max(wait, seconds);
      }
      for (const r of ok) assert.equal(r.headers.get("x-ratelimit-limit"), "30");

      // Another user is not limited by the first user's burst.
      const bob = emu.createToken("user", { user: "bob" });
      const bobs = await Promise.all(Array.from({ length: 5 }, () => call(keysPath(), { token: bob })));
      assert.ok(bobs.every((r) => r.status === 200));

      await sleep(wait * 1000 + 20);
      const after = await call(keysPath());
      assert.equal(after.status, 200, "the window refilled");
      assert.equal(emu.state.rateLimited.length, limited.length);
    });

    it("counts per user: tokens of one user share the budget; the team and anonymous budgets are separate", async () => {
      let t = 1_000_000;
      await start({ now: () => t, rateLimitPerSecond: 3 });
      const second = emu.createToken("user", { user: "admin" });
      for (let i = 0; i < 3; i++) assert.equal((await call(keysPath(), { token: i % 2 === 0 ? emu.tokens.user : second })).status, 200);
      assert.equal((await call(keysPath(), { token: second })).status, 429);
      assert.equal((await call(keysPath(), { token: emu.tokens.user })).status, 429);
      assert.equal((await call(keysPath(), { token: emu.tokens.team })).status, 200);
      // Requests without a valid token share one anonymous budget and are limited before the 401.
      for (let i = 0; i < 3; i++) assert.equal((await call("/ping", { token: null })).status, 204);
      const anonymous = await call(keysPath(), { token: "bogus" });
      assert.equal(anonymous.status, 429);
      assert.equal(emu.state.rateLimited.at(-1)!.userId, undefined);
      assert.equal(emu.state.rateLimited.length, 3);
      t += 1000;
      assert.equal((await call(keysPath())).status, 200);
    });

    it("uses 1-second windows from the first request, with an exact reset (injected clock)", async () => {
      let t = 5_000;
      await start({ now: () => t, rateLimitPerSecond: 2, sendRetryAfter: true });
      assert.equal((await call(keysPath())).status, 200);
      t += 250;
      assert.equal((await call(keysPath())).status, 200);
      const limited = await call(keysPath());
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get("x-ratelimit-reset"), "0.75");
      assert.equal(limited.headers.get("x-ratelimit-limit"), "2");
      assert.equal(limited.headers.get("retry-after"), "1");
      assert.equal(limited.headers.get("content-type"), JSON_API);
      t += 500;
      assert.equal((await call(keysPath())).headers.get("x-ratelimit-reset"), "0.25");
      t += 250;
      assert.equal((await call(keysPath())).status, 200);
      assert.deepEqual(
        emu.state.rateLimited.map((r) => r.reset),
        [0.75, 0.25],
      );
      // A limited mutating request did nothing.
      assert.equal((await call(keysPath())).status, 200);
      const post = await call(keysPath(), { method: "POST", body: { data: { attributes: { name: "n", value: "v" } } } });
      assert.equal(post.status, 429);
      assert.equal(emu.state.sshKeys.size, 0);
      emu.resetRateLimits();
      assert.equal((await call(keysPath())).status, 200);
    });

    it("can be disabled with rateLimitPerSecond: 0", async () => {
      await start({ rateLimitPerSecond: 0 });
      const burst = await Promise.all(Array.from({ length: 40 }, () => call(keysPath())));
      assert.ok(burst.every((r) => r.status === 200));
      assert.equal(burst[0]!.headers.get("x-ratelimit-limit"), null);
      assert.equal(emu.state.rateLimited.length, 0);
    });
  });

  describe("faults and the request log", () => {
    it("injects scripted status faults with JSON:API bodies, without processing the request", async () => {
      emu.faults.script(
        { method: "POST", path: "/api/v2/organizations/example-org/ssh-keys", fault: { kind: "status", status: 503 } },
        { method: "GET", fault: { kind: "status", status: 429, retryAfter: 2, headers: { "X-RateLimit-Reset": "0.5" } } },
      );
      const post = await call(keysPath(), { method: "POST", body: { data: { attributes: { name: "n", value: "v" } } } });
      assert.equal(post.status, 503);
      assert.deepEqual(post.json, { errors: [{ status: "503", title: "service unavailable" }] });
      assert.equal(emu.state.sshKeys.size, 0);
      const get = await call(keysPath());
      assert.equal(get.status, 429);
      assert.deepEqual(get.json, BODY_429);
      assert.equal(get.headers.get("retry-after"), "2");
      assert.equal(get.headers.get("x-ratelimit-reset"), "0.5");
      assert.equal(emu.state.rateLimited.length, 0, "injected 429s are not the limiter's");
      assert.deepEqual(emu.faults.injected.map((f) => f.status), [503, 429]);
      assert.equal((await call(keysPath())).status, 200);
    });

    it("drop-after creates the key but the client never hears; reset does nothing", async () => {
      emu.faults.script({ method: "POST", fault: { kind: "drop-after" } }, { method: "POST", fault: { kind: "reset" } });
      await assert.rejects(call(keysPath(), { method: "POST", body: { data: { attributes: { name: "dropped", value: "v1" } } } }));
      assert.equal(emu.state.sshKeys.size, 1);
      assert.equal([...emu.state.sshKeys.values()][0]!.name, "dropped");
      await assert.rejects(call(keysPath(), { method: "POST", body: { data: { attributes: { name: "reset", value: "v2" } } } }));
      assert.equal(emu.state.sshKeys.size, 1);
      const log = emu.requests.filter((r) => r.method === "POST");
      assert.deepEqual(log.map((r) => [r.fault, r.status]), [["drop-after", 201], ["reset", undefined]]);
    });

    it("injects faults at a seeded random rate", async () => {
      emu.faults.setRate({ rate: 0.5, faults: [{ kind: "status", status: 502 }], seed: 7, path: /\/ssh-keys$/ });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await call(keysPath())).status);
      assert.ok(statuses.includes(502) && statuses.includes(200), statuses.join(","));
      assert.equal(statuses.filter((s) => s === 502).length, emu.faults.injected.length);
    });

    it("records every request with its status and headers", async () => {
      await call(keysPath());
      await call(keysPath(), { token: null });
      assert.equal(emu.requests.length, 2);
      assert.deepEqual(emu.requests.map((r) => [r.method, r.path, r.status]), [
        ["GET", "/api/v2/organizations/example-org/ssh-keys", 200],
        ["GET", "/api/v2/organizations/example-org/ssh-keys", 401],
      ]);
      assert.equal(emu.requests[0]!.headers["authorization"], `Bearer ${emu.tokens.user}`);
      emu.requests.clear();
      assert.equal(emu.requests.length, 0);
    });
  });
});
