// Support for the secret audit (test/reliability/secret-audit.spec.ts): every secret becomes a set of
// needles (the forms it could leak in), text and files are scanned for them, and the emulators'
// request logs are checked for where each secret was sent.
//
// Passwords and tokens carry a random marker, so finding one cannot be a coincidence. Private keys
// cannot carry text, so their needles are slices of the key file's own base64 body, chosen where the
// bytes are private: a slice that decodes to bytes of the public key (which is rightly everywhere) or
// to structure every key of that type shares (the PEM or OpenSSH header) would find what is not a leak.

import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RecordedRequest } from "../../src/emulators/server";
import { inspectPrivateKey, inspectPublicKey } from "../../src/ssh/keys";

/** How a needle relates to the secret: as written, or as the base64 of it (how Octopus receives keys). */
export type NeedleForm = "text" | "base64";

export interface Needle {
  text: string;
  form: NeedleForm;
}

/** A secret in play, and everything that would betray it. */
export interface MarkedSecret {
  /** What it is, for reports: "Octopus password", "TFC private key 1". Never the value. */
  name: string;
  needles: Needle[];
}

/** A random marker to embed in a password or token: long enough that a hit cannot be chance. */
export function newMarker(): string {
  return `mk${randomBytes(9).toString("hex")}`;
}

/**
 * The base64 text of `value` as it looks wherever it is encoded, at each of the three byte
 * alignments it could have inside a longer encoded string (a Basic header, a base64'd JSON blob):
 * only the characters that depend on `value` alone.
 */
function base64Aligned(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const out: string[] = [];
  for (const shift of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
    const start = shift === 0 ? 0 : 4;
    const end = Math.floor((shift + bytes.length) / 3) * 4;
    if (end - start >= 12) out.push(encoded.slice(start, end));
  }
  return out;
}

/** The usual encodings of a short secret: JSON-escaped, URL-encoded, base64 (standard and URL-safe). */
function encodingsOf(value: string): Needle[] {
  const texts = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  const needles: Needle[] = [...texts].map((text) => ({ text, form: "text" as const }));
  for (const b64 of base64Aligned(value)) {
    needles.push({ text: b64, form: "base64" });
    needles.push({ text: b64.replace(/\+/g, "-").replace(/\//g, "_"), form: "base64" });
  }
  return needles;
}

/**
 * A password, token or key value. `parts` are substrings that are secret on their own (the random
 * marker inside a password, the body of an API key), searched for as well: a truncated leak counts.
 */
export function markString(name: string, value: string, parts: readonly string[] = []): MarkedSecret {
  const needles = encodingsOf(value);
  for (const part of parts) {
    if (part.length < 12) throw new Error(`${name}: a secret part must be at least 12 characters`);
    if (value.includes(part)) needles.push(...encodingsOf(part));
  }
  return { name, needles: dedupe(needles) };
}

function dedupe(needles: Needle[]): Needle[] {
  const seen = new Set<string>();
  return needles.filter((n) => n.text.length >= 8 && !seen.has(n.text) && seen.add(n.text));
}

/** Lines of a PEM or OpenSSH block that carry base64 (not the armour, not `Proc-Type:` headers). */
function bodyLines(text: string): { line: string; start: number }[] {
  const out: { line: string; start: number }[] = [];
  let offset = 0;
  for (const line of text.split("\n")) {
    if (/^[A-Za-z0-9+/=]+$/.test(line.trim()) && !line.startsWith("-----")) out.push({ line, start: offset });
    offset += line.length + 1;
  }
  return out;
}

const SLICE = 24; // base64 characters: 18 bytes, aligned to a base64 quantum.

/**
 * Needles for a private key file: `count` slices of its base64 body whose bytes occur neither in the
 * public key blob nor in `twin` (another key of the same type and format, made for the purpose: what
 * the two share is structure, not secret), each also as it appears in the base64 of the whole file.
 */
export function markPrivateKey(name: string, keyText: string, twin: string, options: { passphrase?: string; count?: number } = {}): MarkedSecret {
  const text = keyText.endsWith("\n") ? keyText : `${keyText}\n`;
  const info = inspectPrivateKey(text, options.passphrase);
  const publicBlob = Buffer.from(inspectPublicKey(info.publicKey).publicKey.split(" ")[1]!, "base64");
  const twinBody = Buffer.from(bodyLines(twin).map((l) => l.line).join(""), "base64");
  const lines = bodyLines(text);
  const candidates: { slice: string; at: number }[] = [];
  let unwrapped = 0; // index of the line's first character in the body without line breaks
  for (const { line, start } of lines) {
    for (let i = (4 - (unwrapped % 4)) % 4; i + SLICE <= line.length; i += 4) {
      const slice = line.slice(i, i + SLICE);
      const bytes = Buffer.from(slice, "base64");
      if (publicBlob.includes(bytes) || twinBody.includes(bytes)) continue;
      candidates.push({ slice, at: start + i });
    }
    unwrapped += line.length;
  }
  const count = options.count ?? 6;
  if (candidates.length < count) throw new Error(`${name}: only ${candidates.length} private slices`);
  // Spread over the body, so a leak of any large part of the key is caught.
  const chosen = Array.from({ length: count }, (_, k) => candidates[Math.floor((k * candidates.length) / count)]!);
  const fileBase64 = Buffer.from(text, "utf8").toString("base64");
  const needles: Needle[] = [];
  for (const { slice, at } of chosen) {
    needles.push({ text: slice, form: "text" });
    // The same characters of the file, inside the base64 of the file (what Octopus is sent).
    const from = Math.ceil(at / 3) * 4;
    const to = Math.floor((at + SLICE) / 3) * 4;
    needles.push({ text: fileBase64.slice(from, to), form: "base64" });
    // JSON writers that escape "/" and URL encodings.
    needles.push({ text: slice.replace(/\//g, "\\/"), form: "text" });
    needles.push({ text: encodeURIComponent(slice), form: "text" });
  }
  return { name, needles: dedupe(needles) };
}

/** A secret seen where it should not be. */
export interface Finding {
  secret: string;
  where: string;
  /** Up to 60 characters either side, with every needle of every secret and any long base64 run masked. */
  context: string;
}

/** Masks every needle of every secret in `text` (for reports). */
export function maskAll(text: string, secrets: readonly MarkedSecret[]): string {
  let out = text;
  for (const s of secrets) for (const n of s.needles) out = out.split(n.text).join(`[${s.name}]`);
  return out;
}

/** Every occurrence of any needle of any secret in `text`. */
export function scanText(where: string, text: string, secrets: readonly MarkedSecret[]): Finding[] {
  const findings: Finding[] = [];
  for (const secret of secrets) {
    for (const needle of secret.needles) {
      const at = text.indexOf(needle.text);
      if (at < 0) continue;
      const around = text.slice(Math.max(0, at - 60), at + needle.text.length + 60);
      // Beyond the needles, any long base64 run is masked too: the rest of a key around its slice.
      const context = maskAll(around, secrets).replace(/[A-Za-z0-9+/=]{16,}/g, "[base64]").replace(/\s+/g, " ");
      // `where` may quote the start of a log message: masked the same way.
      findings.push({ secret: secret.name, where: maskAll(where, secrets), context });
      break; // one finding per secret and place is enough to report
    }
  }
  return findings;
}

/** Every file under `dir` (recursively), as [relative path, text]. Missing directories give nothing. */
export function filesUnder(dir: string): [string, string][] {
  const out: [string, string][] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) out.push([path.relative(dir, p), fs.readFileSync(p).toString("latin1")]);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/** Where in a request a value was seen. */
export interface Sighting {
  service: string;
  method: string;
  path: string;
  /** "path", "query", "header:<name>", "body:<dotted JSON path>" or "body" (not JSON). */
  part: string;
  form: NeedleForm;
}

/** Every string in a request, with where it sits. */
function requestStrings(request: RecordedRequest): { part: string; value: string }[] {
  const out: { part: string; value: string }[] = [{ part: "path", value: request.path }];
  for (const [k, v] of Object.entries(request.query)) out.push({ part: "query", value: `${k}=${v}` });
  for (const [k, v] of Object.entries(request.headers)) out.push({ part: `header:${k}`, value: v });
  const walk = (value: unknown, at: string) => {
    if (typeof value === "string") out.push({ part: at === "" ? "body" : `body:${at}`, value });
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, at === "" ? String(i) : `${at}.${i}`));
    else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, at === "" ? k : `${at}.${k}`);
    // Keys can hold secrets too (a map keyed by a token): check them as strings.
    if (value !== null && typeof value === "object" && !Array.isArray(value)) for (const k of Object.keys(value)) out.push({ part: `body-key:${at}`, value: k });
  };
  walk(request.body, "");
  return out;
}

/** Where each secret was sent, across the request logs of several services. */
export function sightings(logs: Record<string, readonly RecordedRequest[]>, secrets: readonly MarkedSecret[]): Map<string, Sighting[]> {
  const found = new Map<string, Sighting[]>(secrets.map((s) => [s.name, []]));
  for (const [service, log] of Object.entries(logs)) {
    for (const request of log) {
      for (const { part, value } of requestStrings(request)) {
        for (const secret of secrets) {
          const forms = new Set(secret.needles.filter((n) => value.includes(n.text)).map((n) => n.form));
          for (const form of forms) found.get(secret.name)!.push({ service, method: request.method, path: request.path, part, form });
        }
      }
    }
  }
  return found;
}

/** A sighting in words, for assertion messages. */
export function describeSighting(s: Sighting): string {
  return `${s.service} ${s.method} ${s.path} ${s.part} (${s.form})`;
}

/** A piece of CLI output or of a log file, and where it comes from. */
export interface OutputRecord {
  /** "engine log v=<level>: <message head>", or "display" (what the CLI prints for people). */
  origin: string;
  text: string;
}

/** The first words of a log message, up to its arguments: what kind of message it is. */
function messageHead(message: string): string {
  // What a plugin or the program said goes through the event sink: name the kind and the message.
  const sink = /^eventSink::(\w+)\(<\{%reset%\}>([\s\S]*)$/.exec(message);
  if (sink) return `eventSink::${sink[1]}: ${messageHead(sink[2]!)}`;
  // Up to its arguments, at most five words, past a leading "[tag]".
  return message.replace(/^\[[^\]]*\]\s*/, "").split(/[([:'{]/)[0]!.trim().split(/\s+/).slice(0, 5).join(" ");
}

/**
 * Splits CLI output or a log file into the engine's JSON log entries (one record each, with its
 * verbosity level and message kind) and the display (everything else, one record).
 */
export function outputRecords(text: string): OutputRecord[] {
  const out: OutputRecord[] = [];
  const display: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith('{"time":')) {
      try {
        const entry = JSON.parse(line) as { msg?: unknown; v?: unknown };
        out.push({ origin: `engine log v=${String(entry.v)}: ${messageHead(String(entry.msg))}`, text: line });
        continue;
      } catch {
        // not a log entry after all: part of the display
      }
    }
    display.push(line);
  }
  out.push({ origin: "display", text: display.join("\n") });
  return out;
}

// The Node.js SDK's debug messages that print an RPC's response, outputs and secrets included.
const SDK_RPC_MESSAGE = /((?:RegisterResource|ReadResource|RegisterResourceOutputs|getResource Invoke|Invoke) RPC finished: [\s\S]*?)(?:<\{%reset%\}>\))?$/;

/** The SDK's "RPC finished" debug messages, as the engine logged them (every level from 3 up). */
export function sdkRpcMessages(records: readonly OutputRecord[]): string[] {
  const out: string[] = [];
  for (const r of records) {
    if (r.origin === "display") continue;
    const message = String((JSON.parse(r.text) as { msg?: unknown }).msg);
    const match = SDK_RPC_MESSAGE.exec(message);
    if (match) out.push(match[1]!);
  }
  return out;
}

/**
 * The display without the given messages: `pulumi up --debug` prints the SDK's debug messages too,
 * over several indented lines, so each line of each message is taken out where it appears. What is
 * left is everything else the CLI printed. (A provider that printed a line identical to one of those
 * messages would be hidden here; the engine's log, held to zero, still has all a provider writes to
 * stderr and every error, so run at -v=5 or more.)
 */
export function withoutMessages(display: string, messages: readonly string[]): string {
  const lines = new Set<string>();
  for (const m of messages) for (const line of m.split("\n")) if (line.trim().length >= 8) lines.add(line.trim());
  let out = display;
  // Longest first, so a line that contains another is taken out whole.
  for (const line of [...lines].sort((a, b) => b.length - a.length)) out = out.split(line).join("");
  return out;
}

/**
 * Pulumi 3.248's own logging of RPC payloads, which prints properties in plaintext, secrets included:
 * the engine's property (un)marshaling at -v=9, the planner's decisions at -v=7, and the Node.js SDK's
 * "RPC finished" debug messages (the engine logs them from -v=3; `--debug` also shows them). No
 * provider can change these; everything else is held to zero.
 */
export const PULUMI_DUMP = /^engine log v=\d+: ((Un)?[Mm]arshaling property for RPC|Planner decided (not )?to \w+|(eventSink::Debug: )?(RegisterResource|ReadResource|RegisterResourceOutputs|getResource Invoke|Invoke) RPC finished)$/;

/**
 * Scans CLI output and log files: findings in Pulumi's own RPC dumps (see PULUMI_DUMP) apart from
 * all others. The display is scanned without the SDK's RPC messages, gathered from every text first
 * (a command that logged to files printed them in the display, and logged them in a file).
 */
export function scanOutputs(texts: readonly { where: string; text: string }[], secrets: readonly MarkedSecret[]): { findings: Finding[]; pulumiDumps: Finding[] } {
  const split = texts.map(({ where, text }) => ({ where, records: outputRecords(text) }));
  const messages = split.flatMap(({ records }) => sdkRpcMessages(records));
  const findings: Finding[] = [];
  const pulumiDumps: Finding[] = [];
  for (const { where, records } of split) {
    for (const record of records) {
      const text = record.origin === "display" ? withoutMessages(record.text, messages) : record.text;
      (PULUMI_DUMP.test(record.origin) ? pulumiDumps : findings).push(...scanText(`${where}, ${record.origin}`, text, secrets));
    }
  }
  return { findings, pulumiDumps };
}
