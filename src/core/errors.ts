// Error classes shared by every service.
//
// Only `message` reaches the Pulumi CLI (create/update errors travel as a gRPC status), so every
// message stands alone: what failed, the request, the status and the API's own words. Messages are
// redacted when built; the classes keep no request bodies and no headers.
//
// `instanceof` fails when two copies of this package are loaded (a program and the provider host can
// resolve different copies), so each class carries a `Symbol.for` brand and a static `isInstance`.

import { redactPath, redactText } from "./redact";

const BRAND = Symbol.for("pulumi-access-keys.error");

/** Stable, documented error codes. Match on these, never on message text. */
export type ErrorCode =
  | "INVALID_INPUT"
  | "INVALID_KEY"
  | "CONFIGURATION"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "VALIDATION"
  | "RATE_LIMITED"
  | "SERVER_ERROR"
  | "HTTP_ERROR"
  | "NETWORK"
  | "TIMEOUT"
  | "RESPONSE_VALIDATION"
  | "INTERNAL";

/** Base class of every error this package throws on purpose. */
export class AccessKeysError extends Error {
  readonly code: ErrorCode;
  /** Set when a create did its remote side effect before failing: Pulumi records the object. */
  id?: string;
  /** With `id`: the outputs known so far (never secret values). */
  properties?: Record<string, unknown>;
  reasons?: string[];

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; secrets?: readonly (string | undefined)[] }) {
    super(redactText(message, options?.secrets), options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for an error of this class (or a subclass) from any copy of this package. */
  static isInstance<T extends AccessKeysError>(this: abstract new (...args: any[]) => T, value: unknown): value is T {
    if (typeof value !== "object" || value === null || (value as Record<symbol, unknown>)[BRAND] !== true) return false;
    if ((this as unknown) === AccessKeysError || this.prototype.isPrototypeOf(value)) return true;
    // Another copy of the package: match the class by name along the prototype chain.
    for (let proto = Object.getPrototypeOf(value); proto; proto = Object.getPrototypeOf(proto)) {
      if (proto.constructor?.name === this.name) return true;
    }
    return false;
  }

  /** Serializable form: code and message only, so logging an error can never print a secret. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, ...(this.id ? { id: this.id } : {}) };
  }
}

/** A resource argument is wrong. Raised before any request is sent. */
export class InputError extends AccessKeysError {
  readonly property: string;
  constructor(property: string, reason: string, secrets?: readonly (string | undefined)[]) {
    super("INVALID_INPUT", property ? `${property}: ${reason}` : reason, { secrets });
    this.property = property;
    this.reason = redactText(reason, secrets);
  }
  readonly reason: string;
}

/**
 * An object with the name a create uses exists, and nothing proves it is this create's work: it was
 * there before the create, or it does not hold what was declared. Nothing was changed or deleted.
 * `found` names the object (never a secret); the message says how to adopt it.
 */
export class OwnershipError extends AccessKeysError {
  readonly found: string;
  constructor(found: string, message: string) {
    super("CONFLICT", message);
    this.found = found;
  }
}

/** A key could not be parsed or does not fit where it was given. `reason` says which rule it broke. */
export type KeyProblem =
  | "empty"
  | "malformed"
  | "public-key-given"
  | "encrypted-no-passphrase"
  | "wrong-passphrase"
  | "passphrase-not-needed"
  | "unsupported-type";

/** A key that cannot be used: unparsable, of the wrong kind, or with a wrong or missing passphrase. `problem` says which. */
export class InvalidKeyError extends AccessKeysError {
  readonly problem: KeyProblem;
  constructor(problem: KeyProblem, message: string, secrets?: readonly (string | undefined)[]) {
    super("INVALID_KEY", message, { secrets });
    this.problem = problem;
  }
}

/** A connection setting is missing or unusable. The message names every way to provide it. */
export class ConfigurationError extends AccessKeysError {
  constructor(message: string) {
    super("CONFIGURATION", message);
  }
}

/** The service answered with a status of 400 or above. */
export class HttpError extends AccessKeysError {
  readonly status: number;
  readonly method: string;
  /** Path and query, with secret query parameters masked. */
  readonly path: string;
  /** The API's own message, redacted. */
  readonly apiMessage: string;
  /** Seconds the service asked us to wait, when it said. */
  readonly retryAfterSeconds?: number;

  constructor(init: { status: number; method: string; path: string; apiMessage: string; retryAfterSeconds?: number; secrets?: readonly (string | undefined)[] }) {
    const path = redactPath(init.path);
    const apiMessage = redactText(init.apiMessage, init.secrets).trim();
    super(codeForStatus(init.status), `${init.method} ${path} -> ${init.status}${apiMessage ? ` ${apiMessage}` : ""}`, { secrets: init.secrets });
    this.status = init.status;
    this.method = init.method;
    this.path = path;
    this.apiMessage = apiMessage;
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** The request never got an answer: refused, reset, DNS failure, TLS failure. */
export class NetworkError extends AccessKeysError {
  readonly method: string;
  readonly path: string;
  /** The low-level code (ECONNREFUSED, UND_ERR_SOCKET, ...). */
  readonly causeCode?: string;
  /** True when the request may have reached the server (a reset after sending, not a refusal). */
  readonly ambiguous: boolean;
  constructor(init: { method: string; path: string; origin: string; causeCode?: string; detail: string; ambiguous: boolean; secrets?: readonly (string | undefined)[] }) {
    const path = redactPath(init.path);
    super("NETWORK", `${init.method} ${path} -> could not reach ${init.origin}: ${init.detail}`, { secrets: init.secrets });
    this.method = init.method;
    this.path = path;
    this.ambiguous = init.ambiguous;
    if (init.causeCode) this.causeCode = init.causeCode;
  }
}

/** No complete answer within the time allowed. The request may have been processed. */
export class TimeoutError extends AccessKeysError {
  readonly method: string;
  readonly path: string;
  readonly ambiguous = true;
  constructor(init: { method: string; path: string; origin: string; timeoutMs: number; phase: string }) {
    const path = redactPath(init.path);
    super("TIMEOUT", `${init.method} ${path} -> no answer from ${init.origin} within ${init.timeoutMs} ms (${init.phase})`);
    this.method = init.method;
    this.path = path;
  }
}

/**
 * The call worked but the answer is not what the API documents. Kept apart from HttpError: the
 * transport succeeded and retrying will not help.
 */
export class ResponseValidationError extends AccessKeysError {
  readonly issues: string[];
  constructor(what: string, issues: string[]) {
    super("RESPONSE_VALIDATION", `unexpected response for ${what}: ${issues.slice(0, 5).join("; ")}`);
    this.issues = issues.map((i) => redactText(i));
  }
}

/** Maps an HTTP status to its stable code. */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return "VALIDATION";
    case 401:
      return "UNAUTHORIZED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "CONFLICT";
    case 422:
      return "VALIDATION";
    case 429:
      return "RATE_LIMITED";
    default:
      return status >= 500 ? "SERVER_ERROR" : "HTTP_ERROR";
  }
}

/** True for an HttpError with status 404, from any copy of this package. */
export function isNotFound(error: unknown): boolean {
  return HttpError.isInstance(error) && (error as HttpError).status === 404;
}

/** True for an error of this package. */
export function isAccessKeysError(error: unknown): error is AccessKeysError {
  return AccessKeysError.isInstance(error);
}

/** True for an HTTP status error of this package. */
export function isHttpError(error: unknown): error is HttpError {
  return HttpError.isInstance(error);
}

/** True for an invalid input or key error of this package. */
export function isInputError(error: unknown): error is InputError | InvalidKeyError {
  return InputError.isInstance(error) || InvalidKeyError.isInstance(error);
}

/**
 * Prefixes an error's message with the resource and operation (`OctopusSshAccount create failed: ...`)
 * and redacts it once more with the operation's secrets. Non-package errors are wrapped, so a raw
 * undici or zod error never reaches the CLI with its own (possibly secret-bearing) text.
 */
export function describeFailure(resource: string, operation: string, error: unknown, secrets: readonly (string | undefined)[] = []): AccessKeysError {
  const prefix = `${resource} ${operation} failed: `;
  if (AccessKeysError.isInstance(error)) {
    if (!error.message.startsWith(prefix)) {
      const message = redactText(prefix + error.message, secrets);
      Object.defineProperty(error, "message", { value: message, writable: true, configurable: true, enumerable: false });
      error.stack = replaceFirstLine(error.stack, `${error.name}: ${message}`);
    }
    return error;
  }
  const raw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new AccessKeysError("INTERNAL", prefix + raw, { secrets });
}

/** A stack's first line repeats the message; keep the frames, swap the message. */
function replaceFirstLine(stack: string | undefined, firstLine: string): string {
  if (!stack) return firstLine;
  const frames = stack.split("\n").filter((line) => /^\s+at /.test(line));
  return [firstLine, ...frames].join("\n");
}
