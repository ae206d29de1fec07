// Shared machinery for the local service emulators (Octopus now; TFC and Nova reuse it): an HTTP
// server on an ephemeral port, a log of every request, JSON responses that always carry a
// Content-Length, and fault injection (scripted or at a seeded random rate).
//
// A service plugs in as a single handler that turns a parsed request into a response object. The
// server does the I/O, which is what lets it inject faults around the handler: answer instead of it
// ("status"), never call it ("reset"), delay it ("stall"), or call it and then drop the connection
// ("drop-after", the "it did it, but the client never heard" case that retries must survive).

import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";

/** A request as the service handler sees it. */
export interface EmulatorRequest {
  /** The HTTP method as sent (upper case). */
  readonly method: string;
  /** The URL path, still percent-encoded, without the query string. */
  readonly path: string;
  /** Query parameters; when a name repeats, the last value wins (see {@link searchParams} for all). */
  readonly query: Record<string, string>;
  /** The full query string, for repeated parameters. */
  readonly searchParams: URLSearchParams;
  /** Request headers, names in lower case, repeated values joined with ", ". */
  readonly headers: Record<string, string>;
  /** The parsed JSON body; the raw text when it is not JSON; `undefined` when the body is empty. */
  readonly body: unknown;
  /** The body exactly as received (UTF-8). */
  readonly rawBody: string;
  /** Whether {@link body} came from parsing JSON. Services parse JSON whatever the Content-Type. */
  readonly isJson: boolean;
}

/** What a service handler answers. The server writes it with an explicit Content-Length. */
export interface EmulatorResponse {
  status: number;
  /** Extra headers. A `content-type` here overrides the default. Use an array for Set-Cookie. */
  headers?: Record<string, string | readonly string[]>;
  /** Sent as JSON (`application/json; charset=utf-8`). `undefined` sends an empty body. */
  body?: unknown;
  /** Sent verbatim instead of `body` (default type `text/plain; charset=utf-8`). */
  text?: string;
}

/** A service: maps one request to one response. Throwing gives a 500 built with `errorBody`. */
export type EmulatorHandler = (request: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;

/** One entry of the request log. */
export interface RecordedRequest {
  method: string;
  /** The URL path (pathname), still percent-encoded. */
  path: string;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** Parsed JSON, raw text when not JSON, or `undefined` when empty. */
  body: unknown;
  /**
   * The status the handler (or a status fault) produced; `undefined` while in flight and for
   * `reset`. For `drop-after` it is the status the client never received.
   */
  status: number | undefined;
  /** The kind of fault injected into this request, if any. */
  fault?: Fault["kind"];
  /**
   * What was answered (or, for `drop-after`, would have been): status, extra headers, body. Absent
   * for `reset` and while in flight. Kept because the services issue secrets that exist nowhere else
   * (an Octopus API key, a Nova-generated private key, a Keystone token: stored hashed or not at
   * all), and tests auditing where secrets travel need their values.
   */
  response?: EmulatorResponse;
  /** `Date.now()` when the request arrived. */
  at: number;
  /**
   * When the service acted on the request, as a position in one order shared by every emulator in
   * this process (handlers run one at a time): which of two services changed first. Absent for a
   * request that was not processed (a fault answered it, or it is still in flight).
   */
  applied?: number;
}

/** The order in which emulator handlers ran, across every emulator in this process (see `applied`). */
let appliedCounter = 0;

/** The request log: a plain array of every request, in arrival order, plus `clear()`. */
export type RequestLog = RecordedRequest[] & {
  /** Empties the log (in place, so references held by tests stay valid). */
  clear(): void;
};

/** A fault to inject into one request. */
export type Fault =
  /** Answer with this status instead of processing the request. */
  | { kind: "status"; status: number; retryAfter?: number; headers?: Record<string, string>; body?: unknown }
  /** Destroy the socket without answering; the request is NOT processed. */
  | { kind: "reset" }
  /** Wait `ms`, then process the request normally. */
  | { kind: "stall"; ms: number }
  /** Process the request fully (state changes), then destroy the socket without answering. */
  | { kind: "drop-after" }
  /**
   * Process the request fully (state changes), then answer with what `rewrite` makes of the real
   * answer's body (a garbled or changed answer: the object exists, the client cannot use the reply).
   */
  | { kind: "rewrite-after"; rewrite: (body: unknown) => unknown };

/** Which requests a fault applies to. Omitted fields match everything. */
export interface FaultMatch {
  /** A method or methods, compared case-insensitively. */
  method?: string | readonly string[];
  /** The exact pathname, or a pattern tested against it. */
  path?: string | RegExp;
}

/** A scripted fault: consumed by the next `times` matching requests. */
export interface FaultRule extends FaultMatch {
  fault: Fault;
  /** How many matching requests get this fault. @default 1 */
  times?: number;
}

/** Random faults: each matching request gets one of `faults` with probability `rate`. */
export interface FaultRateOptions extends FaultMatch {
  /** Probability in [0, 1]. */
  rate: number;
  /** Faults to choose from, uniformly. */
  faults: readonly Fault[];
  /** PRNG seed: the same seed and the same request sequence give the same faults. @default 1 */
  seed?: number;
}

/** A fault that was injected. */
export interface InjectedFault {
  kind: Fault["kind"];
  method: string;
  path: string;
  /** For `status` faults, the status sent. */
  status?: number;
  at: number;
}

/** Options for {@link startEmulatorServer}. */
export interface EmulatorServerOptions {
  /** @default "127.0.0.1" */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /**
   * Builds the service-shaped error body for a status fault or an unhandled handler error (e.g.
   * Octopus `{ErrorMessage, Errors}`). @default `{ error: message }`
   */
  errorBody?: (status: number, message: string) => unknown;
  /** Serve HTTPS with this certificate and key (PEM) instead of HTTP: for TLS tests. */
  tls?: EmulatorTls;
  /**
   * A fixed service latency: every request waits this long before it is processed and answered
   * (faults included), so benchmarks see a network-like round trip instead of loopback's. @default 0
   */
  latencyMs?: number;
}

/** A certificate and its key, PEM. */
export interface EmulatorTls {
  cert: string;
  key: string;
}

/** A running emulator server. */
export interface EmulatorServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: RequestLog;
  readonly faults: FaultInjector;
  /** Closes the listener and every connection (keep-alive included); resolves when closed. */
  close(): Promise<void>;
}

/** Builds a JSON response. */
export function jsonResponse(status: number, body: unknown, headers?: Record<string, string | readonly string[]>): EmulatorResponse {
  return headers === undefined ? { status, body } : { status, body, headers };
}

/** Builds a response with an empty body (`Content-Length: 0`). */
export function emptyResponse(status: number, headers?: Record<string, string | readonly string[]>): EmulatorResponse {
  return headers === undefined ? { status } : { status, headers };
}

/**
 * Writes `response` to `res` with an explicit Content-Length (never chunked: some clients, like the
 * Go Octopus client, treat `Content-Length: 0` as success and choke on chunked error bodies).
 */
export function writeResponse(res: http.ServerResponse, response: EmulatorResponse): void {
  const headers: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) headers[name.toLowerCase()] = value;
  let payload: Buffer;
  if (response.text !== undefined) {
    payload = Buffer.from(response.text, "utf8");
    headers["content-type"] ??= "text/plain; charset=utf-8";
  } else if (response.body !== undefined) {
    payload = Buffer.from(JSON.stringify(response.body), "utf8");
    headers["content-type"] ??= "application/json; charset=utf-8";
  } else {
    payload = Buffer.alloc(0);
  }
  headers["content-length"] = String(payload.length);
  res.writeHead(response.status, headers as http.OutgoingHttpHeaders);
  res.end(payload);
}

/** Reads a request body; parses it as JSON whatever the Content-Type, else keeps the raw text. */
export async function readBody(req: http.IncomingMessage): Promise<{ rawBody: string; body: unknown; isJson: boolean }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks).toString("utf8");
  if (rawBody.trim() === "") return { rawBody, body: undefined, isJson: false };
  try {
    return { rawBody, body: JSON.parse(rawBody) as unknown, isJson: true };
  } catch {
    return { rawBody, body: rawBody, isJson: false };
  }
}

/** A small, fast, seedable PRNG (mulberry32): values in [0, 1). Also the drills' seeded choices. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function matches(match: FaultMatch, method: string, path: string): boolean {
  if (match.method !== undefined) {
    const methods = typeof match.method === "string" ? [match.method] : match.method;
    if (!methods.some((m) => m.toUpperCase() === method.toUpperCase())) return false;
  }
  if (match.path !== undefined) {
    if (typeof match.path === "string") return match.path === path;
    match.path.lastIndex = 0; // a /g or /y pattern would otherwise remember where it stopped
    return match.path.test(path);
  }
  return true;
}

/** Decides which requests get which fault. One per server; reachable as `server.faults`. */
export class FaultInjector {
  /** Every fault injected so far, in order. */
  readonly injected: InjectedFault[] = [];
  private rules: { rule: FaultRule; left: number }[] = [];
  private rate: { options: FaultRateOptions; random: () => number } | undefined;

  /** Queues rules; each is consumed by the next matching requests (scripted rules beat `setRate`). */
  script(...rules: FaultRule[]): void {
    for (const rule of rules) {
      const times = rule.times ?? 1;
      if (!Number.isInteger(times) || times < 1) throw new RangeError(`FaultRule.times must be a positive integer, got ${String(rule.times)}`);
      this.rules.push({ rule, left: times });
    }
  }

  /** Injects faults at random into matching requests, deterministically for a given seed. */
  setRate(options: FaultRateOptions): void {
    if (!(options.rate >= 0 && options.rate <= 1)) throw new RangeError(`rate must be between 0 and 1, got ${options.rate}`);
    if (options.faults.length === 0) throw new RangeError("setRate needs at least one fault");
    this.rate = { options, random: mulberry32(options.seed ?? 1) };
  }

  /** Removes every scripted rule and the random rate, and empties {@link injected}. */
  clear(): void {
    this.rules = [];
    this.rate = undefined;
    this.injected.length = 0;
  }

  /** How many scripted injections are still queued. */
  get pending(): number {
    return this.rules.reduce((sum, r) => sum + r.left, 0);
  }

  /** Picks the fault for one request (and records it), or `undefined`. Called by the server. */
  next(method: string, path: string): Fault | undefined {
    const index = this.rules.findIndex((r) => matches(r.rule, method, path));
    let fault: Fault | undefined;
    if (index >= 0) {
      const entry = this.rules[index]!;
      fault = entry.rule.fault;
      if (--entry.left === 0) this.rules.splice(index, 1);
    } else if (this.rate !== undefined && matches(this.rate.options, method, path)) {
      const { options, random } = this.rate;
      // Always draw twice so that the sequence of draws depends only on the number of requests.
      const hit = random() < options.rate;
      const pick = options.faults[Math.floor(random() * options.faults.length)]!;
      if (hit) fault = pick;
    }
    if (fault !== undefined) {
      const entry: InjectedFault = { kind: fault.kind, method, path, at: Date.now() };
      if (fault.kind === "status") entry.status = fault.status;
      this.injected.push(entry);
    }
    return fault;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function flattenHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function defaultErrorBody(_status: number, message: string): unknown {
  return { error: message };
}

/** Starts an emulator server around `handler`. Close it with `close()` (tests: in `after`). */
export async function startEmulatorServer(handler: EmulatorHandler, options: EmulatorServerOptions = {}): Promise<EmulatorServer> {
  const host = options.host ?? "127.0.0.1";
  const errorBody = options.errorBody ?? defaultErrorBody;
  const latencyMs = options.latencyMs ?? 0;
  if (!(Number.isFinite(latencyMs) && latencyMs >= 0)) throw new RangeError(`latencyMs must be a non-negative number, got ${latencyMs}`);
  const requests = Object.assign([] as RecordedRequest[], {
    clear(this: RecordedRequest[]): void {
      this.length = 0;
    },
  }) as RequestLog;
  const faults = new FaultInjector();
  // Aborted by close(), so stalled requests stop waiting and are not processed after shutdown.
  const closing = new AbortController();

  const serve = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const at = Date.now();
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    const { rawBody, body, isJson } = await readBody(req);
    const method = (req.method ?? "GET").toUpperCase();
    const request: EmulatorRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      searchParams: url.searchParams,
      headers: flattenHeaders(req.headers),
      body,
      rawBody,
      isJson,
    };
    const record: RecordedRequest = { method, path: request.path, query: request.query, headers: request.headers, body, status: undefined, at };
    requests.push(record);
    if (latencyMs > 0) {
      await sleep(latencyMs, closing.signal);
      if (closing.signal.aborted) return;
    }

    const fault = faults.next(method, request.path);
    if (fault !== undefined) record.fault = fault.kind;
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "status") {
      const headers: Record<string, string> = { ...(fault.headers ?? {}) };
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      const message = http.STATUS_CODES[fault.status] ?? `HTTP ${fault.status}`;
      record.status = fault.status;
      record.response = { status: fault.status, headers, body: fault.body ?? errorBody(fault.status, message) };
      writeResponse(res, record.response);
      return;
    }
    if (fault?.kind === "stall") {
      await sleep(fault.ms, closing.signal);
      if (closing.signal.aborted) return;
    }

    let response: EmulatorResponse;
    try {
      response = await handler(request);
      record.applied = ++appliedCounter;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      response = { status: 500, body: errorBody(500, `Emulator handler failed: ${message}`) };
    }
    record.status = response.status;
    record.response = response;
    if (fault?.kind === "drop-after") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "rewrite-after") {
      response = { ...response, body: fault.rewrite(structuredClone(response.body)) };
      record.response = response;
    }
    writeResponse(res, response);
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    serve(req, res).catch((error: unknown) => {
      // Only I/O failures get here (the handler's own errors became a 500 above).
      if (!res.headersSent && !res.destroyed) {
        const message = error instanceof Error ? error.message : String(error);
        writeResponse(res, { status: 500, body: errorBody(500, message) });
      }
    });
  };
  const server: http.Server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener) : http.createServer(listener);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${options.tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve, reject) => {
      closing.abort();
      server.close((error) => (error === undefined ? resolve() : reject(error)));
      server.closeAllConnections();
    });
    return closed;
  };

  return { url, port, requests, faults, close };
}

/** A clock option (epoch ms or a Date, default the real clock) as a function returning epoch ms. */
export function clockFrom(now: (() => number | Date) | undefined): () => number {
  const clock = now ?? Date.now;
  return () => {
    const t = clock();
    return t instanceof Date ? t.getTime() : t;
  };
}
