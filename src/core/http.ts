// The one module that owns transport, for every service.
//
// - undici, with a keep-alive Pool per origin created lazily inside the provider process (never at
//   program time, so nothing here is ever captured by the serialized provider);
// - JSON in and out, every response body consumed;
// - connect and overall timeouts;
// - retries with capped exponential backoff and jitter, honouring Retry-After and X-RateLimit-Reset:
//   idempotent requests on network errors, 408, 429 and 5xx; POST only when the request provably was
//   not processed (429, connection refused). 400/401/403/404/409/422 are never retried;
// - errors built here, redacted here.

import { rootCertificates } from "node:tls";
import { Pool } from "undici";
import type { Dispatcher } from "undici";
import type { ZodType } from "zod";
import { HttpError, NetworkError, ResponseValidationError, TimeoutError } from "./errors";
import { redactPath } from "./redact";

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

/** How many times and how long to retry. */
export interface RetryPolicy {
  /** Retries after the first attempt. @default 4 */
  retries: number;
  /** First backoff delay; doubles each retry. @default 300 */
  baseDelayMs: number;
  /** Cap on one backoff delay. @default 10000 */
  maxDelayMs: number;
  /** The longest Retry-After / X-RateLimit-Reset we wait for; a longer one fails at once. @default 60000 */
  maxRetryAfterMs: number;
  /**
   * Retries after a 429, counted apart from `retries`: a rate limit is the server saying "later", not
   * a failure, and a large `pulumi up` can meet it many times. @default 20
   */
  rateLimitRetries: number;
}

export interface Timeouts {
  /** TCP + TLS connect. @default 10000 */
  connectMs: number;
  /** One attempt, from sending to the last byte of the body. @default 60000 */
  requestMs: number;
}

export interface HttpClientOptions {
  /** The service's name, for messages ("Octopus", "HCP Terraform"). */
  service: string;
  /** Base URL; may carry a path prefix (`https://tfe.example.com/api/v2`). */
  baseUrl: string;
  /** Headers added to every attempt (auth); evaluated per attempt so a renewed token is used. */
  headers?: () => Record<string, string>;
  /** Secret values to mask in any message built from this client's traffic. */
  secrets?: () => readonly (string | undefined)[];
  /** Extracts the API's own error message from an error body. */
  errorMessage?: (body: unknown, text: string) => string;
  /** Default request Content-Type for JSON bodies. @default "application/json; charset=utf-8" */
  contentType?: string;
  /** Default Accept header. @default "application/json" */
  accept?: string;
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<Timeouts>;
  /** Injected in tests to observe backoff without waiting. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * Requests sharing this key (one per service and credential) share a gate: after a 429, every one
   * of them waits until the server's reset time instead of each finding the limit on its own.
   */
  throttleKey?: string;
  tls?: TlsSettings;
}

/**
 * How HTTPS certificates are checked. They always are (against Node's CA store, which includes
 * NODE_EXTRA_CA_CERTS), plus `ca` when given; `insecure` turns checking off and is warned about.
 */
export interface TlsSettings {
  /** Extra trusted CA certificates, PEM. */
  ca?: string;
  /** Skip certificate verification. Never silently: a warning is printed once per origin. */
  insecure?: boolean;
}

export interface RequestOptions<T> {
  method: HttpMethod;
  /** Path relative to the base URL, starting with "/". */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Treat a POST/PATCH as idempotent (safe to repeat). GET, HEAD, PUT and DELETE always are. */
  idempotent?: boolean;
  /** zod schema for the success body; a mismatch throws ResponseValidationError. */
  schema?: ZodType<T>;
  /** Names the response in a ResponseValidationError ("account Accounts-1"). */
  what?: string;
  /** Statuses that are returned, not thrown (e.g. 404 on read). */
  allowStatus?: readonly number[];
}

export interface HttpResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  /** Attempts made (1 when the first one answered). */
  attempts: number;
}

/** What happened on one attempt, as far as retrying is concerned. */
export type AttemptOutcome =
  | { kind: "status"; status: number }
  | { kind: "network"; code: string; sent: boolean }
  | { kind: "timeout" };

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const IDEMPOTENT_METHODS = new Set<HttpMethod>(["GET", "HEAD", "PUT", "DELETE"]);
/** Certificate failures: retrying cannot fix them, and the message must say how to. */
const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);
/** Network failures that happen before a single byte of the request reaches the server. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "EAI_AGAIN", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"]);

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 300, maxDelayMs: 10_000, maxRetryAfterMs: 60_000, rateLimitRetries: 20 };
export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, requestMs: 60_000 };

/**
 * Whether an attempt may be repeated. Idempotent requests: network errors, timeouts, 408, 429, 5xx.
 * Others (POST): only when the server provably did not process it: 429 (rejected before processing,
 * per both Octopus's and HCP Terraform's docs) or a connection that was never established. DNS
 * failures that say the name does not exist are not retried.
 */
export function shouldRetry(method: HttpMethod, idempotent: boolean, outcome: AttemptOutcome): boolean {
  const safe = idempotent || IDEMPOTENT_METHODS.has(method);
  switch (outcome.kind) {
    case "status":
      return safe ? RETRYABLE_STATUS.has(outcome.status) : outcome.status === 429;
    case "network":
      if (outcome.code === "ENOTFOUND" || TLS_CODES.has(outcome.code)) return false;
      return safe || !outcome.sent;
    case "timeout":
      return safe;
  }
}

/**
 * The wait before retry number `attempt` (0-based): the server's Retry-After / X-RateLimit-Reset when
 * it gave one (plus up to 10% jitter, so a burst of clients does not come back in lockstep), else
 * capped exponential backoff with equal jitter.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.ceil(retryAfterMs + random() * Math.min(1000, retryAfterMs * 0.1 + 50));
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.ceil(exp / 2 + random() * (exp / 2));
}

/**
 * Reads how long the server asked us to wait, in ms: `Retry-After` (seconds or an HTTP date) or
 * `X-RateLimit-Reset` (seconds until the window resets, as HCP Terraform sends it; an epoch time is
 * also understood).
 */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now: number = Date.now()): number | undefined {
  const first = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const retryAfter = first("retry-after");
  if (retryAfter !== undefined && retryAfter.trim() !== "") {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = first("x-ratelimit-reset");
  if (reset !== undefined && reset.trim() !== "") {
    const value = Number(reset);
    if (Number.isFinite(value)) return Math.max(0, value > 1e9 ? value * 1000 - now : value * 1000);
  }
  return undefined;
}

// One keep-alive pool per origin, per process. Created on first use inside the provider host.
const pools = new Map<string, Pool>();

// Per throttle key: the time before which no request should be sent (after a 429).
const gates = new Map<string, number>();

const warnedInsecure = new Set<string>();

function poolFor(origin: string, timeouts: Timeouts, tls: TlsSettings = {}): Pool {
  const key = `${origin}|${timeouts.connectMs}|${timeouts.requestMs}|${tls.insecure ? "insecure" : ""}|${tls.ca ?? ""}`;
  let pool = pools.get(key);
  if (!pool) {
    if (tls.insecure && origin.startsWith("https:") && !warnedInsecure.has(origin)) {
      warnedInsecure.add(origin);
      console.warn(`[pulumi-access-keys] WARNING: TLS certificate verification is OFF for ${origin} (insecure: true). Anyone on the network path can read and change these requests, credentials included. Give the CA instead (caCertificate, or NODE_EXTRA_CA_CERTS).`);
    }
    pool = new Pool(origin, {
      connect: {
        timeout: timeouts.connectMs,
        ...(tls.ca ? { ca: [...rootCertificates, tls.ca] } : {}),
        ...(tls.insecure ? { rejectUnauthorized: false } : {}),
      },
      headersTimeout: timeouts.requestMs,
      bodyTimeout: timeouts.requestMs,
      keepAliveTimeout: 4_000,
      connections: 16,
    });
    pools.set(key, pool);
  }
  return pool;
}

/** Closes every pool (tests; a provider host just exits). */
export async function closePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.close().catch(() => undefined)));
}

let cachedUserAgent: string | undefined;
function userAgent(): string {
  if (!cachedUserAgent) {
    let version = "0.0.0";
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      version = (require("pulumi-access-keys/package.json") as { version: string }).version;
    } catch {
      // running from an unusual layout: the version is only informative
    }
    cachedUserAgent = `pulumi-access-keys/${version} (node ${process.versions.node})`;
  }
  return cachedUserAgent;
}

/** Reads numeric tuning from the environment at call time (documented in the README). */
function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function debugEnabled(): boolean {
  return /^(1|true|yes)$/i.test(process.env.PULUMI_ACCESS_KEYS_DEBUG ?? "");
}

/** A small JSON client bound to one service and base URL. */
export class HttpClient {
  readonly service: string;
  readonly baseUrl: URL;
  private readonly options: HttpClientOptions;
  private readonly policy: RetryPolicy;
  private readonly timeouts: Timeouts;

  constructor(options: HttpClientOptions) {
    this.options = options;
    this.service = options.service;
    this.baseUrl = new URL(options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`);
    this.policy = {
      ...DEFAULT_RETRY,
      ...definedOnly({
        retries: envNumber("PULUMI_ACCESS_KEYS_MAX_RETRIES"),
        baseDelayMs: envNumber("PULUMI_ACCESS_KEYS_RETRY_BASE_MS"),
      }),
      ...options.retry,
    };
    this.timeouts = {
      ...DEFAULT_TIMEOUTS,
      ...definedOnly({ requestMs: envNumber("PULUMI_ACCESS_KEYS_TIMEOUT_MS"), connectMs: envNumber("PULUMI_ACCESS_KEYS_CONNECT_TIMEOUT_MS") }),
      ...options.timeouts,
    };
  }

  /** The origin requests go to, for messages. */
  get origin(): string {
    return this.baseUrl.origin;
  }

  /** Builds the full path (base path prefix + path + query) sent on the wire. */
  pathFor(path: string, query?: RequestOptions<unknown>["query"]): string {
    const prefix = this.baseUrl.pathname.replace(/\/$/, "");
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) search.append(k, String(v));
    const qs = search.toString();
    return `${prefix}${path.startsWith("/") ? path : `/${path}`}${qs ? `?${qs}` : ""}`;
  }

  async request<T = unknown>(req: RequestOptions<T>): Promise<HttpResponse<T>> {
    const fullPath = this.pathFor(req.path, req.query);
    const shownPath = redactPath(fullPath);
    // What the client was told is secret, and every credential this request carries in a header (a
    // token issued per session, a cookie): the server may quote them back without their header name.
    const secrets = [...(this.options.secrets?.() ?? []), ...credentialsIn({ ...this.options.headers?.(), ...req.headers })];
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const random = this.options.random ?? Math.random;
    const idempotent = req.idempotent === true;
    const pool = poolFor(this.baseUrl.origin, this.timeouts, this.options.tls);

    let rateLimited = 0;
    for (let attempt = 0; ; attempt++) {
      const gate = this.options.throttleKey ? gates.get(this.options.throttleKey) : undefined;
      if (gate !== undefined && gate > Date.now()) await sleep(gate - Date.now() + Math.ceil(random() * 50));
      const started = Date.now();
      let outcome: AttemptOutcome;
      let failure: Error;
      let waitMs: number | undefined;
      try {
        const res = await this.send(pool, req, fullPath);
        const status = res.statusCode;
        const text = await res.body.text();
        const headers = res.headers as Record<string, string | string[] | undefined>;
        this.debug(req.method, shownPath, String(status), started, attempt);
        const body = parseBody(text, headers["content-type"]);
        if (status < 400 || req.allowStatus?.includes(status)) {
          const parsed = req.schema && status < 400 ? validate(req.schema, body, req.what ?? `${req.method} ${shownPath}`) : (body as T);
          return { status, headers, body: parsed, attempts: attempt + 1 };
        }
        waitMs = retryAfterMs(headers);
        const apiMessage = this.options.errorMessage?.(body, text) ?? defaultErrorMessage(body, text);
        failure = new HttpError({
          status,
          method: req.method,
          path: fullPath,
          apiMessage,
          ...(waitMs !== undefined ? { retryAfterSeconds: Math.ceil(waitMs / 1000) } : {}),
          secrets,
        });
        outcome = { kind: "status", status };
      } catch (error) {
        const classified = this.classify(error, req.method, fullPath, secrets);
        this.debug(req.method, shownPath, classified.outcome.kind === "network" ? classified.outcome.code : "timeout", started, attempt);
        failure = classified.error;
        outcome = classified.outcome;
      }
      const isRateLimit = outcome.kind === "status" && outcome.status === 429;
      if (isRateLimit) rateLimited++;
      const budgetLeft = isRateLimit ? rateLimited <= this.policy.rateLimitRetries : attempt - rateLimited < this.policy.retries;
      const canRetry = budgetLeft && shouldRetry(req.method, idempotent, outcome);
      if (!canRetry || (waitMs !== undefined && waitMs > this.policy.maxRetryAfterMs)) {
        if (attempt > 0) failure.message += ` (after ${attempt + 1} attempts)`;
        throw failure;
      }
      const delay = backoffDelay(isRateLimit ? 0 : attempt - rateLimited, this.policy, waitMs, random);
      if (isRateLimit && this.options.throttleKey) {
        const until = Date.now() + (waitMs ?? delay);
        gates.set(this.options.throttleKey, Math.max(gates.get(this.options.throttleKey) ?? 0, until));
        continue;
      }
      await sleep(delay);
    }
  }

  private async send(pool: Pool, req: RequestOptions<unknown>, fullPath: string): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {
      "user-agent": userAgent(),
      accept: this.options.accept ?? "application/json",
      ...this.options.headers?.(),
      ...req.headers,
    };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers["content-type"] ??= this.options.contentType ?? "application/json; charset=utf-8";
    }
    return pool.request({
      method: req.method,
      path: fullPath,
      headers,
      body,
      signal: AbortSignal.timeout(this.timeouts.requestMs),
    });
  }

  private classify(error: unknown, method: HttpMethod, path: string, secrets: readonly (string | undefined)[]): { error: Error; outcome: AttemptOutcome } {
    if (error instanceof ResponseValidationError) throw error;
    const err = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
    const code = err.code ?? err.cause?.code ?? err.name ?? "UNKNOWN";
    if (err.name === "TimeoutError" || err.name === "AbortError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" || code === "UND_ERR_ABORTED") {
      const phase = code === "UND_ERR_BODY_TIMEOUT" ? "reading the body" : "waiting for the response";
      return { error: new TimeoutError({ method, path, origin: this.baseUrl.origin, timeoutMs: this.timeouts.requestMs, phase }), outcome: { kind: "timeout" } };
    }
    const sent = !NOT_SENT_CODES.has(code);
    const detail = networkDetail(code, err.message ?? String(error));
    return {
      error: new NetworkError({ method, path, origin: this.baseUrl.origin, causeCode: code, detail, ambiguous: sent, secrets }),
      outcome: { kind: "network", code, sent },
    };
  }

  private debug(method: string, path: string, result: string, started: number, attempt: number): void {
    if (!debugEnabled()) return;
    console.error(`[pulumi-access-keys] ${this.service} ${method} ${path} -> ${result} (${Date.now() - started} ms${attempt ? `, attempt ${attempt + 1}` : ""})`);
  }
}

/** Headers that carry a credential. */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "x-auth-token", "x-subject-token", "x-octopus-apikey", "x-octopus-csrf-token"]);

/** The credential values in request headers: whole, without an auth scheme, and each cookie's value. */
export function credentialsIn(headers: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!CREDENTIAL_HEADERS.has(name.toLowerCase()) || typeof value !== "string") continue;
    out.push(value);
    const scheme = /^\s*(?:Bearer|Basic|Token)\s+(\S+)\s*$/i.exec(value);
    if (scheme) out.push(scheme[1]!);
    if (name.toLowerCase() === "cookie") for (const pair of value.split(";")) out.push(pair.slice(pair.indexOf("=") + 1).trim());
  }
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function parseBody(text: string, contentType: string | string[] | undefined): unknown {
  if (text === "") return undefined;
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  if ((type && /json/i.test(type)) || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function validate<T>(schema: ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(body)"}: ${i.message}`);
  throw new ResponseValidationError(what, issues);
}

/** A fallback when the service has no specific error shape: `message`, `error`, or the text. */
function defaultErrorMessage(body: unknown, text: string): string {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    for (const key of ["message", "error", "detail", "ErrorMessage"]) if (typeof b[key] === "string") return b[key] as string;
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function networkDetail(code: string, message: string): string {
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (is the server running and the URL right?)";
    case "ENOTFOUND":
      return "the host name does not resolve (check the URL)";
    case "EAI_AGAIN":
      return "DNS lookup failed temporarily";
    case "UND_ERR_CONNECT_TIMEOUT":
      return "connecting timed out";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "the connection was closed before a response arrived";
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
    case "UNABLE_TO_GET_ISSUER_CERT":
      return `the server's TLS certificate is not signed by a trusted CA (${code}): give its CA certificate (connection.caCertificate, or the file in NODE_EXTRA_CA_CERTS)`;
    case "CERT_HAS_EXPIRED":
    case "CERT_NOT_YET_VALID":
      return `the server's TLS certificate is not valid now (${code})`;
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return "the server's TLS certificate is for another host name (ERR_TLS_CERT_ALTNAME_INVALID): use the name the certificate was issued for";
    default:
      return `${code}: ${message}`;
  }
}

/** How many times a create that failed ambiguously is looked up and sent again. */
export const AMBIGUOUS_CREATE_ATTEMPTS = 5;

/**
 * Sends a non-idempotent create so that it never makes a duplicate: when the outcome is unknown
 * (`isAmbiguous`), `lookup` is asked whether the object now exists. It returns the object (done), or
 * undefined to send the create again (it may first clean up what cannot be used, or throw). Any other
 * failure is thrown at once; after AMBIGUOUS_CREATE_ATTEMPTS sends, the last error is.
 */
export async function createWithLookup<T>(send: () => Promise<T>, lookup: (error: unknown) => Promise<T | undefined>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!isAmbiguous(error) || attempt >= AMBIGUOUS_CREATE_ATTEMPTS) throw error;
      const existing = await lookup(error);
      if (existing !== undefined) return existing;
    }
  }
}

/**
 * A failure after which the server may or may not have done the work: a timeout, a connection lost
 * after sending, or a 5xx. A create that fails this way must look before it tries again.
 */
export function isAmbiguous(error: unknown): boolean {
  if (TimeoutError.isInstance(error)) return true;
  if (NetworkError.isInstance(error)) return error.ambiguous;
  if (HttpError.isInstance(error)) return [500, 502, 503, 504].includes(error.status);
  return false;
}

/** The TLS settings of a `connection` argument (`caCertificate`, `insecure`), for a settings object. */
export function tlsFrom(arg: { caCertificate?: string | undefined; insecure?: boolean | undefined } | undefined): { tls?: TlsSettings } {
  const ca = arg?.caCertificate?.trim();
  if (!ca && !arg?.insecure) return {};
  return { tls: { ...(ca ? { ca } : {}), ...(arg?.insecure ? { insecure: true } : {}) } };
}
