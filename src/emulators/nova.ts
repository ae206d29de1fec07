// A local OpenStack emulator: Keystone v3 (token issue, validation and revocation with password,
// application-credential and token methods) and the Nova `os-keypairs` API, in one server. It
// follows /work/shared/reference/nova-api.md; where the reference marks a behaviour as unverified,
// the emulator makes it an option so clients can be tested both ways.
//
// Layout (one server, port 0 by default):
//   /identity                     Keystone version list (300)
//   /identity/v3                  Keystone v3 version document; `authUrl` points here
//   /identity/v3/auth/tokens      POST issue, GET/HEAD validate, DELETE revoke
//   /compute/                     Nova version list, no token needed
//   /compute/v2.1[/]              Nova v2.1 version document (min/max microversion), no token needed
//   /compute/v2.1[/{project_id}]/os-keypairs[/{name}]    the key pair API (token needed)
//   /compute/v2[/{project_id}]/os-keypairs[/{name}]      the legacy v2.0-compatible pipeline
//   /compute/{region}/...         the same for every region after the first (each region has its
//                                 own key pairs, as each region has its own Nova database)
//
// State lives in plain Maps on `state`. Passwords and application-credential secrets are stored as
// SHA-256 hashes (the plaintext is only returned by the helpers that create them). Key pairs keep
// the public key byte for byte; a private key Nova generated is returned once, in the create answer,
// and never stored.

import { X509Certificate, createHash, randomBytes, randomUUID } from "node:crypto";
import { generateKeyPair, inspectPublicKey, selfSignedCertificate } from "../ssh/keys";
import { pkcs12 } from "./pkcs12";
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

/**
 * How Nova words a key pair name with characters it does not allow (reference §2.6):
 * - `unsafe-characters`: Nova ≤ 25 (Yoga and older); checked after the policy check,
 *   `Keypair data is invalid: Keypair name contains unsafe characters`;
 * - `format`: Nova 26–31 (Zed … 2025.1); a schema format check, `An invalid 'name' value was provided. …`;
 * - `pattern`: Nova 32+ (2025.2+); a schema regex, `… 'x/y' does not match '^[_\\- a-zA-Z0-9]+$'`.
 */
export type NovaNameErrorStyle = "unsafe-characters" | "format" | "pattern";

/**
 * The compute endpoint URL form the catalog advertises (reference §1.8):
 * - `v2.1`: `…/compute/v2.1` (install-guide form, no project);
 * - `v2.1-project`: `…/compute/v2.1/<project_id>` (the templated `%(tenant_id)s` form);
 * - `v2-project`: `…/compute/v2/<project_id>`, the legacy v2.0-compatible pipeline (microversion
 *   headers ignored, behaves as 2.1, unknown body keys silently dropped).
 */
export type NovaComputeUrlForm = "v2.1" | "v2.1-project" | "v2-project";

/** Options for {@link startNovaEmulator}. */
export interface NovaEmulatorOptions {
  /** @default "127.0.0.1" */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** A fixed delay before every answer, in ms: the service latency benchmarks run with. @default 0 */
  latencyMs?: number;
  /**
   * The newest microversion Nova offers (the minimum is always 2.1). "2.90" emulates Xena/Yoga
   * (server-side key generation at every microversion), "2.96" 2024.x, "2.100" 2025.x.
   * @default "2.96"
   */
  maxMicroversion?: string;
  /** Lifetime of issued tokens (`[token] expiration`). @default 3600 */
  tokenTtlSeconds?: number;
  /** Clock, in epoch milliseconds or a Date; inject one to expire tokens in tests. @default Date.now */
  now?: () => number | Date;
  /** Key pairs per user (`key_pairs` quota); -1 is unlimited. Per-user overrides: `state.keypairQuotas`. @default 100 */
  keypairQuota?: number;
  /** `[api] max_limit`: the largest page a list returns. @default 1000 */
  maxLimit?: number;
  /** Regions in the catalog; the first is served under `/compute`, the others under `/compute/<region>`. @default ["RegionOne"] */
  regions?: readonly string[];
  /** The compute endpoint URL form in the catalog. @default "v2.1" */
  computeUrlForm?: NovaComputeUrlForm;
  /**
   * How a name with characters Nova does not allow is refused.
   * @default "unsafe-characters" when `maxMicroversion` is below 2.92, else "format"
   */
  nameErrorStyle?: NovaNameErrorStyle;
  /**
   * SSH key types accepted on import (the cloud's python-cryptography decides; reference §3.2).
   * rsa, ecdsa and ed25519 are fully parsed; anything else listed here (`ssh-dss`,
   * `sk-ssh-ed25519@openssh.com`, `*-cert-v01@openssh.com`, …, unverified per cloud) is only checked
   * for a base64 blob whose embedded type matches. Leave `ssh-ed25519` out to emulate older clouds.
   * @default ["ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"]
   */
  acceptedKeyTypes?: readonly string[];
  /** Keystone `insecure_debug`: 401 messages say what was wrong instead of the generic text. @default false */
  insecureDebug?: boolean;
  /** Length of issued token ids (Fernet tokens are ~180–250 characters; unverified). @default 183 */
  tokenLength?: number;
  /**
   * What `GET …/v2.1/<project_id>` (no resource after the project) answers, with a token: the v2.1
   * version document, or a 404 (unverified). @default "version"
   */
  projectRootAnswer?: "version" | "not-found";
  /** Order of names in a list: code-point order, or case-insensitive like MySQL collations (unverified). @default "binary" */
  listOrder?: "binary" | "case-insensitive";
  /** Name of the seeded ordinary user, in domain "Default". @default "demo" */
  username?: string;
  /** Password of the seeded user. @default a random string, exposed as `credentials.password` */
  password?: string;
  /** Name of the seeded user's project (the user is a "member" there). @default "demo" */
  projectName?: string;
  /** Name of the seeded administrator (role "admin" on the "admin" project and on the seeded project). @default "admin" */
  adminUsername?: string;
  /** Password of the seeded administrator. @default a random string, exposed as `admin.password` */
  adminPassword?: string;
  /** Name of the application credential seeded for the ordinary user on its project. @default "emulator" */
  applicationCredentialName?: string;
}

/** A stored Keystone domain. */
export interface NovaDomainRecord {
  id: string;
  name: string;
  enabled: boolean;
}

/** A stored Keystone project. */
export interface NovaProjectRecord {
  /** 32 lowercase hex characters (matches Nova's `[0-9a-f-]+` URL rule). */
  id: string;
  name: string;
  domainId: string;
  enabled: boolean;
}

/** A stored Keystone role. */
export interface NovaRoleRecord {
  id: string;
  name: string;
}

/** A stored Keystone user. */
export interface NovaUserRecord {
  id: string;
  name: string;
  domainId: string;
  enabled: boolean;
  /** SHA-256 (hex) of the password; `undefined` when the user has none. */
  passwordHash: string | undefined;
  /** Used when a password request has no scope. */
  defaultProjectId: string | undefined;
  /** Role names granted per project id (implied roles are added when a token is made). */
  projectRoles: Map<string, Set<string>>;
}

/** A stored application credential. The secret is never stored. */
export interface NovaApplicationCredentialRecord {
  id: string;
  name: string;
  userId: string;
  projectId: string;
  /** Role names the credential carries (a subset of the user's roles on the project when created). */
  roles: string[];
  unrestricted: boolean;
  /** Epoch ms, or `null` for no expiry. */
  expiresAt: number | null;
  /** SHA-256 (hex) of the secret. */
  secretHash: string;
}

/** An issued Keystone token. */
export interface NovaTokenRecord {
  /** The token itself (`X-Subject-Token`, then `X-Auth-Token`). */
  id: string;
  userId: string;
  /** Project scope; `undefined` for an unscoped token. */
  projectId: string | undefined;
  methods: string[];
  /** Role names in effect (implied roles included). */
  roles: string[];
  applicationCredentialId: string | undefined;
  auditId: string;
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

/** A stored key pair. */
export interface NovaKeypairRecord {
  /** Nova's integer database id (shown by `GET /os-keypairs/{name}`). */
  id: number;
  /** The region whose Nova holds it. */
  region: string;
  /** The owner (key pairs belong to a user, not to a project). */
  userId: string;
  name: string;
  type: "ssh" | "x509";
  /** Exactly as imported, or as generated. */
  publicKey: string;
  /** MD5 (ssh) or SHA-1 (x509), lowercase colon hex. */
  fingerprint: string;
  /** Epoch ms. */
  createdAt: number;
  /** `created_at` as Nova shows it: `2014-05-07T12:06:13.681238` (no zone). */
  created_at: string;
  /** True when Nova generated the pair (its private key was in the create answer only). */
  generated: boolean;
  /** The project of the token that created it (bookkeeping only). */
  createdInProject: string | undefined;
}

/** Everything the emulator stores, keyed by id (tokens by the token). Mutable for tests. */
export interface NovaEmulatorState {
  readonly domains: Map<string, NovaDomainRecord>;
  readonly projects: Map<string, NovaProjectRecord>;
  readonly roles: Map<string, NovaRoleRecord>;
  readonly users: Map<string, NovaUserRecord>;
  readonly applicationCredentials: Map<string, NovaApplicationCredentialRecord>;
  readonly tokens: Map<string, NovaTokenRecord>;
  /** Keyed by Nova's integer id, in creation order. */
  readonly keypairs: Map<number, NovaKeypairRecord>;
  /** Per-user `key_pairs` quota overrides (user id → limit, -1 unlimited). */
  readonly keypairQuotas: Map<string, number>;
}

/** Password credentials of a seeded user, in the shape of the `OS_*` settings. */
export interface NovaPasswordCredentials {
  /** The Keystone v3 URL (`OS_AUTH_URL`). */
  authUrl: string;
  /** The first region (`OS_REGION_NAME`). */
  regionName: string;
  username: string;
  userId: string;
  password: string;
  userDomainName: string;
  userDomainId: string;
  projectName: string;
  projectId: string;
  projectDomainName: string;
  projectDomainId: string;
}

/** Credentials of the seeded ordinary user, with its seeded application credential. */
export interface NovaEmulatorCredentials extends NovaPasswordCredentials {
  applicationCredentialId: string;
  applicationCredentialName: string;
  applicationCredentialSecret: string;
}

/** A user made by `createUser`. */
export interface NovaEmulatorUser {
  id: string;
  name: string;
  domainId: string;
  /** The plaintext password. */
  password: string;
}

/** Arguments of `createUser`. */
export interface CreateNovaUserOptions {
  name: string;
  /** @default a random string */
  password?: string;
  /** Domain id or name. @default "default" */
  domain?: string;
  /** Projects (ids or names, in the user's domain or any) on which to grant `roles`. @default [] */
  projects?: readonly string[];
  /** Roles granted on each of `projects`. @default ["member"] */
  roles?: readonly string[];
  /** Default project (id or name); `undefined` leaves unscoped requests unscoped. @default the first of `projects` */
  defaultProject?: string;
  /** @default true */
  enabled?: boolean;
}

/** Arguments of `createApplicationCredential`. */
export interface CreateNovaApplicationCredentialOptions {
  /** The owner: user id or name. */
  user: string;
  /** Project id or name. @default the user's default project */
  project?: string;
  /** Unique per user. @default "appcred-<random>" */
  name?: string;
  /** @default a random string */
  secret?: string;
  /** @default every role the user has on the project */
  roles?: readonly string[];
  /** @default false */
  unrestricted?: boolean;
  /** Expiry (epoch ms or Date), or `null` for none. @default null */
  expiresAt?: number | Date | null;
}

/** An application credential made by `createApplicationCredential`. */
export interface NovaEmulatorApplicationCredential {
  id: string;
  name: string;
  /** The plaintext secret. */
  secret: string;
  userId: string;
  projectId: string;
}

/** A running OpenStack (Keystone + Nova) emulator. */
export interface NovaEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (Keystone under `/identity`, Nova under `/compute`). */
  readonly url: string;
  /** The Keystone v3 URL clients use as `OS_AUTH_URL`: `<url>/identity/v3`. */
  readonly authUrl: string;
  /** The public compute endpoint of the first region for the seeded project, as in the catalog. */
  readonly computeUrl: string;
  readonly regions: readonly string[];
  /** The `maxMicroversion` in effect. */
  readonly maxMicroversion: string;
  readonly state: NovaEmulatorState;
  readonly requests: RequestLog;
  readonly faults: FaultInjector;
  /** The seeded ordinary user (member of its project) and its application credential. */
  readonly credentials: NovaEmulatorCredentials;
  /** The seeded administrator (role admin on the "admin" project and on the seeded project). */
  readonly admin: NovaPasswordCredentials;
  /** Adds a domain directly. */
  createDomain(name: string, options?: { id?: string; enabled?: boolean }): NovaDomainRecord;
  /** Adds a project directly. `domain` is an id or name (default "default"). */
  createProject(name: string, options?: { domain?: string; enabled?: boolean }): NovaProjectRecord;
  /** Adds a user directly (no HTTP). */
  createUser(options: CreateNovaUserOptions): NovaEmulatorUser;
  /** Grants a role (name) to a user (id or name) on a project (id or name). */
  grantRole(user: string, project: string, role: string): void;
  /** Adds an application credential directly and returns its plaintext secret with it. */
  createApplicationCredential(options: CreateNovaApplicationCredentialOptions): NovaEmulatorApplicationCredential;
  /** Issues a token directly (no HTTP): project-scoped (default: the user's default project), or unscoped with `null`. */
  issueToken(user: string, project?: string | null): string;
  /** Makes every issued token expire now; returns how many were still valid. */
  expireTokens(): number;
  /** The compute endpoint the catalog gives for a project and region (defaults: seeded project, first region). */
  computeUrlFor(projectId?: string, region?: string): string;
  /** `OS_*` environment variables for the seeded user (or the administrator), with a password or the application credential. */
  environment(options?: { auth?: "password" | "application-credential"; user?: "user" | "admin" }): Record<string, string>;
  /** The emulator's current time in epoch ms (the `now` option). */
  now(): number;
  /** Stops the server and closes every connection. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Constants and helpers

const MIN_MICROVERSION: Version = [2, 1];
const DEFAULT_KEY_TYPES = ["ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"];
/** Types {@link inspectPublicKey} parses fully. */
const PARSED_KEY_TYPES = new Set(DEFAULT_KEY_TYPES);
const IMPLIED_ROLES: Record<string, string[]> = { admin: ["member", "reader"], member: ["reader"] };
const DEFAULT_DOMAIN_ID = "default";

const KS_UNAUTHORIZED = "The request you have made requires authentication.";
const KS_NOT_FOUND = "The resource could not be found.";
const KS_CLIENT_ERROR = "The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.";
const KS_TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  415: "Unsupported Media Type",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

const NOVA_FAULT_NAMES: Record<number, string> = {
  400: "badRequest",
  401: "unauthorized",
  403: "forbidden",
  404: "itemNotFound",
  405: "badMethod",
  409: "conflictingRequest",
  413: "overLimit",
  415: "badMediaType",
  429: "overLimit",
  501: "notImplemented",
  503: "serviceUnavailable",
};
const NOVA_JSON = "application/json; charset=UTF-8";
const SAFE_CHARS_20 = "_- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const SAFE_CHARS_292 = `@.${SAFE_CHARS_20}`;
const NAME_RE_20 = /^[_\- a-zA-Z0-9]+$/;
const NAME_RE_292 = /^[@._\- a-zA-Z0-9]+$/;
// The patterns as Python's repr shows them in Nova 32+ messages (backslashes doubled).
const NAME_PATTERN_TEXT_20 = "'^[_\\\\- a-zA-Z0-9]+$'";
const NAME_PATTERN_TEXT_292 = "'^[@._\\\\- a-zA-Z0-9]+$'";
const NAME_WHITESPACE = "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.";

/** A microversion as [major, minor]. */
type Version = [number, number];

function parseVersion(text: string): Version | undefined {
  const m = /^([1-9]\d*)\.([1-9]\d*|0)$/.exec(text);
  return m === null ? undefined : [Number(m[1]), Number(m[2])];
}

function cmp(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1];
}

function atLeast(v: Version, major: number, minor: number): boolean {
  return cmp(v, [major, minor]) >= 0;
}

function versionText(v: Version): string {
  return `${v[0]}.${v[1]}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function hexId(): string {
  return randomUUID().replace(/-/g, "");
}

function randomSecret(): string {
  return randomBytes(18).toString("base64url");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Keystone timestamps: ISO 8601 UTC with a 6-digit fraction and `Z`. */
function keystoneTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Nova `created_at`: no zone, 6-digit fraction. */
function novaTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000");
}

/** Python's `repr` of a JSON value (as jsonschema quotes it in messages). */
function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\r/g, "\\r")}'`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (isObject(value)) return `{${Object.entries(value).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(", ")}}`;
  return String(value);
}

/** Python's `str` of a JSON value (Nova's "Value: %s"). */
function pyStr(value: unknown): string {
  return typeof value === "string" ? value : pyRepr(value);
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A Keystone error: `{"error":{"code","title","message"}}`. */
class KeystoneError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A Nova fault: `{"<faultName>":{"code","message"}}`. */
class NovaFault extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function keystoneBody(status: number, message: string): unknown {
  return { error: { code: status, title: KS_TITLES[status] ?? "Error", message } };
}

function novaFaultBody(status: number, message: string): unknown {
  return { [NOVA_FAULT_NAMES[status] ?? "computeFault"]: { code: status, message } };
}

/** Keystone's ValidationError text. */
function expecting(attribute: string, target: string): KeystoneError {
  return new KeystoneError(400, `Expecting to find ${attribute} in ${target}. ${KS_CLIENT_ERROR}`);
}

const badRequest = (message: string): NovaFault => new NovaFault(400, message);

/** jsonschema's "Invalid input for field/attribute <path>. Value: <v>. <message>". */
const invalidField = (field: string, value: unknown, message: string): NovaFault =>
  badRequest(`Invalid input for field/attribute ${field}. Value: ${pyStr(value)}. ${message}`);

function unexpected(extras: string[]): string {
  const sorted = [...extras].sort();
  return `Additional properties are not allowed (${sorted.map(pyRepr).join(", ")} ${sorted.length === 1 ? "was" : "were"} unexpected)`;
}

/** The MD5 fingerprint as Nova computes it: MD5 of base64-decoding field [1] of `split(" ")`. */
function md5OfField1(publicKey: string): string {
  const blob = Buffer.from(publicKey.split(" ")[1] ?? "", "base64");
  return createHash("md5").update(blob).digest("hex").match(/../g)!.join(":");
}

// ---------------------------------------------------------------------------------------------
// The emulator

interface NovaCtx {
  req: EmulatorRequest;
  token: NovaTokenRecord;
  version: Version;
  legacy: boolean;
  region: string;
  /** The path up to (not including) `/os-keypairs`, e.g. `/compute/v2.1/<pid>`. */
  prefix: string;
}

/** Starts a Keystone + Nova emulator on a free port. Close it with `close()`. */
export async function startNovaEmulator(options: NovaEmulatorOptions = {}): Promise<NovaEmulator> {
  const maxText = options.maxMicroversion ?? "2.96";
  const maxVersion = parseVersion(maxText);
  if (maxVersion === undefined || cmp(maxVersion, MIN_MICROVERSION) < 0) throw new RangeError(`maxMicroversion must be a microversion of at least 2.1, got ${maxText}`);
  const tokenTtlMs = (options.tokenTtlSeconds ?? 3600) * 1000;
  if (!(tokenTtlMs > 0)) throw new RangeError(`tokenTtlSeconds must be positive, got ${String(options.tokenTtlSeconds)}`);
  const keypairQuota = options.keypairQuota ?? 100;
  if (!Number.isInteger(keypairQuota) || keypairQuota < -1) throw new RangeError(`keypairQuota must be an integer >= -1, got ${keypairQuota}`);
  const maxLimit = options.maxLimit ?? 1000;
  if (!Number.isInteger(maxLimit) || maxLimit < 1) throw new RangeError(`maxLimit must be a positive integer, got ${maxLimit}`);
  const regions = [...(options.regions ?? ["RegionOne"])];
  if (regions.length === 0 || new Set(regions).size !== regions.length || regions.some((r) => r === "" || r === "v2" || r === "v2.1")) {
    throw new RangeError(`regions must be distinct non-empty names other than v2 and v2.1, got ${JSON.stringify(regions)}`);
  }
  const computeUrlForm = options.computeUrlForm ?? "v2.1";
  const nameErrorStyle: NovaNameErrorStyle = options.nameErrorStyle ?? (atLeast(maxVersion, 2, 92) ? "format" : "unsafe-characters");
  const acceptedKeyTypes = new Set(options.acceptedKeyTypes ?? DEFAULT_KEY_TYPES);
  const insecureDebug = options.insecureDebug ?? false;
  const tokenLength = options.tokenLength ?? 183;
  if (!Number.isInteger(tokenLength) || tokenLength < 16) throw new RangeError(`tokenLength must be an integer of at least 16, got ${tokenLength}`);
  const projectRootAnswer = options.projectRootAnswer ?? "version";
  const listOrder = options.listOrder ?? "binary";
  const now = clockFrom(options.now);

  const state: NovaEmulatorState = {
    domains: new Map(),
    projects: new Map(),
    roles: new Map(),
    users: new Map(),
    applicationCredentials: new Map(),
    tokens: new Map(),
    keypairs: new Map(),
    keypairQuotas: new Map(),
  };
  let nextKeypairId = 1;
  // Set once the server listens (the handler only runs after that).
  let base = "";

  // --- identity state -----------------------------------------------------------------------------

  const findDomain = (idOrName: string): NovaDomainRecord | undefined =>
    state.domains.get(idOrName) ?? [...state.domains.values()].find((d) => d.name === idOrName);

  const requireDomain = (idOrName: string): NovaDomainRecord => {
    const d = findDomain(idOrName);
    if (d === undefined) throw new Error(`No domain '${idOrName}'`);
    return d;
  };

  const findProject = (idOrName: string): NovaProjectRecord | undefined =>
    state.projects.get(idOrName) ?? [...state.projects.values()].find((p) => p.name === idOrName);

  const requireProject = (idOrName: string): NovaProjectRecord => {
    const p = findProject(idOrName);
    if (p === undefined) throw new Error(`No project '${idOrName}'`);
    return p;
  };

  const findUser = (idOrName: string): NovaUserRecord | undefined =>
    state.users.get(idOrName) ?? [...state.users.values()].find((u) => u.name === idOrName);

  const requireUser = (idOrName: string): NovaUserRecord => {
    const u = findUser(idOrName);
    if (u === undefined) throw new Error(`No user '${idOrName}'`);
    return u;
  };

  const ensureRole = (name: string): NovaRoleRecord => {
    const existing = [...state.roles.values()].find((r) => r.name === name);
    if (existing !== undefined) return existing;
    const role = { id: hexId(), name };
    state.roles.set(role.id, role);
    return role;
  };

  const createDomain = (name: string, o: { id?: string; enabled?: boolean } = {}): NovaDomainRecord => {
    if ([...state.domains.values()].some((d) => d.name === name)) throw new Error(`A domain named '${name}' already exists`);
    const domain = { id: o.id ?? hexId(), name, enabled: o.enabled ?? true };
    if (state.domains.has(domain.id)) throw new Error(`A domain with id '${domain.id}' already exists`);
    state.domains.set(domain.id, domain);
    return domain;
  };

  const createProject = (name: string, o: { domain?: string; enabled?: boolean } = {}): NovaProjectRecord => {
    const domain = requireDomain(o.domain ?? DEFAULT_DOMAIN_ID);
    if ([...state.projects.values()].some((p) => p.name === name && p.domainId === domain.id)) throw new Error(`A project named '${name}' already exists in domain '${domain.name}'`);
    const project = { id: hexId(), name, domainId: domain.id, enabled: o.enabled ?? true };
    state.projects.set(project.id, project);
    return project;
  };

  const grantRole = (user: string, project: string, role: string): void => {
    const u = requireUser(user);
    const p = requireProject(project);
    ensureRole(role);
    let roles = u.projectRoles.get(p.id);
    if (roles === undefined) u.projectRoles.set(p.id, (roles = new Set()));
    roles.add(role);
  };

  const createUser = (o: CreateNovaUserOptions): NovaEmulatorUser => {
    const domain = requireDomain(o.domain ?? DEFAULT_DOMAIN_ID);
    if ([...state.users.values()].some((u) => u.name === o.name && u.domainId === domain.id)) throw new Error(`A user named '${o.name}' already exists in domain '${domain.name}'`);
    const password = o.password ?? randomSecret();
    const projects = (o.projects ?? []).map(requireProject);
    const defaultProject = o.defaultProject !== undefined ? requireProject(o.defaultProject) : projects[0];
    const user: NovaUserRecord = {
      id: hexId(),
      name: o.name,
      domainId: domain.id,
      enabled: o.enabled ?? true,
      passwordHash: sha256(password),
      defaultProjectId: defaultProject?.id,
      projectRoles: new Map(),
    };
    state.users.set(user.id, user);
    for (const p of projects) for (const role of o.roles ?? ["member"]) grantRole(user.id, p.id, role);
    return { id: user.id, name: user.name, domainId: domain.id, password };
  };

  /** Role names in effect for a user on a project, implied roles added. */
  const effectiveRoles = (names: Iterable<string>): string[] => {
    const out = new Set<string>();
    const add = (n: string): void => {
      if (out.has(n)) return;
      out.add(n);
      ensureRole(n);
      for (const implied of IMPLIED_ROLES[n] ?? []) add(implied);
    };
    for (const n of names) add(n);
    return [...out];
  };

  const createApplicationCredential = (o: CreateNovaApplicationCredentialOptions): NovaEmulatorApplicationCredential => {
    const user = requireUser(o.user);
    const projectRef = o.project ?? user.defaultProjectId;
    if (projectRef === undefined) throw new Error(`User '${user.name}' has no default project: give one`);
    const project = requireProject(projectRef);
    const granted = user.projectRoles.get(project.id);
    if (granted === undefined || granted.size === 0) throw new Error(`User '${user.name}' has no role on project '${project.name}'`);
    const name = o.name ?? `appcred-${randomBytes(4).toString("hex")}`;
    if ([...state.applicationCredentials.values()].some((c) => c.userId === user.id && c.name === name)) {
      throw new Error(`User '${user.name}' already has an application credential named '${name}'`);
    }
    const roles = [...(o.roles ?? granted)];
    for (const r of roles) if (!effectiveRoles(granted).includes(r)) throw new Error(`User '${user.name}' does not have role '${r}' on project '${project.name}'`);
    const secret = o.secret ?? randomSecret();
    const expires = o.expiresAt ?? null;
    const record: NovaApplicationCredentialRecord = {
      id: hexId(),
      name,
      userId: user.id,
      projectId: project.id,
      roles,
      unrestricted: o.unrestricted ?? false,
      expiresAt: expires === null ? null : expires instanceof Date ? expires.getTime() : expires,
      secretHash: sha256(secret),
    };
    state.applicationCredentials.set(record.id, record);
    return { id: record.id, name, secret, userId: user.id, projectId: project.id };
  };

  const mintToken = (t: number, fields: Pick<NovaTokenRecord, "userId" | "projectId" | "methods" | "roles" | "applicationCredentialId"> & { expiresAt?: number }): NovaTokenRecord => {
    let id = "";
    while (id === "" || state.tokens.has(id)) id = `gAAAAAB${randomBytes(tokenLength).toString("base64url")}`.slice(0, tokenLength);
    const record: NovaTokenRecord = {
      id,
      ...fields,
      auditId: randomBytes(16).toString("base64url").slice(0, 22),
      issuedAt: t,
      expiresAt: fields.expiresAt ?? t + tokenTtlMs,
      revoked: false,
    };
    state.tokens.set(id, record);
    return record;
  };

  const rolesOn = (user: NovaUserRecord, projectId: string): string[] => effectiveRoles(user.projectRoles.get(projectId) ?? []);

  const issueToken = (userRef: string, projectRef?: string | null): string => {
    const user = requireUser(userRef);
    const projectId = projectRef === null ? undefined : projectRef === undefined ? user.defaultProjectId : requireProject(projectRef).id;
    const roles = projectId === undefined ? [] : rolesOn(user, projectId);
    if (projectId !== undefined && roles.length === 0) throw new Error(`User '${user.name}' has no role on that project`);
    return mintToken(now(), { userId: user.id, projectId, methods: ["password"], roles, applicationCredentialId: undefined }).id;
  };

  const validToken = (id: string | undefined, t: number): NovaTokenRecord | undefined => {
    if (id === undefined) return undefined;
    const record = state.tokens.get(id.trim());
    return record !== undefined && !record.revoked && t < record.expiresAt ? record : undefined;
  };

  const expireTokens = (): number => {
    const t = now();
    let count = 0;
    for (const token of state.tokens.values()) {
      if (!token.revoked && t < token.expiresAt) {
        token.expiresAt = t;
        count++;
      }
    }
    return count;
  };

  // --- catalog --------------------------------------------------------------------------------------

  const regionMount = (region: string): string => (region === regions[0] ? "/compute" : `/compute/${encodeURIComponent(region)}`);

  const computeUrlFor = (projectId?: string, region?: string): string => {
    const r = region ?? regions[0]!;
    if (!regions.includes(r)) throw new Error(`No region '${r}'`);
    const pid = projectId ?? credentials.projectId;
    const mount = `${base}${regionMount(r)}`;
    if (computeUrlForm === "v2.1") return `${mount}/v2.1`;
    if (computeUrlForm === "v2.1-project") return `${mount}/v2.1/${pid}`;
    return `${mount}/v2/${pid}`;
  };

  const computeServiceId = hexId();
  const identityServiceId = hexId();
  const endpointIds = new Map<string, string>();
  const endpointId = (key: string): string => {
    let id = endpointIds.get(key);
    if (id === undefined) endpointIds.set(key, (id = hexId()));
    return id;
  };

  const catalog = (projectId: string): unknown[] => {
    const interfaces = ["public", "internal", "admin"] as const;
    return [
      {
        type: "compute",
        name: "nova",
        id: computeServiceId,
        endpoints: regions.flatMap((region) =>
          interfaces.map((iface) => ({ id: endpointId(`compute/${region}/${iface}`), interface: iface, region, region_id: region, url: computeUrlFor(projectId, region) })),
        ),
      },
      {
        type: "identity",
        name: "keystone",
        id: identityServiceId,
        endpoints: interfaces.map((iface) => ({ id: endpointId(`identity/${iface}`), interface: iface, region: regions[0], region_id: regions[0], url: `${base}/identity` })),
      },
    ];
  };

  // --- Keystone -------------------------------------------------------------------------------------

  const ksHeaders = (): Record<string, string> => ({ vary: "X-Auth-Token", "x-openstack-request-id": `req-${randomUUID()}` });

  const unauthorized = (detail: string): KeystoneError =>
    new KeystoneError(401, insecureDebug ? detail : KS_UNAUTHORIZED, { "www-authenticate": `Keystone uri="${base}/identity"` });

  const ksVersion = (): unknown => ({
    id: "v3.14",
    status: "stable",
    updated: "2020-04-07T00:00:00Z",
    links: [{ rel: "self", href: `${base}/identity/v3/` }],
    "media-types": [{ base: "application/json", type: "application/vnd.openstack.identity-v3+json" }],
  });

  const domainRef = (ref: unknown, target: string): NovaDomainRecord | undefined => {
    if (!isObject(ref)) throw expecting("domain", target);
    if (typeof ref["id"] === "string") return state.domains.get(ref["id"]);
    if (typeof ref["name"] === "string") return [...state.domains.values()].find((d) => d.name === ref["name"]);
    throw expecting("id or name", "domain");
  };

  /** A user given by id, or by name and domain; `undefined` when there is no such (enabled) user. */
  const userRef = (ref: unknown): NovaUserRecord | undefined => {
    if (!isObject(ref)) throw expecting("user", "identity");
    if (typeof ref["id"] === "string" && ref["id"] !== "") {
      const user = state.users.get(ref["id"]);
      return user !== undefined && state.domains.get(user.domainId)?.enabled === true ? user : undefined;
    }
    if (typeof ref["name"] === "string" && ref["name"] !== "") {
      if (ref["domain"] === undefined) throw expecting("domain", "user");
      const domain = domainRef(ref["domain"], "user");
      if (domain === undefined || !domain.enabled) return undefined;
      return [...state.users.values()].find((u) => u.name === ref["name"] && u.domainId === domain.id);
    }
    throw expecting("id or name", "user");
  };

  /** The project of a `scope.project`, or 401. */
  const projectScope = (ref: unknown): NovaProjectRecord => {
    if (!isObject(ref)) throw expecting("project", "scope");
    let project: NovaProjectRecord | undefined;
    if (typeof ref["id"] === "string" && ref["id"] !== "") {
      project = state.projects.get(ref["id"]);
    } else if (typeof ref["name"] === "string" && ref["name"] !== "") {
      if (ref["domain"] === undefined) throw expecting("domain", "project");
      const domain = domainRef(ref["domain"], "project");
      project = domain === undefined ? undefined : [...state.projects.values()].find((p) => p.name === ref["name"] && p.domainId === domain.id);
    } else {
      throw expecting("id or name", "project");
    }
    if (project === undefined) throw unauthorized("Could not find project.");
    if (!project.enabled || state.domains.get(project.domainId)?.enabled !== true) throw unauthorized("Project is disabled.");
    return project;
  };

  type Scope = { kind: "default" } | { kind: "unscoped" } | { kind: "project"; project: NovaProjectRecord };

  const parseScope = (scope: unknown): Scope => {
    if (scope === undefined) return { kind: "default" };
    if (scope === "unscoped") return { kind: "unscoped" };
    if (!isObject(scope)) throw new KeystoneError(400, `Invalid input for field 'scope': ${pyRepr(scope)} is not of type 'object', 'string'`);
    if (scope["project"] !== undefined) return { kind: "project", project: projectScope(scope["project"]) };
    // Domain, system and trust scopes are real Keystone features this emulator does not issue.
    throw unauthorized("The emulator issues project-scoped and unscoped tokens only.");
  };

  /** Resolves the scope of a password or token authentication for `user`. */
  const scopeFor = (user: NovaUserRecord, scope: Scope): { projectId: string | undefined; roles: string[] } => {
    if (scope.kind === "unscoped") return { projectId: undefined, roles: [] };
    if (scope.kind === "default") {
      // The default project is used only when it exists, is enabled and the user has a role there.
      const p = user.defaultProjectId === undefined ? undefined : state.projects.get(user.defaultProjectId);
      const roles = p === undefined || !p.enabled ? [] : rolesOn(user, p.id);
      return roles.length > 0 ? { projectId: p!.id, roles } : { projectId: undefined, roles: [] };
    }
    const roles = rolesOn(user, scope.project.id);
    if (roles.length === 0) throw unauthorized(`User ${user.id} has no access to project ${scope.project.id}`);
    return { projectId: scope.project.id, roles };
  };

  const tokenBody = (token: NovaTokenRecord, withCatalog: boolean): unknown => {
    const user = state.users.get(token.userId);
    const userDomain = user === undefined ? undefined : state.domains.get(user.domainId);
    const project = token.projectId === undefined ? undefined : state.projects.get(token.projectId);
    const projectDomain = project === undefined ? undefined : state.domains.get(project.domainId);
    const credential = token.applicationCredentialId === undefined ? undefined : state.applicationCredentials.get(token.applicationCredentialId);
    const roleRecord = (name: string): NovaRoleRecord => ensureRole(name);
    return {
      token: {
        methods: token.methods,
        user: {
          id: token.userId,
          name: user?.name ?? "",
          domain: { id: userDomain?.id ?? "", name: userDomain?.name ?? "" },
          password_expires_at: null,
        },
        audit_ids: [token.auditId],
        expires_at: keystoneTime(token.expiresAt),
        issued_at: keystoneTime(token.issuedAt),
        ...(project === undefined
          ? {}
          : {
              project: { id: project.id, name: project.name, domain: { id: projectDomain?.id ?? "", name: projectDomain?.name ?? "" } },
              is_domain: false,
              roles: token.roles.map((n) => ({ id: roleRecord(n).id, name: n })),
              ...(withCatalog ? { catalog: catalog(project.id) } : {}),
            }),
        ...(credential === undefined ? {} : { application_credential: { id: credential.id, name: credential.name, restricted: !credential.unrestricted } }),
      },
    };
  };

  const passwordAuth = (identity: Record<string, unknown>, scope: unknown, t: number): NovaTokenRecord => {
    const method = identity["password"];
    if (!isObject(method)) throw expecting("password", "identity");
    const ref = method["user"];
    if (!isObject(ref)) throw expecting("user", "password");
    const user = userRef(ref);
    const password = ref["password"];
    if (typeof password !== "string") throw expecting("password", "user");
    if (user === undefined) throw unauthorized("Could not find user.");
    if (!user.enabled) throw unauthorized(`User ${user.id} is disabled.`);
    if (user.passwordHash === undefined || user.passwordHash !== sha256(password)) throw unauthorized("Invalid username or password");
    const { projectId, roles } = scopeFor(user, parseScope(scope));
    return mintToken(t, { userId: user.id, projectId, methods: ["password"], roles, applicationCredentialId: undefined });
  };

  const applicationCredentialAuth = (identity: Record<string, unknown>, scope: unknown, t: number): NovaTokenRecord => {
    const method = identity["application_credential"];
    if (!isObject(method)) throw expecting("application_credential", "identity");
    const secret = method["secret"];
    if (typeof secret !== "string") throw expecting("secret", "application_credential");
    let credential: NovaApplicationCredentialRecord | undefined;
    if (typeof method["id"] === "string" && method["id"] !== "") {
      credential = state.applicationCredentials.get(method["id"]);
    } else if (typeof method["name"] === "string" && method["name"] !== "") {
      if (method["user"] === undefined) throw expecting("user", "application credential");
      const ref = method["user"];
      if (!isObject(ref)) throw expecting("user", "application credential");
      if (ref["id"] === undefined && ref["name"] !== undefined && ref["domain"] === undefined) throw expecting("domain", "user");
      const user = userRef(ref);
      credential = user === undefined ? undefined : [...state.applicationCredentials.values()].find((c) => c.userId === user.id && c.name === method["name"]);
    } else {
      throw expecting("id or name", "application credential");
    }
    if (scope !== undefined) throw unauthorized("Application credentials cannot request a scope.");
    if (credential === undefined) throw unauthorized("Could not find Application Credential.");
    if (credential.secretHash !== sha256(secret)) throw unauthorized("Invalid application credential secret.");
    if (credential.expiresAt !== null && t >= credential.expiresAt) throw unauthorized("Application credential has expired.");
    const user = state.users.get(credential.userId);
    const project = state.projects.get(credential.projectId);
    if (user === undefined || !user.enabled || state.domains.get(user.domainId)?.enabled !== true) throw unauthorized("User is disabled.");
    if (project === undefined || !project.enabled) throw unauthorized("Project is disabled.");
    // The credential's roles, but only those the user still has on the project.
    const current = rolesOn(user, project.id);
    const roles = effectiveRoles(credential.roles).filter((r) => current.includes(r));
    if (roles.length === 0) throw unauthorized("The user no longer has the credential's roles on the project.");
    return mintToken(t, { userId: user.id, projectId: project.id, methods: ["application_credential"], roles, applicationCredentialId: credential.id });
  };

  const tokenAuth = (identity: Record<string, unknown>, scope: unknown, t: number): NovaTokenRecord => {
    const method = identity["token"];
    if (!isObject(method) || typeof method["id"] !== "string") throw expecting("id", "token");
    const old = validToken(method["id"], t);
    if (old === undefined) throw unauthorized("Could not find token.");
    if (old.applicationCredentialId !== undefined) throw unauthorized("A token created with an application credential cannot be rescoped.");
    const user = state.users.get(old.userId);
    if (user === undefined || !user.enabled) throw unauthorized("User is disabled.");
    const { projectId, roles } = scopeFor(user, parseScope(scope));
    // A rescoped token keeps the expiry of the token it came from.
    return mintToken(t, { userId: user.id, projectId, methods: old.methods, roles, applicationCredentialId: undefined, expiresAt: old.expiresAt });
  };

  const issue = (req: EmulatorRequest, t: number): EmulatorResponse => {
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (req.rawBody.trim() !== "" && contentType !== "" && contentType !== "application/json") throw expecting("application/json", "Content-Type header");
    if (req.rawBody.trim() !== "" && !req.isJson) throw expecting("valid JSON", "request body");
    const body = req.body;
    if (!isObject(body) || !isObject(body["auth"])) throw new KeystoneError(400, "'auth' is a required property");
    const auth = body["auth"];
    const identity = auth["identity"];
    if (!isObject(identity)) throw new KeystoneError(400, "Invalid input for field 'auth': 'identity' is a required property");
    const methods = identity["methods"];
    if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === "string")) {
      throw new KeystoneError(400, "Invalid input for field 'identity': 'methods' is a required property");
    }
    if (methods.length !== 1) throw unauthorized("The emulator supports one authentication method per request.");
    const scope = auth["scope"];
    let token: NovaTokenRecord;
    switch (methods[0]) {
      case "password":
        token = passwordAuth(identity, scope, t);
        break;
      case "application_credential":
        token = applicationCredentialAuth(identity, scope, t);
        break;
      case "token":
        token = tokenAuth(identity, scope, t);
        break;
      default:
        throw unauthorized("Attempted to authenticate with an unsupported method.");
    }
    return jsonResponse(201, tokenBody(token, !req.searchParams.has("nocatalog")), { ...ksHeaders(), "x-subject-token": token.id });
  };

  /** GET/HEAD/DELETE /v3/auth/tokens: the caller's token, then the subject token. */
  const subject = (req: EmulatorRequest, t: number): NovaTokenRecord => {
    if (validToken(req.headers["x-auth-token"], t) === undefined) throw unauthorized("The caller's token is invalid or expired.");
    const id = req.headers["x-subject-token"];
    const token = validToken(id, t);
    if (token === undefined) throw new KeystoneError(404, `Could not find token: ${id ?? ""}.`);
    return token;
  };

  const keystone = (req: EmulatorRequest, segments: string[], t: number): EmulatorResponse => {
    try {
      const get = req.method === "GET" || req.method === "HEAD";
      if (segments.length === 0) {
        if (!get) throw new KeystoneError(405, "The method is not allowed for the requested URL.");
        return jsonResponse(300, { versions: { values: [ksVersion()] } }, ksHeaders());
      }
      if (segments[0] !== "v3") throw new KeystoneError(404, KS_NOT_FOUND);
      const rest = segments.slice(1).join("/");
      if (rest === "") {
        if (!get) throw new KeystoneError(405, "The method is not allowed for the requested URL.");
        return jsonResponse(200, { version: ksVersion() }, ksHeaders());
      }
      if (rest !== "auth/tokens") throw new KeystoneError(404, KS_NOT_FOUND);
      switch (req.method) {
        case "POST":
          return issue(req, t);
        case "GET":
          return jsonResponse(200, tokenBody(subject(req, t), !req.searchParams.has("nocatalog")), { ...ksHeaders(), "x-subject-token": req.headers["x-subject-token"]!.trim() });
        case "HEAD":
          subject(req, t);
          return emptyResponse(200, { ...ksHeaders(), "x-subject-token": req.headers["x-subject-token"]!.trim() });
        case "DELETE":
          subject(req, t).revoked = true;
          return emptyResponse(204, ksHeaders());
        default:
          throw new KeystoneError(405, "The method is not allowed for the requested URL.");
      }
    } catch (error) {
      if (error instanceof KeystoneError) return jsonResponse(error.status, keystoneBody(error.status, error.message), { ...ksHeaders(), ...error.headers });
      throw error;
    }
  };

  // --- Nova: versions -------------------------------------------------------------------------------

  const v21Document = (mount: string): Record<string, unknown> => ({
    id: "v2.1",
    status: "CURRENT",
    version: maxText,
    min_version: versionText(MIN_MICROVERSION),
    updated: "2013-07-23T11:33:21Z",
    links: [
      { rel: "self", href: `${base}${mount}/v2.1/` },
      { rel: "describedby", type: "text/html", href: "http://docs.openstack.org/" },
    ],
    "media-types": [{ base: "application/json", type: "application/vnd.openstack.compute+json;version=2.1" }],
  });

  const v20Document = (mount: string): Record<string, unknown> => ({
    id: "v2.0",
    status: "DEPRECATED",
    version: "",
    min_version: "",
    updated: "2025-07-04T12:00:00Z",
    links: [
      { rel: "self", href: `${base}${mount}/v2/` },
      { rel: "describedby", type: "text/html", href: "http://docs.openstack.org/" },
    ],
    "media-types": [{ base: "application/json", type: "application/vnd.openstack.compute+json;version=2" }],
  });

  // --- Nova: microversions --------------------------------------------------------------------------

  /** The requested microversion text: `OpenStack-API-Version: compute X.Y` wins over the legacy header. */
  const requestedVersion = (req: EmulatorRequest): string | undefined => {
    const modern = req.headers["openstack-api-version"];
    if (modern !== undefined) {
      for (const item of modern.split(",")) {
        const [service, value] = item.trim().split(/\s+/);
        if (service?.toLowerCase() === "compute" && value !== undefined) return value;
      }
    }
    const legacyHeader = req.headers["x-openstack-nova-api-version"]?.trim();
    return legacyHeader === "" ? undefined : legacyHeader;
  };

  const negotiate = (req: EmulatorRequest): Version => {
    const text = requestedVersion(req);
    if (text === undefined) return MIN_MICROVERSION;
    if (text.toLowerCase() === "latest") return maxVersion;
    const v = parseVersion(text);
    if (v === undefined) throw badRequest(`API Version String ${text} is of invalid format. Must be of format MajorNum.MinorNum.`);
    if (cmp(v, MIN_MICROVERSION) < 0 || cmp(v, maxVersion) > 0) {
      throw new NovaFault(406, `Version ${versionText(v)} is not supported by the API. Minimum is ${versionText(MIN_MICROVERSION)} and maximum is ${maxText}.`);
    }
    return v;
  };

  // --- Nova: key pairs ------------------------------------------------------------------------------

  const sortNames = (a: string, b: string): number => {
    if (listOrder === "case-insensitive") {
      const la = a.toLowerCase();
      const lb = b.toLowerCase();
      if (la !== lb) return la < lb ? -1 : 1;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  };

  const keypairsOf = (region: string, userId: string): NovaKeypairRecord[] =>
    [...state.keypairs.values()].filter((k) => k.region === region && k.userId === userId).sort((a, b) => sortNames(a.name, b.name));

  const findKeypair = (region: string, userId: string, name: string): NovaKeypairRecord | undefined =>
    [...state.keypairs.values()].find((k) => k.region === region && k.userId === userId && k.name === name);

  const isAdmin = (token: NovaTokenRecord): boolean => token.roles.includes("admin");

  const authorize = (ctx: NovaCtx, action: string, userId: string): void => {
    if (userId !== ctx.token.userId && !isAdmin(ctx.token)) throw new NovaFault(403, `Policy doesn't allow os_compute_api:os-keypairs:${action} to be performed.`);
  };

  /** From 2.75, unknown query parameters are a 400; before, they are ignored. */
  const checkQuery = (ctx: NovaCtx, allowed: string[]): void => {
    if (ctx.legacy || !atLeast(ctx.version, 2, 75)) return;
    const extras = [...new Set(ctx.req.searchParams.keys())].filter((k) => !allowed.includes(k));
    if (extras.length > 0) throw badRequest(`Invalid input for query parameters ${extras.sort()[0]}. ${unexpected(extras)}`);
  };

  /** `user_id` from the query (2.10+; repeated → the first), else the token's user. */
  const queryUser = (ctx: NovaCtx): string => {
    if (ctx.legacy || !atLeast(ctx.version, 2, 10)) return ctx.token.userId;
    return ctx.req.searchParams.get("user_id") ?? ctx.token.userId;
  };

  const keypairView = (k: NovaKeypairRecord, ctx: NovaCtx, extra: "list" | "create" | "show"): Record<string, unknown> => {
    const view: Record<string, unknown> = { name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint };
    if (extra !== "list") view["user_id"] = k.userId;
    if (atLeast(ctx.version, 2, 2)) view["type"] = k.type;
    if (extra === "show") Object.assign(view, { deleted: false, created_at: k.created_at, updated_at: null, deleted_at: null, id: k.id });
    return view;
  };

  /** Validates a name against the schema of the request's microversion (whitespace, length, and characters unless checked later). */
  const validateName = (name: unknown, ctx: NovaCtx): void => {
    if (typeof name !== "string") throw invalidField("name", name, `${pyRepr(name)} is not of type 'string'`);
    if (name.length < 1) throw invalidField("name", name, `${pyRepr(name)} is too short`);
    if (name.length > 255) throw invalidField("name", name, `${pyRepr(name)} is too long`);
    if (/^\s|\s$/.test(name)) throw badRequest(NAME_WHITESPACE);
    if (nameErrorStyle === "unsafe-characters") return;
    const v292 = atLeast(ctx.version, 2, 92);
    if ((v292 ? NAME_RE_292 : NAME_RE_20).test(name)) return;
    if (nameErrorStyle === "format") throw badRequest(`An invalid 'name' value was provided. The name must be: Only expected characters: [${v292 ? SAFE_CHARS_292 : SAFE_CHARS_20}]`);
    throw invalidField("name", name, `${pyRepr(name)} does not match ${v292 ? NAME_PATTERN_TEXT_292 : NAME_PATTERN_TEXT_20}`);
  };

  /** The `keypair` object of a create body, validated against the microversion's schema (reference §2.4). */
  const validateCreate = (ctx: NovaCtx): Record<string, unknown> => {
    const req = ctx.req;
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (contentType !== "" && contentType !== "text/plain" && contentType !== "application/json" && contentType !== "application/vnd.openstack.compute+json") {
      throw new NovaFault(415, "Unsupported Content-Type");
    }
    if (req.rawBody.trim() !== "" && !req.isJson) throw badRequest("Malformed request body");
    const body: unknown = req.body ?? {};
    const v = ctx.version;
    const allowed = ["name", "public_key", ...(atLeast(v, 2, 2) ? ["type"] : []), ...(atLeast(v, 2, 10) ? ["user_id"] : [])];
    const required = atLeast(v, 2, 92) ? ["name", "public_key"] : ["name"];
    if (!isObject(body)) throw badRequest(`${pyRepr(body)} is not of type 'object'`);
    if ("keypair" in body) {
      const kp = body["keypair"];
      if (!isObject(kp)) throw invalidField("keypair", kp, `${pyRepr(kp)} is not of type 'object'`);
      if (ctx.legacy) {
        // The v2.0-compatible pipeline drops what the schema does not know, and strips the name.
        for (const key of Object.keys(kp)) if (!allowed.includes(key)) delete kp[key];
        if (typeof kp["name"] === "string") kp["name"] = kp["name"].trim();
      }
      if ("name" in kp) validateName(kp["name"], ctx);
      if ("public_key" in kp && typeof kp["public_key"] !== "string") throw invalidField("public_key", kp["public_key"], `${pyRepr(kp["public_key"])} is not of type 'string'`);
      if (allowed.includes("type") && "type" in kp && kp["type"] !== "ssh" && kp["type"] !== "x509") {
        throw invalidField("type", kp["type"], `${pyRepr(kp["type"])} is not one of ['ssh', 'x509']`);
      }
      if (allowed.includes("user_id") && "user_id" in kp && typeof kp["user_id"] !== "string") throw invalidField("user_id", kp["user_id"], `${pyRepr(kp["user_id"])} is not of type 'string'`);
      for (const r of required) if (!(r in kp)) throw invalidField("keypair", kp, `${pyRepr(r)} is a required property`);
      const extras = Object.keys(kp).filter((k) => !allowed.includes(k));
      if (extras.length > 0) throw invalidField("keypair", kp, unexpected(extras));
    }
    if (!("keypair" in body)) throw badRequest("'keypair' is a required property");
    const topExtras = Object.keys(body).filter((k) => k !== "keypair");
    if (topExtras.length > 0) {
      if (!ctx.legacy) throw badRequest(unexpected(topExtras));
    }
    return body["keypair"] as Record<string, unknown>;
  };

  /** Checks an SSH public key as Nova would (python-cryptography parses it) and returns Nova's MD5 fingerprint. */
  const sshFingerprint = (publicKey: string): string => {
    const invalid = (): NovaFault => badRequest("Keypair data is invalid: failed to generate fingerprint");
    // A leading space or a tab between the type and the key fails; a second line or a CR LF does not.
    const firstLine = publicKey.split("\n")[0]!.replace(/\r$/, "");
    const m = /^(\S+) +(\S+)/.exec(firstLine);
    if (m === null) throw invalid();
    const type = m[1]!;
    const encoded = m[2]!;
    if (!acceptedKeyTypes.has(type)) throw invalid();
    let md5: string;
    if (PARSED_KEY_TYPES.has(type)) {
      try {
        const info = inspectPublicKey(`${type} ${encoded}`);
        if (info.keyType !== type) throw invalid();
        md5 = info.md5Fingerprint;
      } catch {
        throw invalid();
      }
    } else {
      // Types this package does not parse: the base64 blob must at least name the same type.
      const blob = Buffer.from(encoded, "base64");
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || blob.length < 4) throw invalid();
      const length = blob.readUInt32BE(0);
      if (4 + length > blob.length || blob.subarray(4, 4 + length).toString("latin1") !== type) throw invalid();
      md5 = createHash("md5").update(blob).digest("hex").match(/../g)!.join(":");
    }
    // Nova hashes field [1] of split(" "): with a double space after the type, that is the empty string.
    return publicKey.split(" ")[1] === encoded ? md5 : md5OfField1(publicKey);
  };

  const x509Fingerprint = (pem: string): string => {
    try {
      return new X509Certificate(pem).fingerprint.toLowerCase();
    } catch {
      throw badRequest("Keypair data is invalid: failed to generate X509 fingerprint. Error message: Unable to load certificate");
    }
  };

  const listKeypairs = (ctx: NovaCtx): EmulatorResponse => {
    const paged = !ctx.legacy && atLeast(ctx.version, 2, 35);
    checkQuery(ctx, paged ? ["user_id", "limit", "marker"] : ["user_id"]);
    const userId = queryUser(ctx);
    authorize(ctx, "index", userId);
    let items = keypairsOf(ctx.region, userId);
    const body: Record<string, unknown> = {};
    if (paged) {
      const sp = ctx.req.searchParams;
      const limitText = sp.get("limit");
      let limit = maxLimit;
      if (limitText !== null) {
        if (!/^[0-9]+$/.test(limitText)) throw badRequest(`Invalid input for query parameters limit. Value: ${pyRepr(sp.getAll("limit"))}. ${pyRepr(limitText)} does not match '^[0-9]*$'`);
        limit = Math.min(Number(limitText), maxLimit);
      }
      const marker = sp.get("marker");
      if (marker !== null) {
        const at = items.findIndex((k) => k.name === marker);
        if (at < 0) throw badRequest(`Marker ${marker} could not be found.`);
        items = items.slice(at + 1);
      }
      items = items.slice(0, limit);
      body["keypairs"] = items.map((k) => ({ keypair: keypairView(k, ctx, "list") }));
      if (limit > 0 && items.length === limit) {
        const next = new URLSearchParams();
        const keys = [...new Set(sp.keys())].filter((k) => k !== "marker");
        for (const key of [...keys, "marker"].sort()) {
          if (key === "marker") next.append("marker", items[items.length - 1]!.name);
          else for (const value of sp.getAll(key)) next.append(key, value);
        }
        body["keypairs_links"] = [{ rel: "next", href: `${base}${ctx.prefix}/os-keypairs?${next.toString()}` }];
      }
    } else {
      body["keypairs"] = items.map((k) => ({ keypair: keypairView(k, ctx, "list") }));
    }
    return jsonResponse(200, body);
  };

  const showKeypair = (ctx: NovaCtx, name: string): EmulatorResponse => {
    checkQuery(ctx, ["user_id"]);
    const userId = queryUser(ctx);
    authorize(ctx, "show", userId);
    const k = findKeypair(ctx.region, userId, name);
    if (k === undefined) throw new NovaFault(404, `Keypair ${name} not found for user ${userId}`);
    return jsonResponse(200, { keypair: keypairView(k, ctx, "show") });
  };

  const deleteKeypair = (ctx: NovaCtx, name: string): EmulatorResponse => {
    checkQuery(ctx, ["user_id"]);
    const userId = queryUser(ctx);
    authorize(ctx, "delete", userId);
    const k = findKeypair(ctx.region, userId, name);
    if (k === undefined) throw new NovaFault(404, `Keypair ${name} not found for user ${userId}`);
    state.keypairs.delete(k.id);
    return emptyResponse(atLeast(ctx.version, 2, 2) ? 204 : 202);
  };

  const createKeypair = (ctx: NovaCtx, t: number): EmulatorResponse => {
    // Order (reference §2.9): schema → policy → [old name check] → quota → key → uniqueness.
    const kp = validateCreate(ctx);
    const name = kp["name"] as string;
    const type = (kp["type"] as "ssh" | "x509" | undefined) ?? "ssh";
    const userId = (kp["user_id"] as string | undefined) ?? ctx.token.userId;
    authorize(ctx, "create", userId);
    if (nameErrorStyle === "unsafe-characters" && !(atLeast(ctx.version, 2, 92) ? NAME_RE_292 : NAME_RE_20).test(name)) {
      throw badRequest("Keypair data is invalid: Keypair name contains unsafe characters");
    }
    const quota = state.keypairQuotas.get(userId) ?? keypairQuota;
    if (quota >= 0 && keypairsOf(ctx.region, userId).length >= quota) throw new NovaFault(403, "Quota exceeded, too many key pairs.");
    let publicKey: string;
    let fingerprint: string;
    let privateKey: string | undefined;
    if (typeof kp["public_key"] === "string") {
      publicKey = kp["public_key"];
      fingerprint = type === "x509" ? x509Fingerprint(publicKey) : sshFingerprint(publicKey);
    } else if (type === "x509") {
      // As Nova does: a self-signed certificate for CN=<user id> (the public half), its SHA-1
      // fingerprint, and the key with the certificate as a base64 PKCS#12 bundle (the private half).
      const made = selfSignedCertificate(userId);
      publicKey = made.certificate;
      fingerprint = x509Fingerprint(publicKey);
      privateKey = pkcs12(made.privateKeyPkcs8Der, made.certificateDer).toString("base64");
    } else {
      // RSA-2048 via paramiko in Nova: "ssh-rsa <b64> Generated-by-Nova" and a PKCS#1 PEM private key.
      const pair = generateKeyPair({ algorithm: "rsa", bits: 2048, comment: "Generated-by-Nova" });
      publicKey = pair.publicKey;
      fingerprint = pair.md5Fingerprint;
      privateKey = pair.privateKey;
    }
    if (findKeypair(ctx.region, userId, name) !== undefined) throw new NovaFault(409, `Key pair '${name}' already exists.`);
    const record: NovaKeypairRecord = {
      id: nextKeypairId++,
      region: ctx.region,
      userId,
      name,
      type,
      publicKey,
      fingerprint,
      createdAt: t,
      created_at: novaTime(t),
      generated: privateKey !== undefined,
      createdInProject: ctx.token.projectId,
    };
    state.keypairs.set(record.id, record);
    const view = keypairView(record, ctx, "create");
    // Returned once: the record keeps no trace of it.
    if (privateKey !== undefined) view["private_key"] = privateKey;
    return jsonResponse(atLeast(ctx.version, 2, 2) ? 201 : 200, { keypair: view });
  };

  // --- Nova: routing --------------------------------------------------------------------------------

  const novaHeaders = (version: Version | undefined, legacy: boolean): Record<string, string> => {
    const id = `req-${randomUUID()}`;
    const headers: Record<string, string> = { "x-openstack-request-id": id, "x-compute-request-id": id };
    if (legacy) return headers;
    headers["vary"] = "OpenStack-API-Version, X-OpenStack-Nova-API-Version";
    if (version !== undefined) {
      headers["openstack-api-version"] = `compute ${versionText(version)}`;
      headers["x-openstack-nova-api-version"] = versionText(version);
    }
    return headers;
  };

  const novaAnswer = (response: EmulatorResponse, headers: Record<string, string>): EmulatorResponse => ({
    ...response,
    headers: { ...headers, ...(response.body === undefined ? {} : { "content-type": NOVA_JSON }), ...(response.headers ?? {}) },
  });

  const compute = (req: EmulatorRequest, segments: string[], t: number): EmulatorResponse => {
    let version: Version | undefined;
    let legacy = false;
    try {
      let region = regions[0]!;
      let rest = segments;
      if (rest.length > 0 && rest[0] !== "v2.1" && rest[0] !== "v2") {
        const name = safeDecode(rest[0]!);
        if (name === undefined || !regions.slice(1).includes(name)) throw new NovaFault(404, KS_NOT_FOUND);
        region = name;
        rest = rest.slice(1);
      }
      const mount = regionMount(region);
      const get = req.method === "GET" || req.method === "HEAD";
      if (rest.length === 0) {
        if (!get) throw new NovaFault(405, "The method is not allowed for the requested URL.");
        return novaAnswer(jsonResponse(200, { versions: [v20Document(mount), v21Document(mount)] }), novaHeaders(undefined, true));
      }
      legacy = rest[0] === "v2";
      const apiRoot = `${mount}/${rest[0]}`;
      rest = rest.slice(1);
      if (rest.length === 0) {
        if (!get) throw new NovaFault(405, "The method is not allowed for the requested URL.");
        return novaAnswer(jsonResponse(200, { version: legacy ? v20Document(mount) : v21Document(mount) }), novaHeaders(undefined, true));
      }

      // keystonemiddleware runs first: a missing, unknown, revoked or expired token is a Keystone 401.
      // An unscoped token is refused too (Nova needs a project; unverified how the real stack answers).
      const token = validToken(req.headers["x-auth-token"], t);
      if (token === undefined || token.projectId === undefined) {
        return jsonResponse(401, keystoneBody(401, KS_UNAUTHORIZED), { "www-authenticate": `Keystone uri="${base}/identity"` });
      }
      version = legacy ? MIN_MICROVERSION : negotiate(req);

      let prefix = apiRoot;
      let projectInUrl: string | undefined;
      if (/^[0-9a-f-]+$/.test(rest[0]!)) {
        projectInUrl = rest[0]!;
        prefix = `${apiRoot}/${projectInUrl}`;
        rest = rest.slice(1);
      }
      if (projectInUrl !== undefined && projectInUrl !== token.projectId) {
        throw badRequest(`Malformed request URL: URL's project_id '${projectInUrl}' doesn't match Context's project_id '${token.projectId}'`);
      }
      const ctx: NovaCtx = { req, token, version, legacy, region, prefix };
      let response: EmulatorResponse | undefined;
      if (rest.length === 0) {
        if (get && projectRootAnswer === "version") response = jsonResponse(200, { version: legacy ? v20Document(mount) : v21Document(mount) });
      } else if (rest[0] === "os-keypairs" && rest.length === 1) {
        if (req.method === "GET") response = listKeypairs(ctx);
        else if (req.method === "POST") response = createKeypair(ctx, t);
      } else if (rest[0] === "os-keypairs" && rest.length === 2) {
        const name = safeDecode(rest[1]!);
        if (name !== undefined && req.method === "GET") response = showKeypair(ctx, name);
        else if (name !== undefined && req.method === "DELETE") response = deleteKeypair(ctx, name);
      }
      // Nova's router answers an unknown path, or a method a path does not take, with a 404 (unverified body).
      if (response === undefined) throw new NovaFault(404, KS_NOT_FOUND);
      return novaAnswer(response, novaHeaders(version, legacy));
    } catch (error) {
      if (error instanceof NovaFault) return novaAnswer(jsonResponse(error.status, novaFaultBody(error.status, error.message)), novaHeaders(version, legacy));
      throw error;
    }
  };

  const handle = (req: EmulatorRequest): EmulatorResponse => {
    const t = now();
    const segments = req.path.split("/").slice(1);
    while (segments.length > 0 && segments[segments.length - 1] === "") segments.pop();
    if (segments[0] === "identity") return keystone(req, segments.slice(1), t);
    if (segments[0] === "compute") return compute(req, segments.slice(1), t);
    return jsonResponse(404, keystoneBody(404, KS_NOT_FOUND));
  };

  // --- seed -------------------------------------------------------------------------------------------

  createDomain("Default", { id: DEFAULT_DOMAIN_ID });
  for (const role of ["admin", "member", "reader"]) ensureRole(role);
  const projectName = options.projectName ?? "demo";
  const project = createProject(projectName);
  const adminProject = projectName === "admin" ? project : createProject("admin");
  const user = createUser({ name: options.username ?? "demo", ...(options.password === undefined ? {} : { password: options.password }), projects: [project.id] });
  const adminUser = createUser({
    name: options.adminUsername ?? "admin",
    ...(options.adminPassword === undefined ? {} : { password: options.adminPassword }),
    projects: [adminProject.id],
    roles: ["admin"],
  });
  if (adminProject.id !== project.id) grantRole(adminUser.id, project.id, "admin");
  const appCred = createApplicationCredential({ user: user.id, project: project.id, name: options.applicationCredentialName ?? "emulator" });

  const server = await startEmulatorServer(handle, {
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    errorBody: novaFaultBody,
  });
  base = server.url;
  const authUrl = `${base}/identity/v3`;

  const passwordCredentials = (u: NovaEmulatorUser, p: NovaProjectRecord): NovaPasswordCredentials => ({
    authUrl,
    regionName: regions[0]!,
    username: u.name,
    userId: u.id,
    password: u.password,
    userDomainName: "Default",
    userDomainId: DEFAULT_DOMAIN_ID,
    projectName: p.name,
    projectId: p.id,
    projectDomainName: "Default",
    projectDomainId: DEFAULT_DOMAIN_ID,
  });
  const credentials: NovaEmulatorCredentials = {
    ...passwordCredentials(user, project),
    applicationCredentialId: appCred.id,
    applicationCredentialName: appCred.name,
    applicationCredentialSecret: appCred.secret,
  };
  const admin = passwordCredentials(adminUser, adminProject);

  const environment = (o: { auth?: "password" | "application-credential"; user?: "user" | "admin" } = {}): Record<string, string> => {
    const common = { OS_AUTH_URL: authUrl, OS_REGION_NAME: regions[0]!, OS_INTERFACE: "public", OS_IDENTITY_API_VERSION: "3" };
    if (o.auth === "application-credential") {
      if (o.user === "admin") throw new Error("Only the seeded ordinary user has an application credential");
      return {
        ...common,
        OS_AUTH_TYPE: "v3applicationcredential",
        OS_APPLICATION_CREDENTIAL_ID: credentials.applicationCredentialId,
        OS_APPLICATION_CREDENTIAL_SECRET: credentials.applicationCredentialSecret,
      };
    }
    const c = o.user === "admin" ? admin : credentials;
    return {
      ...common,
      OS_USERNAME: c.username,
      OS_PASSWORD: c.password,
      OS_USER_DOMAIN_NAME: c.userDomainName,
      OS_PROJECT_NAME: c.projectName,
      OS_PROJECT_DOMAIN_NAME: c.projectDomainName,
    };
  };

  return {
    url: base,
    authUrl,
    computeUrl: computeUrlFor(project.id),
    regions,
    maxMicroversion: maxText,
    state,
    requests: server.requests,
    faults: server.faults,
    credentials,
    admin,
    createDomain,
    createProject,
    createUser,
    grantRole,
    createApplicationCredential,
    issueToken,
    expireTokens,
    computeUrlFor,
    environment,
    now,
    close: () => server.close(),
  };
}
