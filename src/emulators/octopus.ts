// A local Octopus Deploy emulator: the slice of the REST API that OctopusSshAccount and
// OctopusApiKey use (root documents, API-key and cookie + CSRF authentication, users, API keys,
// spaces, accounts). It follows /work/shared/reference/octopus-api.md; where the reference marks a
// behaviour as unverified, the emulator makes it an option so clients can be tested both ways.
//
// State lives in plain Maps on `state`. Fields in PascalCase are the resource fields as Octopus names
// them; camelCase fields are emulator bookkeeping (hashes, flags, timestamps in ms).

import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from "node:crypto";
import {
  clockFrom,
  emptyResponse,
  jsonResponse,
  startEmulatorServer,
  type EmulatorRequest,
  type EmulatorResponse,
  type FaultInjector,
  type EmulatorTls,
  type RequestLog,
} from "./server";

// ---------------------------------------------------------------------------------------------
// Public types

/** How `GET /api/users/{id}/apikeys[/{keyId}]` renders the `ApiKey` field (servers differ, §4.4). */
export type OctopusApiKeyReadShape = "sensitive-object" | "null" | "string";

/** Options for {@link startOctopusEmulator}. */
export interface OctopusEmulatorOptions {
  /** @default "127.0.0.1" */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** Serve HTTPS with this certificate and key (PEM). @default plain HTTP */
  tls?: EmulatorTls;
  /** A fixed delay before every answer, in ms: the service latency benchmarks run with. @default 0 */
  latencyMs?: number;
  /** Username of the seeded administrator `Users-1`. @default "admin" */
  adminUsername?: string;
  /** Password of the seeded administrator. @default a random string, exposed as `admin.password` */
  adminPassword?: string;
  /** Seed one API key for the administrator, exposed as `admin.apiKey`. @default true */
  adminApiKey?: boolean;
  /** Status for a failed login (unverified on the real server). @default 400 */
  loginFailureStatus?: number;
  /** Status for a missing or wrong `X-Octopus-Csrf-Token` on a cookie session (unverified). @default 403 */
  csrfFailureStatus?: number;
  /** Shape of `ApiKey` in API-key reads. @default "sensitive-object" */
  apiKeyReadShape?: OctopusApiKeyReadShape;
  /**
   * Let administrators create API keys for any user, not only for themselves and service accounts
   * (older servers failed here, newer ones may allow it). @default false
   */
  adminMayCreateApiKeysForAnyUser?: boolean;
  /**
   * Reject a requested `Expires` later than the expiry of the API key making the request (the docs
   * say so; unverified). @default false
   */
  limitApiKeyExpiryToCallerKey?: boolean;
  /** Expiry of a key created without `Expires`. @default 180 */
  apiKeyDefaultExpiryDays?: number;
  /** Expiry of a key created with `Expires: null`, and the latest expiry allowed. @default 366 */
  apiKeyMaxExpiryDays?: number;
  /** Compare account names case-insensitively for uniqueness (unverified). @default true */
  accountNamesCaseInsensitive?: boolean;
  /** The root document's `InstallationId` (also the cookie-name suffix). @default a random UUID */
  installationId?: string;
  /** The root document's `Version`. @default "2025.4.0" */
  version?: string;
  /** Clock, in epoch milliseconds or a Date; inject one to expire keys in tests. @default Date.now */
  now?: () => number | Date;
}

/** Credentials of an emulator user, as returned by `createUser` and exposed as `admin`. */
export interface OctopusEmulatorUser {
  id: string;
  username: string;
  /** The plaintext password; `undefined` for service accounts. */
  password: string | undefined;
  /** The plaintext API key, when one was minted with the user. */
  apiKey?: string;
}

/** Arguments of `createUser`. */
export interface CreateOctopusUserOptions {
  username: string;
  /** @default random for normal users; service accounts have none */
  password?: string;
  displayName?: string;
  emailAddress?: string;
  /** A service account (`IsService: true`), which has no password. @default false */
  isService?: boolean;
  /** Grant every permission (like membership of "Octopus Administrators"). @default false */
  isAdmin?: boolean;
  /** Mint an API key for the user at once (returned as `apiKey`). @default false */
  apiKey?: boolean;
}

/** A stored user. */
export interface OctopusUserRecord {
  Id: string;
  Username: string;
  DisplayName: string;
  EmailAddress: string;
  IsActive: boolean;
  IsService: boolean;
  /** Emulator permission model: administrators may do everything, others get a fixed set. */
  isAdmin: boolean;
  /** SHA-256 (hex) of the password; `undefined` when the user has none. */
  passwordHash: string | undefined;
}

/** A stored API key. The plaintext key is never stored. */
export interface OctopusApiKeyRecord {
  Id: string;
  UserId: string;
  Purpose: string;
  /** ISO-8601 with offset. */
  Created: string;
  /** ISO-8601 with offset. */
  Expires: string;
  /** SHA-256 (hex) of the plaintext key. */
  keyHash: string;
  /** The last four characters of the key, for the "string" read shape. */
  hint: string;
  createdAt: number;
  expiresAt: number;
}

/** A cookie session created by `POST /api/users/login`. */
export interface OctopusSessionRecord {
  /** Value of the `OctopusIdentificationToken_<iid>` cookie. */
  token: string;
  /** Value of the `Octopus-Csrf-Token_<iid>` cookie, URL-encoded as sent. */
  csrfToken: string;
  userId: string;
  rememberMe: boolean;
  createdAt: number;
}

/** A stored space. */
export interface OctopusSpaceRecord {
  Id: string;
  Name: string;
  Slug: string;
  Description: string;
  IsDefault: boolean;
  TaskQueueStopped: boolean;
  SpaceManagersTeams: string[];
  SpaceManagersTeamMembers: string[];
  LastModifiedOn: string;
  LastModifiedBy: string;
}

/** A stored account. Secrets are kept exactly as sent (tests decode and compare them). */
export interface OctopusAccountRecord {
  Id: string;
  SpaceId: string;
  AccountType: "SshKeyPair" | "UsernamePassword";
  Name: string;
  Slug: string;
  Description: string;
  EnvironmentIds: string[];
  TenantIds: string[];
  TenantTags: string[];
  TenantedDeploymentParticipation: string;
  Username: string;
  /** SshKeyPair: the raw `PrivateKeyFile.NewValue` last stored (base64 of the key file), or null. */
  PrivateKeyFile: string | null;
  /** SshKeyPair: the raw `PrivateKeyPassphrase.NewValue` last stored, or null. */
  PrivateKeyPassphrase: string | null;
  /** UsernamePassword: the raw `Password.NewValue` last stored, or null. */
  Password: string | null;
  LastModifiedOn: string;
  LastModifiedBy: string;
}

/** Everything the emulator stores, keyed by id (sessions by token). Mutable for tests. */
export interface OctopusEmulatorState {
  readonly users: Map<string, OctopusUserRecord>;
  readonly apiKeys: Map<string, OctopusApiKeyRecord>;
  readonly sessions: Map<string, OctopusSessionRecord>;
  readonly spaces: Map<string, OctopusSpaceRecord>;
  readonly accounts: Map<string, OctopusAccountRecord>;
}

/** A running Octopus emulator. */
export interface OctopusEmulator {
  /** Base URL without `/api`, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly state: OctopusEmulatorState;
  readonly requests: RequestLog;
  readonly faults: FaultInjector;
  /** The root document's InstallationId. */
  readonly installationId: string;
  /** Names of the session and CSRF cookies (they end in the InstallationId). */
  readonly cookieNames: { readonly session: string; readonly csrf: string };
  /** The seeded administrator `Users-1` (always has a password). */
  readonly admin: OctopusEmulatorUser & { readonly password: string };
  /** Adds a user directly (no HTTP, no permission checks). */
  createUser(options: CreateOctopusUserOptions): OctopusEmulatorUser;
  /**
   * Mints an API key directly and returns the plaintext key. `expires`: omitted → the default
   * expiry, `null` → the maximum, else that instant (not validated).
   */
  createApiKey(userId: string, purpose: string, expires?: Date | string | null): string;
  /** Finds the stored record of a plaintext API key (expired ones included). */
  findApiKey(plaintext: string): OctopusApiKeyRecord | undefined;
  /** Adds a space directly and returns it. */
  createSpace(name: string, options?: { slug?: string; description?: string }): OctopusSpaceRecord;
  /** The emulator's current time in epoch ms (the `now` option). */
  now(): number;
  /** Stops the server and closes every connection. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Messages (verbatim from the reference where it quotes them)

const MSG_UNAUTHORIZED =
  "You must be logged in to request this resource or provide a valid API key. Your account may have been disabled, please contact your Octopus administrator.";
const MSG_NOT_FOUND =
  "Resource is not found or it doesn't exist in the current space context. Please contact your administrator for more information.";
const MSG_CSRF =
  "A required anti-forgery token was not supplied or was invalid. If you are using a browser, please refresh the page and try again. If you are using the API directly please consider using an API Key for authentication instead of cookies.";
const MSG_VALIDATION = "There was a problem with your request.";
const MSG_NO_BODY = "No request body was supplied.";
const MSG_LOGIN_FAILED = "Invalid username or password.";
const MSG_OWN_KEYS_ONLY = "You can only create a new API Key for your own user account";
const MSG_KEY_NOT_OWNED = "This ApiKey does not belong to the specified user.";

const DAY_MS = 24 * 60 * 60 * 1000;
const INT32_MAX = 2147483647;
const ACCOUNT_TYPES_SUPPORTED = ["SshKeyPair", "UsernamePassword"] as const;
// Types the real server knows but this emulator does not model (a 400 that says so, not a 500).
const ACCOUNT_TYPES_KNOWN = [
  "None",
  "AzureSubscription",
  "AzureServicePrincipal",
  "AzureOidc",
  "AmazonWebServicesAccount",
  "AmazonWebServicesRoleAccount",
  "AmazonWebServicesOidcAccount",
  "GoogleCloudAccount",
  "GoogleCloudOidcAccount",
  "GenericOidcAccount",
  "Token",
];
const PARTICIPATION = ["Untenanted", "Tenanted", "TenantedOrUntenanted"];
const ALNUM_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM_MIXED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// ---------------------------------------------------------------------------------------------
// Small helpers

/** An error answered as an Octopus error body. Thrown by route handlers. */
class OctopusError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: string[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function octopusErrorBody(message: string, errors: string[] = []): { ErrorMessage: string; Errors: string[] } {
  return { ErrorMessage: message, Errors: errors };
}

const notFound = (): OctopusError => new OctopusError(404, MSG_NOT_FOUND);
const validation = (...errors: string[]): OctopusError => new OctopusError(400, MSG_VALIDATION, errors);
const forbidden = (permission: string): OctopusError =>
  new OctopusError(403, `You do not have permission to perform this action. Please contact your Octopus administrator. Missing permission: ${permission}`, [
    `Missing permission: ${permission}`,
  ]);

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}

function randomChars(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Octopus timestamps: milliseconds and an explicit `+00:00` offset. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "+00:00");
}

function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return slug === "" ? "item" : slug;
}

function uniqueSlug(base: string, taken: (slug: string) => boolean): string {
  if (!taken(base)) return base;
  for (let n = 1; ; n++) if (!taken(`${base}-${n}`)) return `${base}-${n}`;
}

function byName<T extends { Name: string; Id: string }>(a: T, b: T): number {
  const x = a.Name.toLowerCase();
  const y = b.Name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : compareIds(a.Id, b.Id);
}

/** `Accounts-2` before `Accounts-10`. */
function compareIds(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

/** Comma-separated and repeated query values, e.g. `ids=A,B&ids=C`. */
function listParam(req: EmulatorRequest, name: string): string[] | undefined {
  const values = req.searchParams.getAll(name);
  if (values.length === 0) return undefined;
  return values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The JSON object body of a POST/PUT, or the reference's 400s. */
function objectBody(req: EmulatorRequest): Record<string, unknown> {
  if (req.rawBody.trim() === "") throw new OctopusError(400, MSG_NO_BODY);
  if (!req.isJson || !isObject(req.body)) throw validation("The request body must be a JSON object.");
  return req.body;
}

function optionalString(body: Record<string, unknown>, field: string, errors: string[]): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    errors.push(`The ${field} field must be a string.`);
    return undefined;
  }
  return value;
}

function stringArray(body: Record<string, unknown>, field: string, errors: string[]): string[] {
  const value = body[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    errors.push(`The ${field} field must be an array of strings.`);
    return [];
  }
  return [...(value as string[])];
}

function optionalBoolean(body: Record<string, unknown>, field: string, errors: string[]): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") {
    errors.push(`The ${field} field must be true or false.`);
    return undefined;
  }
  return value;
}

/**
 * Applies the SensitiveValue write rules (reference §3.3) to a stored secret: a non-null `NewValue`
 * sets it (an empty string clears); a missing field, a whole-field `null`, or `NewValue` null/absent
 * with `HasValue` true or absent keeps it; `HasValue: false` clears it.
 */
function applySensitive(current: string | null, incoming: unknown, field: string, errors: string[]): string | null {
  if (incoming === undefined || incoming === null) return current;
  if (!isObject(incoming)) {
    errors.push(`The ${field} field must be a SensitiveValue object like {"HasValue": true, "NewValue": "..."}.`);
    return current;
  }
  const { NewValue: newValue, HasValue: hasValue } = incoming;
  if (newValue !== undefined && newValue !== null) {
    if (typeof newValue !== "string") {
      errors.push(`${field}.NewValue must be a string.`);
      return current;
    }
    return newValue === "" ? null : newValue;
  }
  return hasValue === false ? null : current;
}

/** What responses show of a stored secret: never the value. */
function sensitiveView(stored: string | null): { HasValue: boolean; NewValue: null; Hint: null } {
  return { HasValue: stored !== null, NewValue: null, Hint: null };
}

// ---------------------------------------------------------------------------------------------
// The emulator

interface Auth {
  user: OctopusUserRecord;
  kind: "apikey" | "session";
  key?: OctopusApiKeyRecord;
  session?: OctopusSessionRecord;
}

interface Ctx {
  req: EmulatorRequest;
  /** The method after `X-HTTP-Method-Override`. */
  method: string;
  /** Route captures; `undefined` for the empty group of the legacy unscoped account routes. */
  params: ReadonlyArray<string | undefined>;
  /** Set on every route that is not anonymous. */
  auth: Auth;
  now: number;
}

type RouteHandler = (ctx: Ctx) => EmulatorResponse;

interface Route {
  pattern: RegExp;
  /** Anonymous routes ignore credentials entirely (like the real `GET /api`). */
  anonymous?: boolean;
  methods: Partial<Record<string, RouteHandler>>;
}

/** Starts an Octopus Deploy emulator on a free port. Close it with `close()`. */
export async function startOctopusEmulator(options: OctopusEmulatorOptions = {}): Promise<OctopusEmulator> {
  const installationId = options.installationId ?? randomUUID();
  const version = options.version ?? "2025.4.0";
  const loginFailureStatus = options.loginFailureStatus ?? 400;
  const csrfFailureStatus = options.csrfFailureStatus ?? 403;
  const apiKeyReadShape = options.apiKeyReadShape ?? "sensitive-object";
  const defaultExpiryDays = options.apiKeyDefaultExpiryDays ?? 180;
  const maxExpiryDays = options.apiKeyMaxExpiryDays ?? 366;
  const namesCaseInsensitive = options.accountNamesCaseInsensitive ?? true;
  const now = clockFrom(options.now);
  const cookieNames = { session: `OctopusIdentificationToken_${installationId}`, csrf: `Octopus-Csrf-Token_${installationId}` } as const;

  const state: OctopusEmulatorState = {
    users: new Map(),
    apiKeys: new Map(),
    sessions: new Map(),
    spaces: new Map(),
    accounts: new Map(),
  };
  const counters = { Users: 0, Spaces: 0, Accounts: 0 };
  const nextId = (collection: keyof typeof counters): string => `${collection}-${++counters[collection]}`;

  // --- state operations shared by the helpers and the routes -----------------------------------

  const addUser = (o: CreateOctopusUserOptions): OctopusEmulatorUser => {
    if (o.isService === true && o.password !== undefined) throw new Error("Service accounts have no password");
    if ([...state.users.values()].some((u) => u.Username.toLowerCase() === o.username.toLowerCase())) {
      throw new Error(`A user named '${o.username}' already exists`);
    }
    const password = o.isService === true ? undefined : (o.password ?? randomBytes(18).toString("base64url"));
    const user: OctopusUserRecord = {
      Id: nextId("Users"),
      Username: o.username,
      DisplayName: o.displayName ?? o.username,
      EmailAddress: o.emailAddress ?? "",
      IsActive: true,
      IsService: o.isService ?? false,
      isAdmin: o.isAdmin ?? false,
      passwordHash: password === undefined ? undefined : sha256(password),
    };
    state.users.set(user.Id, user);
    const result: OctopusEmulatorUser = { id: user.Id, username: user.Username, password };
    if (o.apiKey === true) result.apiKey = mintApiKey(user.Id, "Emulator seed", undefined).plaintext;
    return result;
  };

  /** `expires`: undefined → default, null → maximum, number → that instant. */
  const mintApiKey = (userId: string, purpose: string, expiresAt: number | null | undefined): { record: OctopusApiKeyRecord; plaintext: string } => {
    const t = now();
    const plaintext = `API-${randomChars(ALNUM_UPPER, 26)}`;
    const resolvedExpiry = expiresAt === undefined ? t + defaultExpiryDays * DAY_MS : expiresAt === null ? t + maxExpiryDays * DAY_MS : expiresAt;
    const record: OctopusApiKeyRecord = {
      Id: `apikeys-${randomChars(ALNUM_MIXED, 26)}`,
      UserId: userId,
      Purpose: purpose,
      Created: iso(t),
      Expires: iso(resolvedExpiry),
      keyHash: sha256(plaintext),
      hint: plaintext.slice(-4),
      createdAt: t,
      expiresAt: resolvedExpiry,
    };
    state.apiKeys.set(record.Id, record);
    return { record, plaintext };
  };

  const addSpace = (name: string, by: string, o: { slug?: string; description?: string } = {}): OctopusSpaceRecord => {
    const taken = (slug: string): boolean => [...state.spaces.values()].some((s) => s.Slug === slug);
    const space: OctopusSpaceRecord = {
      Id: nextId("Spaces"),
      Name: name,
      Slug: o.slug ?? uniqueSlug(slugify(name), taken),
      Description: o.description ?? "",
      IsDefault: state.spaces.size === 0,
      TaskQueueStopped: false,
      SpaceManagersTeams: [],
      SpaceManagersTeamMembers: [],
      LastModifiedOn: iso(now()),
      LastModifiedBy: by,
    };
    state.spaces.set(space.Id, space);
    return space;
  };

  const findKey = (plaintext: string): OctopusApiKeyRecord | undefined => {
    const hash = sha256(plaintext);
    for (const key of state.apiKeys.values()) if (sameHash(key.keyHash, hash)) return key;
    return undefined;
  };

  const defaultSpace = (): OctopusSpaceRecord => {
    const space = [...state.spaces.values()].find((s) => s.IsDefault);
    if (space === undefined) throw notFound();
    return space;
  };

  // --- seed ---------------------------------------------------------------------------------------

  const admin = addUser({
    username: options.adminUsername ?? "admin",
    displayName: "Administrator",
    isAdmin: true,
    apiKey: options.adminApiKey ?? true,
    ...(options.adminPassword === undefined ? {} : { password: options.adminPassword }),
  });
  addSpace("Default", admin.username);

  // --- resources ----------------------------------------------------------------------------------

  const userResource = (u: OctopusUserRecord, caller: OctopusUserRecord | undefined): unknown => ({
    Id: u.Id,
    Username: u.Username,
    DisplayName: u.DisplayName,
    EmailAddress: u.EmailAddress,
    IsActive: u.IsActive,
    IsService: u.IsService,
    IsRequestor: caller?.Id === u.Id,
    CanPasswordBeEdited: !u.IsService,
    Identities: u.IsService ? [] : [{ IdentityProviderName: "Octopus", Claims: {} }],
    Links: {
      Self: `/api/users/${u.Id}`,
      ApiKeys: `/api/users/${u.Id}/apikeys{/id}{?skip,take}`,
      Permissions: `/api/users/${u.Id}/permissions`,
      Spaces: `/api/users/${u.Id}/spaces`,
      RevokeSessions: `/api/users/${u.Id}/revoke-sessions`,
    },
  });

  const spaceResource = (s: OctopusSpaceRecord): unknown => ({
    Id: s.Id,
    Name: s.Name,
    Slug: s.Slug,
    Description: s.Description,
    IsDefault: s.IsDefault,
    TaskQueueStopped: s.TaskQueueStopped,
    SpaceManagersTeams: [...s.SpaceManagersTeams],
    SpaceManagersTeamMembers: [...s.SpaceManagersTeamMembers],
    LastModifiedOn: s.LastModifiedOn,
    LastModifiedBy: s.LastModifiedBy,
    Links: { Self: `/api/spaces/${s.Id}`, SpaceHome: `/api/${s.Id}` },
  });

  const accountResource = (a: OctopusAccountRecord): unknown => ({
    Id: a.Id,
    SpaceId: a.SpaceId,
    AccountType: a.AccountType,
    Name: a.Name,
    Slug: a.Slug,
    Description: a.Description,
    EnvironmentIds: [...a.EnvironmentIds],
    TenantIds: [...a.TenantIds],
    TenantTags: [...a.TenantTags],
    TenantedDeploymentParticipation: a.TenantedDeploymentParticipation,
    Username: a.Username,
    ...(a.AccountType === "SshKeyPair"
      ? { PrivateKeyFile: sensitiveView(a.PrivateKeyFile), PrivateKeyPassphrase: sensitiveView(a.PrivateKeyPassphrase) }
      : { Password: sensitiveView(a.Password) }),
    LastModifiedOn: a.LastModifiedOn,
    LastModifiedBy: a.LastModifiedBy,
    Links: { Self: `/api/${a.SpaceId}/accounts/${a.Id}`, Usages: `/api/${a.SpaceId}/accounts/${a.Id}/usages` },
  });

  const apiKeyLinks = (k: OctopusApiKeyRecord): unknown => ({ Self: `/api/users/${k.UserId}/apikeys/${k.Id}`, User: `/api/users/${k.UserId}` });

  const apiKeyReadResource = (k: OctopusApiKeyRecord): unknown => ({
    Id: k.Id,
    Purpose: k.Purpose,
    UserId: k.UserId,
    ApiKey:
      apiKeyReadShape === "null"
        ? null
        : apiKeyReadShape === "string"
          ? `API-${"*".repeat(22)}${k.hint}`
          : { HasValue: true, Hint: null, NewValue: null },
    Created: k.Created,
    Expires: k.Expires,
    Links: apiKeyLinks(k),
  });

  const rootLinks = (spaceId: string): Record<string, string> => ({
    Self: "/api",
    SpaceHome: "/api/{spaceId}",
    Spaces: "/api/spaces{/id}{?name,skip,ids,take,partialName}",
    Accounts: `/api/${spaceId}/accounts{/id}{?skip,take,ids,partialName,accountType}`,
    Users: "/api/users{/id}{?skip,take,ids,filter}",
    CurrentUser: "/api/users/me",
    SignIn: "/api/users/login{?returnUrl}",
    SignOut: "/api/users/logout",
    Authentication: "/api/authentication",
  });

  const rootDocument = (links: Record<string, string>): unknown => ({
    Application: "Octopus Deploy",
    Version: version,
    ApiVersion: "3.0.0",
    InstallationId: installationId,
    IsEarlyAccessProgram: false,
    HasLongTermSupport: false,
    Links: links,
  });

  /** The paged collection envelope (§2.4), with `Page.Next` exactly when more items remain. */
  const paged = <T>(ctx: Ctx, itemType: string, basePath: string, items: T[], render: (item: T) => unknown, templateParams: string[]): EmulatorResponse => {
    const skip = intParam(ctx.req, "skip", 0);
    const take = intParam(ctx.req, "take", 30);
    // Filters are carried into the page links; credentials never are.
    const filters = [...ctx.req.searchParams].filter(([k]) => !["skip", "take", "apikey"].includes(k.toLowerCase()));
    const link = (s: number, t: number): string => {
      const qs = new URLSearchParams([...filters, ["skip", String(s)], ["take", String(t)]]);
      return `${basePath}?${qs.toString()}`;
    };
    const total = items.length;
    const pages = take > 0 ? Math.max(1, Math.ceil(total / take)) : 1;
    const links: Record<string, string> = {
      Self: link(skip, take),
      Template: `${basePath}{?skip,take,${templateParams.join(",")}}`,
      "Page.All": link(0, INT32_MAX),
      "Page.Current": link(skip, take),
      "Page.Last": link((pages - 1) * take, take),
    };
    if (take > 0 && skip + take < total) links["Page.Next"] = link(skip + take, take);
    if (skip > 0) links["Page.Previous"] = link(Math.max(0, skip - take), take);
    return jsonResponse(200, {
      ItemType: itemType,
      TotalResults: total,
      ItemsPerPage: take,
      NumberOfPages: pages,
      LastPageNumber: pages - 1,
      Items: items.slice(skip, take > 0 ? skip + take : skip).map(render),
      Links: links,
    });
  };

  const intParam = (req: EmulatorRequest, name: string, fallback: number): number => {
    const raw = req.query[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > INT32_MAX) throw validation(`The ${name} parameter must be an integer between 0 and ${INT32_MAX}.`);
    return value;
  };

  // --- authentication -----------------------------------------------------------------------------

  /** Reference §8.2: key header, then `apikey` query (any case), then Bearer, then the session cookie. */
  const authenticate = (req: EmulatorRequest): Auth | undefined => {
    const fromKey = (plaintext: string): Auth | undefined => {
      const key = findKey(plaintext);
      if (key === undefined || now() >= key.expiresAt) return undefined;
      const user = state.users.get(key.UserId);
      return user?.IsActive === true ? { user, kind: "apikey", key } : undefined;
    };
    const header = (req.headers["x-octopus-apikey"] ?? "").trim();
    if (header !== "") return fromKey(header); // an empty header means "no key" (the TS client sends one)
    const query = [...req.searchParams].find(([k, v]) => k.toLowerCase() === "apikey" && v.trim() !== "");
    if (query !== undefined) return fromKey(query[1].trim());
    // The emulator issues no access tokens, so any bearer token is invalid.
    if (/^bearer\s/i.test(req.headers["authorization"] ?? "")) return undefined;
    const token = parseCookies(req.headers["cookie"]).get(cookieNames.session);
    if (token === undefined) return undefined;
    const session = state.sessions.get(token);
    const user = session === undefined ? undefined : state.users.get(session.userId);
    return session !== undefined && user?.IsActive === true ? { user, kind: "session", session } : undefined;
  };

  /** The session's CSRF header must equal the raw (still URL-encoded) cookie value, byte for byte. */
  const csrfOk = (req: EmulatorRequest, session: OctopusSessionRecord): boolean => {
    const header = req.headers["x-octopus-csrf-token"];
    if (header === undefined) return false;
    const a = Buffer.from(header, "utf8");
    const b = Buffer.from(session.csrfToken, "utf8");
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const requireAdmin = (ctx: Ctx, permission: string): void => {
    if (!ctx.auth.user.isAdmin) throw forbidden(permission);
  };

  // --- route handlers: root, auth, users ----------------------------------------------------------

  const getRoot: RouteHandler = () => {
    const defaultSpaceId = [...state.spaces.values()].find((s) => s.IsDefault)?.Id ?? "Spaces-1";
    return jsonResponse(200, rootDocument(rootLinks(defaultSpaceId)));
  };

  const getSpaceRoot: RouteHandler = (ctx) => {
    const space = state.spaces.get(ctx.params[0]!);
    if (space === undefined) throw notFound();
    return jsonResponse(
      200,
      rootDocument({
        Self: `/api/${space.Id}`,
        Accounts: `/api/${space.Id}/accounts{/id}{?skip,take,ids,partialName,accountType}`,
        Space: `/api/spaces/${space.Id}`,
      }),
    );
  };

  const getAuthentication: RouteHandler = () =>
    jsonResponse(200, {
      AuthenticationProviders: [
        { Name: "Octopus", IdentityType: "UsernamePassword", FormsLoginEnabled: true, IsGuestProvider: false, FormsUsernameIdentifier: "Username", LinkHtml: null, CSSLinks: [], JavaScriptLinks: [] },
      ],
      AutoLoginEnabled: false,
      RememberMeEnabled: true,
      AnyAuthenticationProvidersSupportPasswordManagement: true,
      ApiKeyDefaultExpiryDays: defaultExpiryDays,
      ApiKeyMaxExpiryDays: maxExpiryDays,
      UserApiKeysEnabled: true,
      Links: { Self: "/api/authentication", SignIn: "/api/users/login{?returnUrl}" },
    });

  const login: RouteHandler = (ctx) => {
    const body = objectBody(ctx.req);
    const errors: string[] = [];
    const username = optionalString(body, "Username", errors);
    const password = optionalString(body, "Password", errors);
    if (username === undefined || username === "") errors.push("The Username field is required.");
    if (password === undefined || password === "") errors.push("The Password field is required.");
    if (errors.length > 0) throw validation(...errors);
    const user = [...state.users.values()].find((u) => u.Username.toLowerCase() === username!.toLowerCase());
    if (user === undefined || !user.IsActive || user.passwordHash === undefined || !sameHash(user.passwordHash, sha256(password!))) {
      throw new OctopusError(loginFailureStatus, MSG_LOGIN_FAILED, [MSG_LOGIN_FAILED]);
    }
    const rememberMe = body["RememberMe"] === true;
    const session: OctopusSessionRecord = {
      token: randomBytes(32).toString("base64url"),
      // Opaque and URL-encoded like the real cookie (`…%2f…%3d%3d`): decoding it changes it.
      csrfToken: `${randomBytes(18).toString("base64")}/${randomBytes(16).toString("base64")}`.replace(
        /[/+=]/g,
        (c) => `%${c.charCodeAt(0).toString(16)}`,
      ),
      userId: user.Id,
      rememberMe,
      createdAt: now(),
    };
    state.sessions.set(session.token, session);
    const expires = rememberMe ? `; expires=${new Date(now() + 30 * DAY_MS).toUTCString()}` : "";
    return jsonResponse(200, userResource(user, user), {
      "set-cookie": [`${cookieNames.session}=${session.token}; path=/${expires}; HttpOnly`, `${cookieNames.csrf}=${session.csrfToken}; path=/${expires}`],
    });
  };

  /** Anonymous route: revokes the cookie session if there is one (CSRF-checked like any POST). */
  const logout: RouteHandler = (ctx) => {
    const token = parseCookies(ctx.req.headers["cookie"]).get(cookieNames.session);
    const session = token === undefined ? undefined : state.sessions.get(token);
    if (session !== undefined) {
      if (!csrfOk(ctx.req, session)) throw new OctopusError(csrfFailureStatus, MSG_CSRF);
      state.sessions.delete(session.token);
    }
    const gone = "expires=Thu, 01 Jan 1970 00:00:00 GMT";
    return jsonResponse(200, {}, { "set-cookie": [`${cookieNames.session}=; path=/; ${gone}; HttpOnly`, `${cookieNames.csrf}=; path=/; ${gone}`] });
  };

  const getMe: RouteHandler = (ctx) => jsonResponse(200, userResource(ctx.auth.user, ctx.auth.user));

  const userOr404 = (id: string): OctopusUserRecord => {
    const user = state.users.get(id);
    if (user === undefined) throw notFound();
    return user;
  };

  const sortedUsers = (): OctopusUserRecord[] =>
    [...state.users.values()].sort((a, b) => byName({ Name: a.Username, Id: a.Id }, { Name: b.Username, Id: b.Id }));

  const listUsers: RouteHandler = (ctx) => {
    const ids = listParam(ctx.req, "ids");
    const filter = ctx.req.query["filter"]?.toLowerCase();
    const users = sortedUsers().filter(
      (u) =>
        (ids === undefined || ids.includes(u.Id)) &&
        (filter === undefined || [u.Username, u.DisplayName, u.EmailAddress].some((f) => f.toLowerCase().includes(filter))),
    );
    return paged(ctx, "User", "/api/users", users, (u) => userResource(u, ctx.auth.user), ["ids", "filter"]);
  };

  const allUsers: RouteHandler = (ctx) => jsonResponse(200, sortedUsers().map((u) => userResource(u, ctx.auth.user)));

  const getUser: RouteHandler = (ctx) => jsonResponse(200, userResource(userOr404(ctx.params[0]!), ctx.auth.user));

  const createUserRoute: RouteHandler = (ctx) => {
    requireAdmin(ctx, "UserEdit");
    const body = objectBody(ctx.req);
    const errors: string[] = [];
    const username = optionalString(body, "Username", errors)?.trim() ?? "";
    const displayName = optionalString(body, "DisplayName", errors)?.trim() ?? "";
    const email = optionalString(body, "EmailAddress", errors) ?? "";
    const password = optionalString(body, "Password", errors);
    const isService = optionalBoolean(body, "IsService", errors) ?? false;
    const isActive = optionalBoolean(body, "IsActive", errors) ?? true;
    if (username === "") errors.push("The Username field is required.");
    if (username.length > 64) errors.push("The Username field must be at most 64 characters.");
    if (displayName === "") errors.push("The DisplayName field is required.");
    if (displayName.length > 64) errors.push("The DisplayName field must be at most 64 characters.");
    if (isService && password !== undefined && password !== "") errors.push("Passwords cannot be set for service user accounts.");
    if (errors.length > 0) throw validation(...errors);
    if ([...state.users.values()].some((u) => u.Username.toLowerCase() === username.toLowerCase())) {
      throw validation(`A user with the username '${username}' already exists.`);
    }
    const created = addUser({
      username,
      displayName,
      emailAddress: email,
      isService,
      ...(isService || password === undefined || password === "" ? {} : { password }),
    });
    const user = state.users.get(created.id)!;
    // A user created over the API without a password cannot log in until one is set.
    if (!isService && (password === undefined || password === "")) user.passwordHash = undefined;
    user.IsActive = isActive;
    return jsonResponse(201, userResource(user, ctx.auth.user));
  };

  const userSpaces: RouteHandler = (ctx) => {
    userOr404(ctx.params[0]!);
    return jsonResponse(200, [...state.spaces.values()].sort(byName).map(spaceResource));
  };

  const revokeSessions: RouteHandler = (ctx) => {
    const user = userOr404(ctx.params[0]!);
    if (user.Id !== ctx.auth.user.Id) requireAdmin(ctx, "UserEdit");
    for (const [token, session] of state.sessions) if (session.userId === user.Id) state.sessions.delete(token);
    return jsonResponse(200, {});
  };

  // --- route handlers: API keys -------------------------------------------------------------------

  /** Non-admins may only see and revoke their own keys. */
  const keyOwner = (ctx: Ctx): OctopusUserRecord => {
    const user = userOr404(ctx.params[0]!);
    if (user.Id !== ctx.auth.user.Id) requireAdmin(ctx, "UserEdit");
    return user;
  };

  const createApiKeyRoute: RouteHandler = (ctx) => {
    const user = userOr404(ctx.params[0]!);
    const caller = ctx.auth.user;
    const allowed =
      user.Id === caller.Id || (caller.isAdmin && (user.IsService || options.adminMayCreateApiKeysForAnyUser === true));
    if (!allowed) throw validation(MSG_OWN_KEYS_ONLY);
    const body = objectBody(ctx.req);
    const errors: string[] = [];
    const purpose = optionalString(body, "Purpose", errors)?.trim() ?? "";
    if (purpose === "") errors.push("The Purpose field is required.");
    if (body["UserId"] !== undefined && body["UserId"] !== null && body["UserId"] !== user.Id) {
      errors.push("The UserId in the request body does not match the user in the URL.");
    }
    const t = ctx.now;
    const max = t + maxExpiryDays * DAY_MS;
    let expiresAt: number | null | undefined;
    if (!("Expires" in body)) expiresAt = undefined;
    else if (body["Expires"] === null) expiresAt = null;
    else if (typeof body["Expires"] !== "string" || Number.isNaN(Date.parse(body["Expires"]))) errors.push("The Expires field must be an ISO-8601 date.");
    else {
      expiresAt = Date.parse(body["Expires"]);
      if (expiresAt <= t) errors.push("The expiry date must be in the future.");
      else if (expiresAt > max) errors.push(`The expiry date cannot be more than ${maxExpiryDays} days in the future.`);
    }
    if (options.limitApiKeyExpiryToCallerKey === true && ctx.auth.key !== undefined && errors.length === 0) {
      const effective = expiresAt === undefined ? t + defaultExpiryDays * DAY_MS : expiresAt === null ? max : expiresAt;
      if (effective > ctx.auth.key.expiresAt) errors.push("The expiry date cannot be later than the expiry of the API key used to create it.");
    }
    if (errors.length > 0) throw validation(...errors);
    const { record, plaintext } = mintApiKey(user.Id, purpose, expiresAt);
    return jsonResponse(200, {
      Id: record.Id,
      Purpose: record.Purpose,
      UserId: record.UserId,
      ApiKey: plaintext,
      Created: record.Created,
      Expires: record.Expires,
      Links: apiKeyLinks(record),
    });
  };

  const listApiKeys: RouteHandler = (ctx) => {
    const user = keyOwner(ctx);
    // Newest first; creation order breaks ties (Map iteration order is insertion order).
    const keys = [...state.apiKeys.values()].filter((k) => k.UserId === user.Id).reverse();
    keys.sort((a, b) => b.createdAt - a.createdAt);
    return paged(ctx, "ApiKey", `/api/users/${user.Id}/apikeys`, keys, apiKeyReadResource, []);
  };

  const keyOr404 = (ctx: Ctx): OctopusApiKeyRecord => {
    const user = keyOwner(ctx);
    const key = state.apiKeys.get(ctx.params[1]!);
    if (key === undefined) throw notFound();
    if (key.UserId !== user.Id) throw validation(MSG_KEY_NOT_OWNED);
    return key;
  };

  const getApiKey: RouteHandler = (ctx) => jsonResponse(200, apiKeyReadResource(keyOr404(ctx)));

  const deleteApiKey: RouteHandler = (ctx) => {
    state.apiKeys.delete(keyOr404(ctx).Id);
    return jsonResponse(200, {});
  };

  // --- route handlers: spaces ---------------------------------------------------------------------

  const nameFilter = (req: EmulatorRequest): ((name: string) => boolean) => {
    const exact = req.query["name"]?.trim().toLowerCase();
    const partial = req.query["partialName"]?.toLowerCase();
    return (name) => (exact === undefined || name.trim().toLowerCase() === exact) && (partial === undefined || name.toLowerCase().includes(partial));
  };

  const listSpaces: RouteHandler = (ctx) => {
    const ids = listParam(ctx.req, "ids");
    const named = nameFilter(ctx.req);
    const spaces = [...state.spaces.values()].sort(byName).filter((s) => (ids === undefined || ids.includes(s.Id)) && named(s.Name));
    return paged(ctx, "Space", "/api/spaces", spaces, spaceResource, ["ids", "name", "partialName"]);
  };

  const allSpaces: RouteHandler = (ctx) => {
    const named = nameFilter(ctx.req);
    return jsonResponse(200, [...state.spaces.values()].sort(byName).filter((s) => named(s.Name)).map(spaceResource));
  };

  const getSpace: RouteHandler = (ctx) => {
    const space = state.spaces.get(ctx.params[0]!);
    if (space === undefined) throw notFound();
    return jsonResponse(200, spaceResource(space));
  };

  const createSpaceRoute: RouteHandler = (ctx) => {
    requireAdmin(ctx, "SpaceCreate");
    const body = objectBody(ctx.req);
    const errors: string[] = [];
    const name = optionalString(body, "Name", errors)?.trim() ?? "";
    const slug = optionalString(body, "Slug", errors)?.trim();
    const description = optionalString(body, "Description", errors) ?? "";
    const teams = stringArray(body, "SpaceManagersTeams", errors);
    const members = stringArray(body, "SpaceManagersTeamMembers", errors);
    if (name === "") errors.push("The Name field is required.");
    if (name.length > 50) errors.push("The Name field must be at most 50 characters.");
    if (slug !== undefined && slug.length > 50) errors.push("The Slug field must be at most 50 characters.");
    if (errors.length > 0) throw validation(...errors);
    if ([...state.spaces.values()].some((s) => s.Name.toLowerCase() === name.toLowerCase())) {
      throw validation(`The space name '${name}' is already in use by another space.`);
    }
    if (slug !== undefined && slug !== "" && [...state.spaces.values()].some((s) => s.Slug === slug)) {
      throw validation(`The slug '${slug}' is already in use by another space.`);
    }
    const space = addSpace(name, ctx.auth.user.Username, { description, ...(slug === undefined || slug === "" ? {} : { slug }) });
    space.SpaceManagersTeams = teams;
    space.SpaceManagersTeamMembers = members;
    return jsonResponse(201, spaceResource(space));
  };

  // --- route handlers: accounts -------------------------------------------------------------------

  /** `params[0]` is the space id, or undefined for the legacy unscoped routes (default space). */
  const routeSpace = (ctx: Ctx): OctopusSpaceRecord => {
    const id = ctx.params[0];
    const space = id === undefined ? defaultSpace() : state.spaces.get(id);
    if (space === undefined) throw notFound();
    return space;
  };

  const accountInSpace = (ctx: Ctx, space: OctopusSpaceRecord): OctopusAccountRecord => {
    const account = state.accounts.get(ctx.params[1]!);
    if (account === undefined || account.SpaceId !== space.Id) throw notFound();
    return account;
  };

  const sameName = (a: string, b: string): boolean => (namesCaseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b);

  const listAccounts: RouteHandler = (ctx) => {
    const space = routeSpace(ctx);
    const ids = listParam(ctx.req, "ids");
    const types = listParam(ctx.req, "accountType");
    const named = nameFilter(ctx.req);
    const accounts = [...state.accounts.values()]
      .filter((a) => a.SpaceId === space.Id)
      .sort(byName)
      .filter((a) => (ids === undefined || ids.includes(a.Id)) && (types === undefined || types.includes(a.AccountType)) && named(a.Name));
    return paged(ctx, "Account", `/api/${space.Id}/accounts`, accounts, accountResource, ["ids", "partialName", "name", "accountType"]);
  };

  const allAccounts: RouteHandler = (ctx) => {
    const space = routeSpace(ctx);
    const accounts = [...state.accounts.values()].filter((a) => a.SpaceId === space.Id).sort(byName);
    return jsonResponse(200, accounts.map(accountResource));
  };

  const getAccount: RouteHandler = (ctx) => jsonResponse(200, accountResource(accountInSpace(ctx, routeSpace(ctx))));

  const accountUsages: RouteHandler = (ctx) => {
    accountInSpace(ctx, routeSpace(ctx));
    return jsonResponse(200, {
      Targets: [],
      DeploymentProcesses: [],
      Releases: [],
      ProjectVariableSets: [],
      LibraryVariableSets: [],
      RunbookProcesses: [],
      RunbookSnapshots: [],
    });
  };

  /**
   * Validates a create (`existing` undefined) or a full-replacement PUT, applying the SensitiveValue
   * rules to the secrets, and returns the record to store.
   */
  const buildAccount = (ctx: Ctx, space: OctopusSpaceRecord, existing: OctopusAccountRecord | undefined): OctopusAccountRecord => {
    const body = objectBody(ctx.req);
    const errors: string[] = [];

    const rawType = body["AccountType"] ?? existing?.AccountType;
    if (rawType === undefined || rawType === null) throw validation("The AccountType field is required.");
    if (typeof rawType !== "string") throw validation("The AccountType field must be a string.");
    if (!(ACCOUNT_TYPES_SUPPORTED as readonly string[]).includes(rawType)) {
      throw ACCOUNT_TYPES_KNOWN.includes(rawType)
        ? validation(`Account type '${rawType}' is not supported by this emulator.`)
        : validation(`AccountType '${rawType}' does not map to a known account type.`);
    }
    const type = rawType as OctopusAccountRecord["AccountType"];
    if (existing !== undefined && type !== existing.AccountType) throw validation("The AccountType of an existing account cannot be changed.");

    const bodySpace = body["SpaceId"];
    if (bodySpace !== undefined && bodySpace !== null && bodySpace !== space.Id) {
      errors.push(`The SpaceId '${String(bodySpace)}' does not match the space in the URL ('${space.Id}').`);
    }
    const name = optionalString(body, "Name", errors)?.trim() ?? "";
    if (name === "") errors.push("The Name field is required.");
    const username = optionalString(body, "Username", errors)?.trim() ?? "";
    if (username === "") errors.push("The Username field is required.");
    const slugInput = optionalString(body, "Slug", errors)?.trim();
    const description = optionalString(body, "Description", errors) ?? "";
    const environmentIds = stringArray(body, "EnvironmentIds", errors);
    const tenantIds = stringArray(body, "TenantIds", errors);
    const tenantTags = stringArray(body, "TenantTags", errors);
    const participation = optionalString(body, "TenantedDeploymentParticipation", errors) ?? "Untenanted";
    if (!PARTICIPATION.includes(participation)) errors.push(`TenantedDeploymentParticipation must be one of ${PARTICIPATION.join(", ")}.`);

    let privateKeyFile: string | null = existing?.PrivateKeyFile ?? null;
    let passphrase: string | null = existing?.PrivateKeyPassphrase ?? null;
    let password: string | null = existing?.Password ?? null;
    if (type === "SshKeyPair") {
      privateKeyFile = applySensitive(privateKeyFile, body["PrivateKeyFile"], "PrivateKeyFile", errors);
      // Required on create, and a PUT may not clear it.
      if (privateKeyFile === null) errors.push('The PrivateKeyFile field is required: send {"HasValue": true, "NewValue": "<base64 of the key file>"}.');
      passphrase = applySensitive(passphrase, body["PrivateKeyPassphrase"], "PrivateKeyPassphrase", errors);
    } else {
      password = applySensitive(password, body["Password"], "Password", errors);
    }
    if (errors.length > 0) throw validation(...errors);

    const others = [...state.accounts.values()].filter((a) => a.SpaceId === space.Id && a.Id !== existing?.Id);
    if (others.some((a) => sameName(a.Name, name))) throw validation(`The account name '${name}' is already in use by another account.`);
    let slug: string;
    if (slugInput !== undefined && slugInput !== "") {
      if (others.some((a) => a.Slug === slugInput)) throw validation(`The slug '${slugInput}' is already in use by another account.`);
      slug = slugInput;
    } else {
      slug = existing?.Slug ?? uniqueSlug(slugify(name), (s) => others.some((a) => a.Slug === s));
    }

    return {
      Id: existing?.Id ?? nextId("Accounts"),
      SpaceId: space.Id,
      AccountType: type,
      Name: name,
      Slug: slug,
      Description: description,
      EnvironmentIds: environmentIds,
      TenantIds: tenantIds,
      TenantTags: tenantTags,
      TenantedDeploymentParticipation: participation,
      Username: username,
      PrivateKeyFile: type === "SshKeyPair" ? privateKeyFile : null,
      PrivateKeyPassphrase: type === "SshKeyPair" ? passphrase : null,
      Password: type === "UsernamePassword" ? password : null,
      LastModifiedOn: iso(ctx.now),
      LastModifiedBy: ctx.auth.user.Username,
    };
  };

  const createAccount: RouteHandler = (ctx) => {
    const space = routeSpace(ctx);
    requireAdmin(ctx, "AccountCreate");
    const account = buildAccount(ctx, space, undefined);
    state.accounts.set(account.Id, account);
    return jsonResponse(201, accountResource(account));
  };

  const updateAccount: RouteHandler = (ctx) => {
    const space = routeSpace(ctx);
    const existing = accountInSpace(ctx, space);
    requireAdmin(ctx, "AccountEdit");
    const account = buildAccount(ctx, space, existing);
    state.accounts.set(account.Id, account);
    return jsonResponse(200, accountResource(account));
  };

  const deleteAccount: RouteHandler = (ctx) => {
    const space = routeSpace(ctx);
    const account = accountInSpace(ctx, space);
    requireAdmin(ctx, "AccountDelete");
    state.accounts.delete(account.Id);
    return emptyResponse(200);
  };

  // --- routing ------------------------------------------------------------------------------------

  // Account routes exist under three prefixes; the first capture group is the space (absent for the
  // legacy unscoped form), the next one the account id.
  const accountRoutes = (prefix: string): Route[] => [
    { pattern: new RegExp(`^${prefix}/accounts$`, "i"), methods: { GET: listAccounts, POST: createAccount } },
    { pattern: new RegExp(`^${prefix}/accounts/all$`, "i"), methods: { GET: allAccounts } },
    { pattern: new RegExp(`^${prefix}/accounts/([^/]+)/usages$`, "i"), methods: { GET: accountUsages } },
    { pattern: new RegExp(`^${prefix}/accounts/([^/]+)$`, "i"), methods: { GET: getAccount, PUT: updateAccount, DELETE: deleteAccount } },
  ];

  const routes: Route[] = [
    { pattern: /^\/api$/i, anonymous: true, methods: { GET: getRoot } },
    { pattern: /^\/api\/authentication$/i, anonymous: true, methods: { GET: getAuthentication } },
    { pattern: /^\/api\/users\/login$/i, anonymous: true, methods: { POST: login } },
    { pattern: /^\/api\/users\/logout$/i, anonymous: true, methods: { POST: logout } },
    { pattern: /^\/api\/users\/me$/i, methods: { GET: getMe } },
    { pattern: /^\/api\/users\/all$/i, methods: { GET: allUsers } },
    { pattern: /^\/api\/users$/i, methods: { GET: listUsers, POST: createUserRoute } },
    { pattern: /^\/api\/users\/([^/]+)\/apikeys$/i, methods: { GET: listApiKeys, POST: createApiKeyRoute } },
    { pattern: /^\/api\/users\/([^/]+)\/apikeys\/([^/]+)$/i, methods: { GET: getApiKey, DELETE: deleteApiKey } },
    { pattern: /^\/api\/users\/([^/]+)\/spaces$/i, methods: { GET: userSpaces } },
    { pattern: /^\/api\/users\/([^/]+)\/revoke-sessions$/i, methods: { PUT: revokeSessions } },
    { pattern: /^\/api\/users\/([^/]+)$/i, methods: { GET: getUser } },
    { pattern: /^\/api\/spaces\/all$/i, methods: { GET: allSpaces } },
    { pattern: /^\/api\/spaces$/i, methods: { GET: listSpaces, POST: createSpaceRoute } },
    ...accountRoutes("/api/spaces/([^/]+)"),
    { pattern: /^\/api\/spaces\/([^/]+)$/i, methods: { GET: getSpace } },
    ...accountRoutes("/api()"), // the empty group keeps the account id in params[1]
    ...accountRoutes("/api/([^/]+)"),
    { pattern: /^\/api\/([^/]+)$/i, anonymous: true, methods: { GET: getSpaceRoot } },
  ];

  const handle = (req: EmulatorRequest): EmulatorResponse => {
    let path: string;
    try {
      path = decodeURIComponent(req.path);
    } catch {
      path = req.path;
    }
    if (path.length > 1) path = path.replace(/\/+$/, "");
    // The C# client sends PUT and DELETE as POST with this header.
    const override = req.headers["x-http-method-override"]?.trim().toUpperCase();
    const method = req.method === "POST" && (override === "PUT" || override === "DELETE") ? override : req.method;
    const t = now();
    try {
      for (const route of routes) {
        const match = route.pattern.exec(path);
        if (match === null) continue;
        const params = match.slice(1).map((p) => (p === "" ? undefined : p));
        const fn = route.methods[method];
        if (fn === undefined) {
          const allow = Object.keys(route.methods).join(", ");
          throw new OctopusError(405, `The ${method} method is not allowed on ${path}.`, [], { allow });
        }
        let auth: Auth | undefined;
        if (route.anonymous !== true) {
          auth = authenticate(req);
          if (auth === undefined) throw new OctopusError(401, MSG_UNAUTHORIZED);
          // Anti-forgery applies to cookie sessions only; API-key requests are exempt.
          if (auth.kind === "session" && method !== "GET" && method !== "HEAD" && !csrfOk(req, auth.session!)) {
            throw new OctopusError(csrfFailureStatus, MSG_CSRF);
          }
        }
        // Anonymous routes never read `auth`.
        return fn({ req, method, params, now: t, auth: auth! });
      }
      throw new OctopusError(404, MSG_NOT_FOUND, [`No route matches ${method} ${path}.`]);
    } catch (error) {
      if (error instanceof OctopusError) return jsonResponse(error.status, octopusErrorBody(error.message, error.errors), error.headers);
      throw error;
    }
  };

  const server = await startEmulatorServer(handle, {
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    errorBody: (_status, message) => octopusErrorBody(message),
  });

  return {
    url: server.url,
    state,
    requests: server.requests,
    faults: server.faults,
    installationId,
    cookieNames,
    admin: admin as OctopusEmulatorUser & { password: string },
    createUser: addUser,
    createApiKey: (userId, purpose, expires) => {
      if (!state.users.has(userId)) throw new Error(`No user ${userId}`);
      const at = expires === undefined || expires === null ? expires : new Date(expires).getTime();
      if (typeof at === "number" && Number.isNaN(at)) throw new Error(`Invalid expiry ${String(expires)}`);
      return mintApiKey(userId, purpose, at).plaintext;
    },
    findApiKey: findKey,
    createSpace: (name, o) => addSpace(name, admin.username, o),
    now,
    close: () => server.close(),
  };
}
