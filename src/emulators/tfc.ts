// A local HCP Terraform / Terraform Enterprise emulator: the slice of the platform API that a
// client of the `ssh-keys` resource needs (service discovery, ping, bearer-token auth with user,
// team and organization tokens, JSON:API framing and errors, pagination, the per-user rate limit).
// It follows /work/shared/reference/tfc-api.md; where the reference marks a behaviour as
// unverified, the emulator makes it an option so clients can be tested both ways.
//
// State lives in plain Maps on `state`. The SSH key text is write-only in the API (never in any
// response) but kept on `state.sshKeys` entries so tests can check what was uploaded. Tokens are
// stored as SHA-256 hashes; the plaintext is only returned by `createToken` and `tokens`.

import { createHash, randomInt } from "node:crypto";
import {
  clockFrom,
  emptyResponse,
  jsonResponse,
  startEmulatorServer,
  type EmulatorRequest,
  type EmulatorResponse,
  type FaultInjector,
  type RequestLog,
} from "./server";

// ---------------------------------------------------------------------------------------------
// Public types

/** The kinds of API token the emulator issues (audit-trail tokens are not modelled). */
export type TfcTokenKind = "user" | "team" | "organization";

/** Options for {@link startTfcEmulator}. */
export interface TfcEmulatorOptions {
  /** @default "127.0.0.1" */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** A fixed delay before every answer, in ms: the service latency benchmarks run with. @default 0 */
  latencyMs?: number;
  /** Name of the seeded organization. @default "example-org" */
  organization?: string;
  /** Username of the seeded user (a member of the seeded organization). @default "admin" */
  username?: string;
  /**
   * Requests per second allowed per user (tokens of one user share the budget; requests without a
   * valid token share one anonymous budget). Counted in 1-second windows that start at a user's
   * first request. 0 disables the limiter and the `X-RateLimit-Limit` header. @default 30
   */
  rateLimitPerSecond?: number;
  /** Also send `Retry-After` (whole seconds, rounded up) on rate-limited answers (unverified). @default false */
  sendRetryAfter?: boolean;
  /** Answer 415 to a DELETE without the JSON:API Content-Type, like POST/PATCH (unverified). @default false */
  requireContentTypeOnDelete?: boolean;
  /**
   * Status for a create/update body whose `data.type` is present but not `ssh-keys`, or a PATCH whose
   * `data.id` differs from the URL (unverified; JSON:API says 409). `null` accepts them. A missing
   * `data.type` is always accepted. @default 409
   */
  wrongTypeStatus?: number | null;
  /** Answer 422 to a PATCH that carries `value` instead of silently ignoring it (unverified). @default false */
  strictUpdate?: boolean;
  /** Reject a second key with the same name in an organization with 422 (unverified). @default false */
  uniqueNames?: boolean;
  /** Status for an organization token on the ssh-key endpoints (users observe 404). @default 404 */
  organizationTokenStatus?: number;
  /** Add `links` and `meta.pagination` to the unpaginated list form (unverified). @default false */
  unpaginatedMeta?: boolean;
  /** Ignore `page[number]`/`page[size]` and always return every key, like older TFE releases. @default false */
  ignorePageParams?: boolean;
  /** `TFP-AppName` header; anything but "HCP Terraform" makes go-tfe v1 treat the server as TFE. @default "HCP Terraform" */
  appName?: string;
  /** `TFP-API-Version` header. @default "2.5" */
  apiVersion?: string;
  /** When set, sent as `X-TFE-Version` (a TFE release string such as "202205-1"). @default undefined */
  tfeVersion?: string;
  /** Clock in epoch milliseconds or a Date (drives the rate-limit windows). @default Date.now */
  now?: () => number | Date;
}

/** A stored organization. Its JSON:API id is its name. */
export interface TfcOrganizationRecord {
  name: string;
  /** `org-…`, the `external-id` attribute. */
  externalId: string;
  email: string;
  createdAt: number;
}

/** A stored user (people, and the service users behind team and organization tokens). */
export interface TfcUserRecord {
  /** `user-…` */
  id: string;
  username: string;
  email: string;
  isServiceAccount: boolean;
  /** Names of the organizations the user is a member of (user tokens reach these). */
  organizations: Set<string>;
}

/** A stored team (each team token gets its own team). */
export interface TfcTeamRecord {
  /** `team-…` */
  id: string;
  name: string;
  organization: string;
  /** The service user that acts for the team's token. */
  serviceUserId: string;
}

/** A stored API token. The plaintext is never stored. */
export interface TfcTokenRecord {
  /** `at-…` */
  id: string;
  kind: TfcTokenKind;
  /** The user the token acts as (a service user for team and organization tokens); rate limits key on it. */
  userId: string;
  /** Team and organization tokens: the organization they belong to. */
  organization?: string;
  /** Team tokens: the team. */
  teamId?: string;
  /** SHA-256 (hex) of the plaintext token. */
  tokenHash: string;
  createdAt: number;
}

/** A stored SSH key, including the write-only key text exactly as uploaded. */
export interface TfcSshKeyRecord {
  /** `sshkey-` + 16 base58 characters. */
  id: string;
  organization: string;
  name: string;
  /** The key text as sent on create. Never in any response. */
  value: string;
  createdAt: number;
  updatedAt: number;
}

/** A request the rate limiter rejected with 429. */
export interface TfcRateLimitedRequest {
  /** The user whose budget was exhausted; `undefined` for the anonymous budget. */
  userId: string | undefined;
  method: string;
  path: string;
  at: number;
  /** The `X-RateLimit-Reset` value sent, in seconds. */
  reset: number;
}

/** Everything the emulator stores. Mutable for tests. */
export interface TfcEmulatorState {
  /** Keyed by name. */
  readonly organizations: Map<string, TfcOrganizationRecord>;
  /** Keyed by id. */
  readonly users: Map<string, TfcUserRecord>;
  /** Keyed by id. */
  readonly teams: Map<string, TfcTeamRecord>;
  /** Keyed by id (`at-…`). */
  readonly tokens: Map<string, TfcTokenRecord>;
  /** Keyed by id, in creation order. */
  readonly sshKeys: Map<string, TfcSshKeyRecord>;
  /** Every request answered 429 by the rate limiter (not by fault injection), in order. */
  readonly rateLimited: TfcRateLimitedRequest[];
}

/** Arguments of `createToken`. */
export interface CreateTfcTokenOptions {
  /**
   * Team and organization tokens: their organization. User tokens: the user is made a member of it.
   * @default the seeded organization (for user tokens: only when the user is new)
   */
  organization?: string;
  /** User tokens: the username; created (as a member of `organization`) when missing. @default the seeded user */
  user?: string;
}

/** A running HCP Terraform emulator. */
export interface TfcEmulator {
  /** Base URL without `/api/v2`, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly state: TfcEmulatorState;
  readonly requests: RequestLog;
  readonly faults: FaultInjector;
  /** Name of the seeded organization. */
  readonly organization: string;
  /** Username of the seeded user. */
  readonly username: string;
  /** Plaintext tokens seeded for the seeded organization: its user, its "owners" team, the organization itself. */
  readonly tokens: { readonly user: string; readonly team: string; readonly organization: string };
  /** Adds an organization directly; `members` are usernames (created when missing). */
  createOrganization(name: string, options?: { email?: string; members?: string[] }): TfcOrganizationRecord;
  /**
   * Mints a token and returns its plaintext. A team token gets a new team in the organization; an
   * organization token replaces the organization's previous one (one per organization).
   */
  createToken(kind: TfcTokenKind, options?: CreateTfcTokenOptions): string;
  /** Forgets every rate-limit window (the next request of every user starts a fresh one). */
  resetRateLimits(): void;
  /** The emulator's current time in epoch ms (the `now` option). */
  now(): number;
  /** Stops the server and closes every connection. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Constants and helpers

/** The JSON:API media type: required on mutating requests, sent on every API response. */
export const JSON_API_MEDIA_TYPE = "application/vnd.api+json";

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const API = "/api/v2";
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

const TITLES: Record<number, string> = {
  400: "bad request",
  401: "unauthorized",
  403: "forbidden",
  404: "not found",
  405: "method not allowed",
  409: "conflict",
  415: "unsupported media type",
  422: "invalid attribute",
  500: "internal server error",
  502: "bad gateway",
  503: "service unavailable",
  504: "gateway timeout",
};

/** A JSON:API error object. `status` is a string except in the documented 429 body. */
interface JsonApiError {
  status: string | number;
  title: string;
  detail?: string;
  source?: { pointer: string };
}

/** An error answered as a JSON:API error document. Thrown by route handlers. */
class TfcError extends Error {
  constructor(
    readonly status: number,
    readonly errors: JsonApiError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => e.detail ?? e.title).join("; "));
  }
}

function titleOf(status: number): string {
  return TITLES[status] ?? `error ${status}`;
}

const simpleError = (status: number, detail?: string): TfcError =>
  new TfcError(status, [{ status: String(status), title: titleOf(status), ...(detail === undefined ? {} : { detail }) }]);
/** `{"errors":[{"status":"404","title":"not found"}]}` exactly. */
const notFound = (): TfcError => simpleError(404);
const invalidAttribute = (detail: string, attribute: string): JsonApiError => ({
  status: "422",
  title: "invalid attribute",
  detail,
  source: { pointer: `/data/attributes/${attribute}` },
});

/** The documented 429 body (note the numeric `status`). */
function rateLimitBody(): { errors: JsonApiError[] } {
  return { errors: [{ detail: "You have exceeded the API's rate limit.", status: 429, title: "Too many requests" }] };
}

/** The body for status faults and handler crashes: JSON:API shaped (the reference body for 429). */
function tfcErrorBody(status: number, message: string): unknown {
  if (status === 429) return rateLimitBody();
  return { errors: [{ status: String(status), title: TITLES[status] ?? message.toLowerCase() }] };
}

function randomChars(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Rails' `blank?` for the attributes we validate: missing, non-string, or only whitespace. */
function isBlank(value: unknown): boolean {
  return typeof value !== "string" || value.trim() === "";
}

/** Seconds as a short float string, e.g. 0.25 → "0.25", never "0". */
function formatSeconds(seconds: number): string {
  return String(Math.max(0.001, Math.round(seconds * 1000) / 1000));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `page[number]`: a positive integer, else 1. */
function pageNumber(raw: string | undefined): number {
  const n = Number(raw);
  return raw !== undefined && Number.isInteger(n) && n >= 1 ? n : 1;
}

/** `page[size]`: a positive integer clamped to 100, else 20. */
function pageSize(raw: string | undefined): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < 1) return DEFAULT_PAGE_SIZE;
  return Math.min(n, MAX_PAGE_SIZE);
}

// ---------------------------------------------------------------------------------------------
// The emulator

interface Auth {
  token: TfcTokenRecord;
  user: TfcUserRecord;
}

interface Ctx {
  req: EmulatorRequest;
  /** Decoded path segments after `/api/v2`. */
  params: string[];
  /** `undefined` only on anonymous routes. */
  auth: Auth | undefined;
  /** Scheme + host of the request, for absolute links. */
  origin: string;
  now: number;
}

type RouteHandler = (ctx: Ctx) => EmulatorResponse;

interface Route {
  /** Path segments after `/api/v2`; `:x` matches any one segment. */
  segments: string[];
  anonymous?: boolean;
  methods: Partial<Record<string, RouteHandler>>;
}

/** Starts an HCP Terraform emulator on a free port. Close it with `close()`. */
export async function startTfcEmulator(options: TfcEmulatorOptions = {}): Promise<TfcEmulator> {
  const seededOrg = options.organization ?? "example-org";
  const seededUsername = options.username ?? "admin";
  const rateLimit = options.rateLimitPerSecond ?? 30;
  if (!(Number.isInteger(rateLimit) && rateLimit >= 0)) throw new RangeError(`rateLimitPerSecond must be a non-negative integer, got ${rateLimit}`);
  const sendRetryAfter = options.sendRetryAfter ?? false;
  const requireContentTypeOnDelete = options.requireContentTypeOnDelete ?? false;
  const wrongTypeStatus = options.wrongTypeStatus === undefined ? 409 : options.wrongTypeStatus;
  const strictUpdate = options.strictUpdate ?? false;
  const uniqueNames = options.uniqueNames ?? false;
  const organizationTokenStatus = options.organizationTokenStatus ?? 404;
  const unpaginatedMeta = options.unpaginatedMeta ?? false;
  const ignorePageParams = options.ignorePageParams ?? false;
  const appName = options.appName ?? "HCP Terraform";
  const apiVersion = options.apiVersion ?? "2.5";
  const tfeVersion = options.tfeVersion;
  const now = clockFrom(options.now);

  const state: TfcEmulatorState = {
    organizations: new Map(),
    users: new Map(),
    teams: new Map(),
    tokens: new Map(),
    sshKeys: new Map(),
    rateLimited: [],
  };

  // --- state operations shared by the helpers and the routes -----------------------------------

  const uniqueId = (prefix: string, taken: (id: string) => boolean): string => {
    for (;;) {
      const id = `${prefix}-${randomChars(BASE58, 16)}`;
      if (!taken(id)) return id;
    }
  };

  const findUser = (username: string): TfcUserRecord | undefined => [...state.users.values()].find((u) => u.username === username);

  const addUser = (username: string, isServiceAccount: boolean): TfcUserRecord => {
    if (findUser(username) !== undefined) throw new Error(`A user named '${username}' already exists`);
    const user: TfcUserRecord = {
      id: uniqueId("user", (id) => state.users.has(id)),
      username,
      email: isServiceAccount ? "" : `${username}@example.com`,
      isServiceAccount,
      organizations: new Set(),
    };
    state.users.set(user.id, user);
    return user;
  };

  const requireOrg = (name: string): TfcOrganizationRecord => {
    const org = state.organizations.get(name);
    if (org === undefined) throw new Error(`No organization '${name}'`);
    return org;
  };

  const addOrganization = (name: string, o: { email?: string; members?: string[] } = {}): TfcOrganizationRecord => {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`Invalid organization name '${name}' (letters, digits, '-' and '_' only)`);
    if (state.organizations.has(name)) throw new Error(`An organization named '${name}' already exists`);
    const org: TfcOrganizationRecord = {
      name,
      externalId: `org-${randomChars(BASE58, 16)}`,
      email: o.email ?? `admin@${name}.example.com`,
      createdAt: now(),
    };
    state.organizations.set(name, org);
    for (const username of o.members ?? []) (findUser(username) ?? addUser(username, false)).organizations.add(name);
    return org;
  };

  const mintToken = (kind: TfcTokenKind, userId: string, extra: { organization?: string; teamId?: string }): string => {
    const plaintext = `${randomChars(ALNUM, 14)}.atlasv1.${randomChars(ALNUM, 67)}`;
    const record: TfcTokenRecord = {
      id: uniqueId("at", (id) => state.tokens.has(id)),
      kind,
      userId,
      ...extra,
      tokenHash: sha256(plaintext),
      createdAt: now(),
    };
    state.tokens.set(record.id, record);
    return plaintext;
  };

  let teamCounter = 0;
  const createToken = (kind: TfcTokenKind, o: CreateTfcTokenOptions = {}): string => {
    switch (kind) {
      case "user": {
        let user = findUser(o.user ?? seededUsername);
        if (user === undefined) {
          user = addUser(o.user ?? seededUsername, false);
          user.organizations.add(requireOrg(o.organization ?? seededOrg).name);
        } else if (o.organization !== undefined) {
          user.organizations.add(requireOrg(o.organization).name);
        }
        if (user.isServiceAccount) throw new Error(`'${user.username}' is a service user; it has no user tokens`);
        return mintToken("user", user.id, {});
      }
      case "team": {
        const org = requireOrg(o.organization ?? seededOrg);
        const name = teamCounter === 0 ? "owners" : `team-${teamCounter}`;
        teamCounter++;
        const teamId = uniqueId("team", (id) => state.teams.has(id));
        const serviceUser = addUser(`api-${teamId}`, true);
        state.teams.set(teamId, { id: teamId, name, organization: org.name, serviceUserId: serviceUser.id });
        return mintToken("team", serviceUser.id, { organization: org.name, teamId });
      }
      case "organization": {
        const org = requireOrg(o.organization ?? seededOrg);
        // One organization token per organization: a new one replaces the old one.
        for (const [id, t] of state.tokens) if (t.kind === "organization" && t.organization === org.name) state.tokens.delete(id);
        const username = `api-org-${org.name}`;
        const serviceUser = findUser(username) ?? addUser(username, true);
        return mintToken("organization", serviceUser.id, { organization: org.name });
      }
      default:
        throw new Error(`Unknown token kind '${String(kind)}'`);
    }
  };

  // --- seed ---------------------------------------------------------------------------------------

  addOrganization(seededOrg, { members: [seededUsername] });
  const tokens = {
    user: createToken("user", { user: seededUsername }),
    team: createToken("team", { organization: seededOrg }),
    organization: createToken("organization", { organization: seededOrg }),
  };

  // --- rate limiter -------------------------------------------------------------------------------

  // Fixed 1-second windows per user, each starting at the user's first request after the previous
  // one ran out. Returns the seconds until the window refills when the request is over the limit.
  const windows = new Map<string, { start: number; count: number }>();
  const overLimit = (key: string, t: number): number | undefined => {
    if (rateLimit === 0) return undefined;
    let w = windows.get(key);
    if (w === undefined || t - w.start >= 1000 || t < w.start) {
      w = { start: t, count: 0 };
      windows.set(key, w);
    }
    w.count++;
    return w.count > rateLimit ? (w.start + 1000 - t) / 1000 : undefined;
  };

  // --- documents ----------------------------------------------------------------------------------

  const sshKeyResource = (k: TfcSshKeyRecord): unknown => ({
    id: k.id,
    type: "ssh-keys",
    attributes: { name: k.name },
    links: { self: `${API}/ssh-keys/${k.id}` },
  });

  const organizationResource = (o: TfcOrganizationRecord): unknown => ({
    id: o.name,
    type: "organizations",
    attributes: { name: o.name, email: o.email, "external-id": o.externalId, "created-at": iso(o.createdAt) },
    links: { self: `${API}/organizations/${encodeURIComponent(o.name)}` },
  });

  const userResource = (u: TfcUserRecord): unknown => ({
    id: u.id,
    type: "users",
    attributes: {
      username: u.username,
      email: u.email,
      "is-service-account": u.isServiceAccount,
      "is-site-admin": false,
      "avatar-url": "https://www.gravatar.com/avatar/00000000000000000000000000000000?s=100&d=mm",
      "unconfirmed-email": null,
      "two-factor": { enabled: false, verified: false },
    },
    links: { self: `${API}/users/${u.id}` },
  });

  const api = (status: number, body: unknown): EmulatorResponse => jsonResponse(status, body, { "content-type": JSON_API_MEDIA_TYPE });

  // --- access rules -------------------------------------------------------------------------------

  const canReachOrg = (auth: Auth, org: string): boolean =>
    auth.token.kind === "user" ? auth.user.organizations.has(org) : auth.token.organization === org;

  /** The org of an ssh-key route, or 404 (missing, no rights) / organizationTokenStatus. */
  const sshKeyAccess = (auth: Auth, org: string): TfcOrganizationRecord => {
    if (auth.token.kind === "organization") throw simpleError(organizationTokenStatus);
    const record = state.organizations.get(org);
    if (record === undefined || !canReachOrg(auth, org)) throw notFound();
    return record;
  };

  const keyFor = (ctx: Ctx): TfcSshKeyRecord => {
    const key = state.sshKeys.get(ctx.params[1]!);
    if (ctx.auth!.token.kind === "organization") throw simpleError(organizationTokenStatus);
    if (key === undefined) throw notFound();
    sshKeyAccess(ctx.auth!, key.organization);
    return key;
  };

  const requireMediaType = (req: EmulatorRequest): void => {
    const mediaType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (mediaType !== JSON_API_MEDIA_TYPE) throw simpleError(415, `Content-Type must be ${JSON_API_MEDIA_TYPE}`);
  };

  /** The `data` member of a create/update document, after the type (and id) checks. */
  const documentData = (req: EmulatorRequest, id?: string): Record<string, unknown> => {
    if (!req.isJson) throw simpleError(400, "The request body is not valid JSON");
    if (!isObject(req.body) || !isObject(req.body["data"])) throw simpleError(400, "param is missing or the value is empty: data");
    const data = req.body["data"];
    if (wrongTypeStatus !== null) {
      // A missing type is accepted: the provider's go-tfe v2 path never sends one.
      if (data["type"] !== undefined && data["type"] !== "ssh-keys") {
        throw new TfcError(wrongTypeStatus, [{ status: String(wrongTypeStatus), title: titleOf(wrongTypeStatus), detail: `Resource type '${String(data["type"])}' does not match 'ssh-keys'` }]);
      }
      if (id !== undefined && data["id"] !== undefined && data["id"] !== id) {
        throw new TfcError(wrongTypeStatus, [{ status: String(wrongTypeStatus), title: titleOf(wrongTypeStatus), detail: `Resource id '${String(data["id"])}' does not match the URL` }]);
      }
    }
    const attributes = data["attributes"];
    if (attributes === undefined || attributes === null) return {};
    if (!isObject(attributes)) throw simpleError(400, "data.attributes must be an object");
    return attributes;
  };

  const nameTaken = (org: string, name: string, exceptId?: string): boolean =>
    [...state.sshKeys.values()].some((k) => k.organization === org && k.name === name && k.id !== exceptId);

  // --- routes -------------------------------------------------------------------------------------

  const ping: RouteHandler = () => emptyResponse(204);

  const accountDetails: RouteHandler = (ctx) => {
    // Organization tokens have no account (unverified; team tokens answer with their service user).
    if (ctx.auth!.token.kind === "organization") throw notFound();
    return api(200, { data: userResource(ctx.auth!.user) });
  };

  const getOrganization: RouteHandler = (ctx) => {
    const org = state.organizations.get(ctx.params[1]!);
    if (org === undefined || !canReachOrg(ctx.auth!, org.name)) throw notFound();
    return api(200, { data: organizationResource(org) });
  };

  const listSshKeys: RouteHandler = (ctx) => {
    const org = sshKeyAccess(ctx.auth!, ctx.params[1]!);
    const keys = [...state.sshKeys.values()].filter((k) => k.organization === org.name);
    const base = `${ctx.origin}${API}/organizations/${encodeURIComponent(org.name)}/ssh-keys`;
    const sp = ctx.req.searchParams;
    const paged = !ignorePageParams && (sp.has("page[number]") || sp.has("page[size]"));
    if (!paged) {
      if (!unpaginatedMeta) return api(200, { data: keys.map(sshKeyResource) });
      return api(200, {
        data: keys.map(sshKeyResource),
        links: { self: base, first: base, prev: null, next: null, last: base },
        meta: { pagination: { "current-page": 1, "page-size": keys.length, "prev-page": null, "next-page": null, "total-pages": 1, "total-count": keys.length } },
      });
    }
    const number = pageNumber(sp.get("page[number]") ?? undefined);
    const size = pageSize(sp.get("page[size]") ?? undefined);
    const total = keys.length;
    // An empty list still has one (empty) page (unverified).
    const totalPages = Math.max(1, Math.ceil(total / size));
    const link = (n: number): string => `${base}?page%5Bnumber%5D=${n}&page%5Bsize%5D=${size}`;
    const prev = number > 1 ? Math.min(number - 1, totalPages) : null;
    const next = number < totalPages ? number + 1 : null;
    return api(200, {
      data: keys.slice((number - 1) * size, number * size).map(sshKeyResource),
      links: {
        self: link(number),
        first: link(1),
        prev: prev === null ? null : link(prev),
        next: next === null ? null : link(next),
        last: link(totalPages),
      },
      meta: { pagination: { "current-page": number, "page-size": size, "prev-page": prev, "next-page": next, "total-pages": totalPages, "total-count": total } },
    });
  };

  const createSshKey: RouteHandler = (ctx) => {
    requireMediaType(ctx.req);
    const org = sshKeyAccess(ctx.auth!, ctx.params[1]!);
    const attributes = documentData(ctx.req);
    const { name, value } = attributes;
    const errors: JsonApiError[] = [];
    if (isBlank(name)) errors.push(invalidAttribute("Name can't be blank", "name"));
    if (isBlank(value)) errors.push(invalidAttribute("Value can't be blank", "value"));
    if (errors.length === 0 && uniqueNames && nameTaken(org.name, name as string)) errors.push(invalidAttribute("Name has already been taken", "name"));
    if (errors.length > 0) throw new TfcError(422, errors);
    const key: TfcSshKeyRecord = {
      id: uniqueId("sshkey", (id) => state.sshKeys.has(id)),
      organization: org.name,
      name: name as string,
      value: value as string,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    };
    state.sshKeys.set(key.id, key);
    return api(201, { data: sshKeyResource(key) });
  };

  const showSshKey: RouteHandler = (ctx) => api(200, { data: sshKeyResource(keyFor(ctx)) });

  const updateSshKey: RouteHandler = (ctx) => {
    requireMediaType(ctx.req);
    const key = keyFor(ctx);
    const attributes = documentData(ctx.req, key.id);
    const errors: JsonApiError[] = [];
    const hasName = attributes["name"] !== undefined;
    if (hasName && isBlank(attributes["name"])) errors.push(invalidAttribute("Name can't be blank", "name"));
    // The key text can never change (go-tfe #297); the live server ignored it (strict mode: 422).
    if (strictUpdate && attributes["value"] !== undefined && attributes["value"] !== null) {
      errors.push(invalidAttribute("Value cannot be changed", "value"));
    }
    if (errors.length === 0 && hasName && uniqueNames && nameTaken(key.organization, attributes["name"] as string, key.id)) {
      errors.push(invalidAttribute("Name has already been taken", "name"));
    }
    if (errors.length > 0) throw new TfcError(422, errors);
    if (hasName) key.name = attributes["name"] as string;
    key.updatedAt = ctx.now;
    return api(200, { data: sshKeyResource(key) });
  };

  const deleteSshKey: RouteHandler = (ctx) => {
    if (requireContentTypeOnDelete) requireMediaType(ctx.req);
    const key = keyFor(ctx);
    state.sshKeys.delete(key.id);
    return emptyResponse(204);
  };

  const routes: Route[] = [
    { segments: ["ping"], anonymous: true, methods: { GET: ping } },
    { segments: ["account", "details"], methods: { GET: accountDetails } },
    { segments: ["organizations", ":org"], methods: { GET: getOrganization } },
    { segments: ["organizations", ":org", "ssh-keys"], methods: { GET: listSshKeys, POST: createSshKey } },
    { segments: ["ssh-keys", ":id"], methods: { GET: showSshKey, PATCH: updateSshKey, DELETE: deleteSshKey } },
  ];

  const authenticate = (req: EmulatorRequest): Auth | undefined => {
    const match = /^bearer\s+(\S+)\s*$/i.exec(req.headers["authorization"] ?? "");
    if (match === null) return undefined;
    const hash = sha256(match[1]!);
    for (const token of state.tokens.values()) {
      if (token.tokenHash !== hash) continue;
      const user = state.users.get(token.userId);
      return user === undefined ? undefined : { token, user };
    }
    return undefined;
  };

  const discovery = {
    "modules.v1": "/api/registry/v1/modules/",
    "providers.v1": "/api/registry/v1/providers/",
    "state.v2": "/api/v2/",
    "tfe.v2": "/api/v2/",
    "tfe.v2.1": "/api/v2/",
    "tfe.v2.2": "/api/v2/",
  };

  const handle = (req: EmulatorRequest): EmulatorResponse => {
    const t = now();
    const path = req.path.length > 1 ? req.path.replace(/\/+$/, "") : req.path;
    const headers: Record<string, string> = { "tfp-api-version": apiVersion, "tfp-appname": appName };
    if (tfeVersion !== undefined) headers["x-tfe-version"] = tfeVersion;

    if (path === "/.well-known/terraform.json") {
      if (req.method !== "GET" && req.method !== "HEAD") return jsonResponse(405, tfcErrorBody(405, "method not allowed"), { allow: "GET" });
      return jsonResponse(200, discovery, { "cache-control": "no-store" });
    }

    const withHeaders = (response: EmulatorResponse): EmulatorResponse => ({ ...response, headers: { ...headers, ...(response.headers ?? {}) } });
    try {
      if (path !== API && !path.startsWith(`${API}/`)) throw notFound();
      const auth = authenticate(req);
      if (rateLimit > 0) {
        headers["x-ratelimit-limit"] = String(rateLimit);
        const reset = overLimit(auth?.user.id ?? "anonymous", t);
        if (reset !== undefined) {
          const formatted = formatSeconds(reset);
          state.rateLimited.push({ userId: auth?.user.id, method: req.method, path, at: t, reset: Number(formatted) });
          const extra: Record<string, string> = { "x-ratelimit-reset": formatted };
          if (sendRetryAfter) extra["retry-after"] = String(Math.ceil(Number(formatted)));
          return withHeaders(jsonResponse(429, rateLimitBody(), { "content-type": JSON_API_MEDIA_TYPE, ...extra }));
        }
      }
      let params: string[];
      try {
        params = path.slice(API.length).split("/").filter((s) => s !== "").map((s) => decodeURIComponent(s));
      } catch {
        throw notFound();
      }
      const route = routes.find((r) => r.segments.length === params.length && r.segments.every((s, i) => s.startsWith(":") || s === params[i]));
      const fn = route?.methods[req.method === "HEAD" ? "GET" : req.method];
      // Unknown routes and methods are Rails routing errors: 404.
      if (route === undefined || fn === undefined) throw notFound();
      if (route.anonymous !== true && auth === undefined) throw simpleError(401);
      return withHeaders(fn({ req, params, auth, origin: `http://${req.headers["host"] ?? "127.0.0.1"}`, now: t }));
    } catch (error) {
      if (error instanceof TfcError) {
        return withHeaders(jsonResponse(error.status, { errors: error.errors }, { "content-type": JSON_API_MEDIA_TYPE, ...error.headers }));
      }
      throw error;
    }
  };

  const server = await startEmulatorServer(handle, {
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    errorBody: tfcErrorBody,
  });

  return {
    url: server.url,
    state,
    requests: server.requests,
    faults: server.faults,
    organization: seededOrg,
    username: seededUsername,
    tokens,
    createOrganization: addOrganization,
    createToken,
    resetRateLimits: () => windows.clear(),
    now,
    close: () => server.close(),
  };
}
