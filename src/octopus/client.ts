// Octopus Deploy REST client: https://octopus.com/docs/octopus-rest-api
// (facts in reference/octopus-api.md). Only what the two resources need: spaces, users, SshKeyPair
// accounts, user API keys, and the username/password login that bootstraps the first API key.

import { createHash } from "node:crypto";
import type { z } from "zod";
import { describeSources, missingSetting, movedError, parseBaseUrl, resolveSetting, sameEndpoint } from "../core/connection";
import { endpointMoved } from "../core/provider";
import type { SettingSpec, SettingsContext } from "../core/connection";
import { AccessKeysError, ConfigurationError, HttpError, InputError, ResponseValidationError } from "../core/errors";
import { HttpClient, tlsFrom } from "../core/http";
import { NameScope } from "../core/names";
import type { HttpClientOptions, RequestOptions, TlsSettings } from "../core/http";
import {
  AccountSchema,
  ApiKeyCreatedSchema,
  CreatedIdSchema,
  ApiKeySchema,
  SpaceSchema,
  UserSchema,
  octopusErrorMessage,
  pagedSchema,
} from "./schemas";
import type { Account, ApiKey, ApiKeyCreated, OctopusConnectionArgs, Space, SshAccountBody, User } from "./schemas";

export const OCTOPUS_SETTINGS = {
  serverUrl: { label: "Octopus server URL", arg: "connection.serverUrl", config: "octopusdeploy:address", env: ["OCTOPUS_URL"] },
  apiKey: { label: "Octopus API key", arg: "connection.apiKey", config: "octopusdeploy:apiKey", env: ["OCTOPUS_API_KEY", "OCTOPUS_APIKEY"], secret: true },
  username: { label: "Octopus username", arg: "connection.username", env: ["OCTOPUS_USERNAME"] },
  password: { label: "Octopus password", arg: "connection.password", env: ["OCTOPUS_PASSWORD"], secret: true },
  space: { label: "Octopus space", arg: "connection.space", config: "octopusdeploy:spaceId", env: ["OCTOPUS_SPACE"] },
} satisfies Record<string, SettingSpec>;

/** How requests authenticate. */
export type OctopusAuth = { kind: "apiKey"; apiKey: string } | { kind: "login"; username: string; password: string };

/** A resolved Octopus connection. Holds secrets: never logged, never returned as an output. */
export interface OctopusSettings {
  serverUrl: string;
  auth: OctopusAuth;
  /** Space id or name from the connection, if any. */
  space?: string;
  tls?: TlsSettings;
}

/**
 * Resolves the connection for one operation. Server URL and space are resolved setting by setting;
 * credentials as a group, from the most specific source that has any (an API key from the resource
 * argument is never combined with a password from the environment). An API key wins over a username
 * and password given in the same place.
 */
export function resolveOctopusSettings(resource: string, arg: OctopusConnectionArgs | undefined, ctx: SettingsContext): OctopusSettings {
  const url = resolveSetting(OCTOPUS_SETTINGS.serverUrl, arg?.serverUrl, ctx);
  if (!url) throw missingSetting(resource, OCTOPUS_SETTINGS.serverUrl);
  const parsed = parseBaseUrl(resource, "Octopus server URL", url.value, sourceName(OCTOPUS_SETTINGS.serverUrl, url.source));
  const serverUrl = parsed.toString().replace(/\/+$/, "").replace(/\/api$/i, "");

  const fromArg = credentialsFrom(arg?.apiKey, arg?.username, arg?.password);
  const fromConfig = credentialsFrom(ctx.stackConfig["octopusdeploy:apiKey"], undefined, undefined);
  const fromEnv = credentialsFrom(ctx.env.OCTOPUS_API_KEY || ctx.env.OCTOPUS_APIKEY, ctx.env.OCTOPUS_USERNAME, ctx.env.OCTOPUS_PASSWORD);
  const auth = fromArg ?? fromConfig ?? fromEnv;
  if (!auth) {
    throw new ConfigurationError(
      `${resource}: no Octopus credentials are set. Give an API key with ${describeSources(OCTOPUS_SETTINGS.apiKey)}; ` +
        `or, to log in (for example to create the first API key of a new server), a username and password with the resource arguments ` +
        "`connection.username` and `connection.password`, or the environment variables OCTOPUS_USERNAME and OCTOPUS_PASSWORD.",
    );
  }
  if (auth === "incomplete") {
    throw new ConfigurationError(
      `${resource}: an Octopus username was given without a password, or a password without a username. Give both ` +
        "(connection.username and connection.password, or OCTOPUS_USERNAME and OCTOPUS_PASSWORD), or give an API key instead.",
    );
  }
  const space = resolveSetting(OCTOPUS_SETTINGS.space, arg?.space, ctx);
  return { serverUrl, auth, ...(space ? { space: space.value } : {}), ...tlsFrom(arg) };
}

function credentialsFrom(apiKey: string | undefined, username: string | undefined, password: string | undefined): OctopusAuth | "incomplete" | undefined {
  if (apiKey && apiKey.trim()) return { kind: "apiKey", apiKey: apiKey.trim() };
  const u = username?.trim();
  if (u && password) return { kind: "login", username: u, password };
  if (u || password) return "incomplete";
  return undefined;
}

function sourceName(spec: SettingSpec, source: string): string {
  if (source === "argument") return `the resource argument ${spec.arg}`;
  if (source === "config") return `stack config ${spec.config}`;
  return `the environment (${(spec.env ?? []).join(" or ")})`;
}

/** A cookie session from `POST /api/users/login`. */
interface Session {
  cookie: string;
  csrfToken: string;
  user: User;
}

// Per provider process: one login per server and user, one space list and one "who am I" per
// server and credential. Keys hash the credential so no secret sits in a map key.
const sessions = new Map<string, Promise<Session>>();
const spaceCache = new Map<string, Promise<Space[]>>();
const meCache = new Map<string, Promise<User>>();
const userByNameCache = new Map<string, Promise<User>>();

/** Forgets every cached session and lookup (tests). */
export function resetOctopusCaches(): void {
  sessions.clear();
  spaceCache.clear();
  meCache.clear();
  userByNameCache.clear();
}

const SPACE_ID = /^Spaces-\d+$/;
const USER_ID = /^Users-\d+$/;
const TAKE_ALL = 1000;

/**
 * A client for an object in state that lives on `endpoint` (the server URL recorded at create):
 * settings that now resolve to another server are refused, so nothing is read, changed or deleted on
 * the wrong server. States from before `endpoint` was recorded are not checked.
 */
export function octopusClientAt(resource: string, id: string, endpoint: unknown, connection: OctopusConnectionArgs | undefined, ctx: SettingsContext): OctopusClient {
  const client = new OctopusClient(resolveOctopusSettings(resource, connection, ctx));
  if (typeof endpoint === "string" && endpoint && !sameEndpoint(endpoint, client.settings.serverUrl)) throw movedError(resource, id, endpoint, client.settings.serverUrl);
  return client;
}

/** Whether an Octopus object moved to another server (replace), or an error when config or the environment moved it (see endpointMoved). */
export function octopusMoved(resource: string, id: string, olds: Record<string, any>, news: Record<string, any>, ctx: SettingsContext): Promise<boolean> {
  return endpointMoved(
    resource,
    id,
    olds,
    news,
    () => resolveOctopusSettings(resource, news.connection, ctx).serverUrl,
    sameEndpoint,
    (connection) => typeof connection?.serverUrl === "string" && connection.serverUrl.trim() !== "",
  );
}

/** Octopus client for one resolved connection. */
export class OctopusClient {
  readonly settings: OctopusSettings;
  private readonly http: HttpClient;
  private readonly credentialKey: string;
  private session: Session | undefined;

  constructor(settings: OctopusSettings, httpOptions: Partial<HttpClientOptions> = {}) {
    this.settings = settings;
    const secret = settings.auth.kind === "apiKey" ? settings.auth.apiKey : `${settings.auth.username}\0${settings.auth.password}`;
    this.credentialKey = `${settings.serverUrl}|${createHash("sha256").update(secret).digest("hex")}`;
    this.http = new HttpClient({
      service: "Octopus",
      baseUrl: settings.serverUrl,
      errorMessage: octopusErrorMessage,
      headers: () => this.authHeaders(),
      secrets: () => this.secrets(),
      ...(settings.tls ? { tls: settings.tls } : {}),
      ...httpOptions,
    });
  }

  /** Every secret this client holds, for redaction. */
  secrets(): string[] {
    const out: string[] = [];
    if (this.settings.auth.kind === "apiKey") out.push(this.settings.auth.apiKey);
    else out.push(this.settings.auth.password);
    if (this.session) out.push(this.session.csrfToken, this.session.cookie, ...this.session.cookie.split("; ").map((c) => c.split("=").slice(1).join("=")));
    return out;
  }

  private authHeaders(): Record<string, string> {
    if (this.settings.auth.kind === "apiKey") return { "x-octopus-apikey": this.settings.auth.apiKey };
    if (!this.session) return {};
    return { cookie: this.session.cookie, "x-octopus-csrf-token": this.session.csrfToken };
  }

  /** Sends a request with this connection's credentials, logging in first when it uses a password. */
  async request<T>(req: RequestOptions<T>) {
    if (this.settings.auth.kind === "login") {
      const used = this.login();
      this.session = await used;
      try {
        return await this.http.request(req);
      } catch (error) {
        // A session can expire or be revoked between operations: log in again, once. Only the session
        // that failed is forgotten, so every operation it failed for shares one new login.
        if (!HttpError.isInstance(error) || error.status !== 401) throw error;
        if (sessions.get(this.credentialKey) === used) sessions.delete(this.credentialKey);
        this.session = await this.login();
      }
    }
    return this.http.request(req);
  }

  /**
   * Logs in with username and password (seed 004): the answer sets the session cookie and the
   * anti-forgery cookie, whose value must be echoed in `X-Octopus-Csrf-Token` on every change.
   * One login per server and user per process.
   */
  login(): Promise<Session> {
    const auth = this.settings.auth;
    if (auth.kind !== "login") throw new Error("login() needs username/password credentials");
    let pending = sessions.get(this.credentialKey);
    if (!pending) {
      pending = this.doLogin(auth.username, auth.password);
      sessions.set(this.credentialKey, pending);
      pending.catch(() => sessions.delete(this.credentialKey));
    }
    return pending;
  }

  private async doLogin(username: string, password: string): Promise<Session> {
    let res;
    try {
      res = await this.http.request({
        method: "POST",
        path: "/api/users/login",
        body: { Username: username, Password: password, RememberMe: false },
        // Logging in creates no object: repeating it is harmless.
        idempotent: true,
        schema: UserSchema,
        what: "login",
      });
    } catch (error) {
      if (HttpError.isInstance(error) && (error.status === 400 || error.status === 401)) {
        error.message = `Octopus login as '${username}' was refused: ${error.message}. Check the username and password.`;
      }
      throw error;
    }
    const setCookie = res.headers["set-cookie"];
    const cookies = (Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []).map((c) => c.split(";")[0]!.trim());
    const session = cookies.find((c) => c.startsWith("OctopusIdentificationToken"));
    const csrf = cookies.find((c) => c.startsWith("Octopus-Csrf-Token"));
    if (!session || !csrf) {
      throw new AccessKeysError(
        "UNAUTHORIZED",
        `Octopus login as '${username}' succeeded but the server set no session cookie (got ${cookies.map((c) => c.split("=")[0]).join(", ") || "none"}); ` +
          "this server may require another sign-in method: use an API key instead.",
      );
    }
    // The CSRF header carries the cookie's value byte for byte, still URL-encoded.
    const csrfToken = csrf.slice(csrf.indexOf("=") + 1);
    return { cookie: `${session}; ${csrf}`, csrfToken, user: res.body };
  }

  /** The user the credentials belong to (login answer, or `GET /api/users/me`). */
  async currentUser(): Promise<User> {
    if (this.settings.auth.kind === "login") return (await this.login()).user;
    let pending = meCache.get(this.credentialKey);
    if (!pending) {
      pending = this.request({ method: "GET", path: "/api/users/me", schema: UserSchema, what: "the current user" }).then((r) => r.body);
      meCache.set(this.credentialKey, pending);
      pending.catch(() => meCache.delete(this.credentialKey));
    }
    return pending;
  }

  /** Resolves a user given as an id (`Users-12`, no request), a username, or nothing (the caller). */
  async resolveUserId(user: string | undefined): Promise<string> {
    if (!user) return (await this.currentUser()).Id;
    if (USER_ID.test(user)) return user;
    const key = `${this.credentialKey}|${user.toLowerCase()}`;
    let pending = userByNameCache.get(key);
    if (!pending) {
      pending = this.findUserByName(user);
      userByNameCache.set(key, pending);
      pending.catch(() => userByNameCache.delete(key));
    }
    return (await pending).Id;
  }

  private async findUserByName(username: string): Promise<User> {
    if (this.settings.auth.kind === "login") {
      const me = (await this.login()).user;
      if (me.Username.toLowerCase() === username.toLowerCase()) return me;
    }
    const users = await this.listAll("/api/users", { filter: username }, UserSchema, "users");
    const match = users.find((u) => u.Username.toLowerCase() === username.toLowerCase());
    if (!match) {
      throw new InputError("user", `no Octopus user named '${username}' on ${this.settings.serverUrl}; give an existing username or a user id (Users-N)`);
    }
    return match;
  }

  /**
   * Resolves a space given as an id (no request), a name, or nothing (the connection's space, else the
   * server's default space). Names and the default need the space list: one request per process.
   */
  async resolveSpaceId(space: string | undefined): Promise<string> {
    const wanted = space ?? this.settings.space;
    if (wanted && SPACE_ID.test(wanted)) return wanted;
    const spaces = await this.spaces();
    if (!wanted) {
      const def = spaces.find((s) => s.IsDefault);
      if (!def) throw new InputError("space", `the Octopus server has no default space; set \`space\` (a space id like Spaces-1 or a space name)`);
      return def.Id;
    }
    const exact = spaces.find((s) => s.Name === wanted) ?? spaces.find((s) => s.Name.toLowerCase() === wanted.toLowerCase() || s.Slug === wanted);
    if (!exact) {
      const names = spaces.map((s) => `'${s.Name}'`).slice(0, 10).join(", ");
      throw new InputError("space", `no Octopus space named '${wanted}'${names ? ` (spaces visible to these credentials: ${names})` : ""}; give an existing space name or id`);
    }
    return exact.Id;
  }

  private spaces(): Promise<Space[]> {
    let pending = spaceCache.get(this.credentialKey);
    if (!pending) {
      pending = this.listAll("/api/spaces", {}, SpaceSchema, "spaces");
      spaceCache.set(this.credentialKey, pending);
      pending.catch(() => spaceCache.delete(this.credentialKey));
    }
    return pending;
  }

  /** Pages through a collection, following `Page.Next` as the official clients do. */
  private async listAll<S extends z.ZodType>(path: string, query: Record<string, string>, item: S, what: string): Promise<z.infer<S>[]> {
    const items: z.infer<S>[] = [];
    let skip = 0;
    for (let page = 0; page < 100; page++) {
      const res = await this.request({ method: "GET", path, query: { ...query, skip, take: TAKE_ALL }, schema: pagedSchema(item), what });
      items.push(...(res.body.Items as z.infer<S>[]));
      if (!res.body.Links?.["Page.Next"] || res.body.Items.length === 0) break;
      skip += res.body.Items.length;
    }
    return items;
  }

  // ---- accounts -------------------------------------------------------------------------------

  /**
   * Sends one account create. POST is not idempotent: the caller decides what to do when the outcome
   * is unknown (core/ownership.ts).
   */
  async postAccount(spaceId: string, body: SshAccountBody): Promise<Account> {
    const path = `/api/${encodeURIComponent(spaceId)}/accounts`;
    return (await this.request({ method: "POST", path, body, schema: AccountSchema, what: "the created account" })).body;
  }

  /**
   * The names of the space's accounts as this process knows them (core/names.ts): one listing per
   * space and credential. Octopus compares account names without regard to letter case.
   */
  accountNames(spaceId: string): NameScope {
    return new NameScope(
      `octopus|${this.credentialKey}|${spaceId}|accounts`,
      async () => (await this.listAll(`/api/${encodeURIComponent(spaceId)}/accounts`, {}, AccountSchema, "accounts")).map((a) => ({ id: a.Id, name: a.Name, type: a.AccountType })),
      (name) => name.toLowerCase(),
    );
  }

  async getAccount(spaceId: string, id: string): Promise<Account | undefined> {
    const res = await this.request({
      method: "GET",
      path: `/api/${encodeURIComponent(spaceId)}/accounts/${encodeURIComponent(id)}`,
      schema: AccountSchema,
      what: `account ${id}`,
      allowStatus: [404],
    });
    return res.status === 404 ? undefined : res.body;
  }

  /**
   * Proves that an account the API answered 404 for is gone, or throws: Octopus answers 404 for a
   * deleted account and also inside a space these credentials cannot see (or that was deleted), so the
   * space itself is read first. (No permission to view accounts is a 401 or 403, never taken as gone.)
   */
  async confirmAccountGone(spaceId: string, id: string): Promise<void> {
    const res = await this.request({ method: "GET", path: `/api/spaces/${encodeURIComponent(spaceId)}`, schema: SpaceSchema, what: `space ${spaceId}`, allowStatus: [403, 404] });
    if (res.status === 200) return;
    throw new AccessKeysError(
      "FORBIDDEN",
      `Octopus answered 404 for account ${id} in ${spaceId}, and ${res.status} for the space itself: the space is gone or these credentials cannot see it, ` +
        `so whether the account still exists cannot be told; it was kept in the state. Refresh with an API key (or user) that can see ${spaceId} on ${this.settings.serverUrl}`,
    );
  }

  async updateAccount(spaceId: string, id: string, body: SshAccountBody): Promise<Account> {
    const res = await this.request({
      method: "PUT",
      path: `/api/${encodeURIComponent(spaceId)}/accounts/${encodeURIComponent(id)}`,
      body: { ...body, Id: id },
      schema: AccountSchema,
      what: `account ${id}`,
    });
    return res.body;
  }

  /** Deletes an account; false when it was already gone. */
  async deleteAccount(spaceId: string, id: string): Promise<boolean> {
    const res = await this.request({
      method: "DELETE",
      path: `/api/${encodeURIComponent(spaceId)}/accounts/${encodeURIComponent(id)}`,
      allowStatus: [404],
    });
    return res.status !== 404;
  }

  /** The account with exactly this name in the space, if any. */
  async findAccountByName(spaceId: string, name: string): Promise<Account | undefined> {
    const all = await this.listAll(`/api/${encodeURIComponent(spaceId)}/accounts`, { partialName: name }, AccountSchema, "accounts");
    return all.find((a) => a.Name === name) ?? all.find((a) => a.Name.toLowerCase() === name.toLowerCase());
  }

  // ---- API keys -------------------------------------------------------------------------------

  /**
   * Creates an API key. The value is in this answer only. Not idempotent, and a key has no unique
   * name to look up, so it is retried only when the server provably did not process the request
   * (429, connection refused); any other failure is reported, never retried blindly.
   */
  async createApiKey(userId: string, purpose: string, expires: string | undefined): Promise<ApiKeyCreated> {
    const res = await this.request({
      method: "POST",
      path: `/api/users/${encodeURIComponent(userId)}/apikeys`,
      body: { Purpose: purpose, ...(expires ? { Expires: expires } : {}) },
      schema: CreatedIdSchema,
      what: "the created API key",
    });
    const key = ApiKeyCreatedSchema.safeParse(res.body);
    if (key.success) return key.data;
    // The key exists (it has an id) but its answer cannot be used: report the id, so the engine
    // records the key (and the next `up` replaces it, revoking this one) instead of orphaning it.
    const error = new ResponseValidationError(
      "the created API key",
      key.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(body)"}: ${i.message}`),
    );
    error.id = res.body.Id;
    error.properties = { apiKeyId: res.body.Id, userId: typeof res.body.UserId === "string" ? res.body.UserId : userId, purpose };
    throw error;
  }

  /** Every API key of a user (values are never listed): how recovery finds a key whose create answer was lost. */
  async listApiKeys(userId: string): Promise<ApiKey[]> {
    return this.listAll(`/api/users/${encodeURIComponent(userId)}/apikeys`, {}, ApiKeySchema, "API keys");
  }

  async getApiKey(userId: string, id: string): Promise<ApiKey | undefined> {
    const res = await this.request({
      method: "GET",
      path: `/api/users/${encodeURIComponent(userId)}/apikeys/${encodeURIComponent(id)}`,
      schema: ApiKeySchema,
      what: `API key ${id}`,
      allowStatus: [404],
    });
    return res.status === 404 ? undefined : res.body;
  }

  /**
   * Proves that an API key the API answered 404 for is gone, or throws: the user's key list must be
   * readable with these credentials and lack it (a user that no longer exists has no keys).
   */
  async confirmApiKeyGone(userId: string, id: string): Promise<void> {
    let keys: ApiKey[];
    try {
      keys = await this.listApiKeys(userId);
    } catch (error) {
      if (HttpError.isInstance(error) && error.status === 404) return;
      if (HttpError.isInstance(error) && (error.status === 401 || error.status === 403)) {
        throw new AccessKeysError(
          "FORBIDDEN",
          `Octopus answered 404 for API key ${id} of ${userId}, and ${error.status} for that user's key list: whether the key still exists cannot be told with these credentials; it was kept in the state. ` +
            `Refresh with the user's own credentials or an administrator's`,
        );
      }
      throw error;
    }
    if (keys.some((k) => k.Id === id)) {
      throw new AccessKeysError("FORBIDDEN", `Octopus answered 404 for API key ${id} of ${userId} but lists it: whether it exists cannot be told; it was kept in the state`);
    }
  }

  /** Revokes an API key; false when it was already gone. */
  async deleteApiKey(userId: string, id: string): Promise<boolean> {
    const res = await this.request({
      method: "DELETE",
      path: `/api/users/${encodeURIComponent(userId)}/apikeys/${encodeURIComponent(id)}`,
      allowStatus: [404],
    });
    return res.status !== 404;
  }
}
