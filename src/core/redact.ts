// Redaction: the one place that knows what a secret looks like in text.
//
// Errors are built from API responses, network causes and request paths. Any of those can carry a
// credential (a server that echoes the request, a proxy error page, a key pasted into the wrong
// field), so every message passes through `redactText` when the error is built, on a copy: callers'
// objects are never modified.
//
// Every message built while a provider operation runs is also masked with that operation's secrets
// (the resource's secret inputs and outputs), even where the builder does not know them (the HTTP
// client knows only its credentials). Masking them only afterwards is not enough: a pattern applied
// first can cut a secret ("passphrase: correct horse" becomes "passphrase: [redacted] horse"), and the
// whole value is then no longer there to find.

import { AsyncLocalStorage } from "node:async_hooks";

const MASK = "[redacted]";

/** Patterns that are secret wherever they appear, whoever wrote them. */
const SECRET_PATTERNS: readonly RegExp[] = [
  // PEM and OpenSSH private key blocks, complete or truncated.
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  // The base64 of "-----BEGIN " (how a key looks once encoded for Octopus), to the end of the run.
  /LS0tLS1CRUdJTi[A-Za-z0-9+/=\r\n]*/g,
  // Octopus API keys.
  /\bAPI-[A-Z0-9]{8,}\b/g,
  // Bearer and Basic credentials in echoed headers.
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  // Cookie and CSRF headers echoed back in text.
  /\b(OctopusIdentificationToken|Octopus-Csrf-Token)[A-Za-z0-9_-]*=[^;\s,"]+/gi,
  /("?(?:password|passphrase|apikey|api_key|token|secret|private_key|privateKey|value|X-Octopus-ApiKey|X-Auth-Token|X-Octopus-Csrf-Token)"?\s*[:=]\s*)("[^"]*"|[^\s,;&}]+)/gi,
];

/** Query parameters whose values are never shown. */
const SECRET_QUERY_PARAMS = /([?&](?:apikey|api_key|token|password|secret)=)[^&#]*/gi;

const operationSecrets = new AsyncLocalStorage<readonly (string | undefined | null)[]>();

/** Runs `fn` (a provider operation) so that every redaction inside it also masks `secrets`. */
export function withOperationSecrets<T>(secrets: readonly (string | undefined | null)[], fn: () => T): T {
  return operationSecrets.run(secrets, fn);
}

/**
 * Returns `text` with every known secret value (those given, and the current operation's) and every
 * secret-looking pattern masked. Values shorter than 4 characters are not searched for (they would
 * mask ordinary words).
 */
export function redactText(text: string, secrets: readonly (string | undefined | null)[] = []): string {
  let out = text;
  const values = [...secrets, ...(operationSecrets.getStore() ?? [])]
    .filter((s): s is string => typeof s === "string" && s.length >= 4)
    // Longest first, so a secret that contains another is masked whole.
    .sort((a, b) => b.length - a.length);
  for (const value of values) {
    for (const variant of variantsOf(value)) {
      if (variant.length >= 4) out = out.split(variant).join(MASK);
    }
  }
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match, ...groups) => {
      // For key=value patterns keep the key so the message still says what was hidden.
      const first = groups[0];
      if (typeof first === "string" && match.startsWith(first) && /[:=]\s*$/.test(first)) return `${first}${MASK}`;
      return MASK;
    });
  }
  return out.replace(SECRET_QUERY_PARAMS, `$1${MASK}`);
}

/** Masks secret query parameters in a request path, keeping the rest readable. */
export function redactPath(path: string): string {
  return path.replace(SECRET_QUERY_PARAMS, `$1${MASK}`);
}

/** The forms a secret takes on the wire: as is, URL-encoded, base64 (how Octopus receives keys). */
function variantsOf(value: string): string[] {
  const variants = new Set<string>([value]);
  try {
    variants.add(encodeURIComponent(value));
  } catch {
    // lone surrogates: nothing to add
  }
  variants.add(Buffer.from(value, "utf8").toString("base64"));
  variants.add(JSON.stringify(value).slice(1, -1));
  // Multi-line secrets (private keys) are also masked line by line, so a fragment quoted in an
  // error (one line of a key) is hidden as well.
  if (value.includes("\n")) {
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= 16) variants.add(line.trim());
  }
  return [...variants];
}
