// SSH key handling shared by every service: read and check the private keys users give (PEM or
// OpenSSH text, or that text base64-encoded), read OpenSSH public key lines, derive public keys and
// fingerprints, and generate key pairs.
//
// Where each key goes:
// - Octopus Deploy stores the key file text as base64 (`PrivateKeyFile.NewValue`, see toBase64) and
//   checks nothing on save, so a bad key would only show up in a later health check: check it here.
// - HCP Terraform stores the key file text as given.
// - OpenStack Nova takes an OpenSSH public key line and shows an MD5 fingerprint (`67:c0:a2:...`).
//
// node:crypto reads PEM (PKCS#1, PKCS#8, SEC1, legacy Proc-Type encryption); sshpk reads the OpenSSH
// private key format, which node:crypto cannot. This is the only module that imports sshpk.
//
// Error messages are fixed text: never a line of the key, never a passphrase, and never the message of
// an sshpk or OpenSSL error (those can quote the input).

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from "node:crypto";
import * as sshpk from "sshpk";
import { InputError, InvalidKeyError, type KeyProblem } from "../core/errors";

/** The SSH key types this package accepts (the names OpenSSH puts at the start of a public key line). */
export type KeyType = "ssh-ed25519" | "ssh-rsa" | "ecdsa-sha2-nistp256" | "ecdsa-sha2-nistp384" | "ecdsa-sha2-nistp521";

/**
 * The container a private key came in:
 * - `pkcs1`: PEM `RSA PRIVATE KEY` (what `ssh-keygen -t rsa -m PEM` writes), possibly with legacy
 *   `Proc-Type: 4,ENCRYPTED` encryption;
 * - `pkcs8`: PEM `PRIVATE KEY` or `ENCRYPTED PRIVATE KEY`;
 * - `sec1`: PEM `EC PRIVATE KEY`, possibly with legacy encryption;
 * - `openssh`: `OPENSSH PRIVATE KEY` (what `ssh-keygen` writes by default).
 */
export type PrivateKeyFormat = "pkcs1" | "pkcs8" | "sec1" | "openssh";

/** What {@link inspectPrivateKey} found in a private key. Holds no private key material but `text`. */
export interface PrivateKeyInfo {
  /** The key's SSH type. */
  keyType: KeyType;
  /** The container the key came in. */
  format: PrivateKeyFormat;
  /** True when the key file is protected by a passphrase (which was then checked). */
  encrypted: boolean;
  /** Key size as `ssh-keygen -l` reports it: the RSA modulus length, the curve size, 256 for Ed25519. */
  bits: number;
  /** The public half as an OpenSSH public key line, `"<type> <base64>"`, with no comment. */
  publicKey: string;
  /** `SHA256:<base64 without padding>`, as `ssh-keygen -l -E sha256` prints it. */
  fingerprint: string;
  /** Lowercase colon-separated hex MD5 (`aa:bb:...`), as Nova shows it and `ssh-keygen -l -E md5` prints it without `MD5:`. */
  md5Fingerprint: string;
  /** The key file text: decoded when the key was given as base64, otherwise exactly as given. Secret. */
  text: string;
  /** True when the key was given as base64 of the key file text. */
  givenAsBase64: boolean;
}

/** What {@link inspectPublicKey} found in an OpenSSH public key line. */
export interface PublicKeyInfo {
  /** The key's SSH type. */
  keyType: KeyType;
  /** The key as `"<type> <base64>"`, without the comment. */
  publicKey: string;
  /** The comment after the key (often `user@host`), when there is one. */
  comment?: string;
  /** `SHA256:<base64 without padding>`, as `ssh-keygen -l -E sha256` prints it. */
  fingerprint: string;
  /** Lowercase colon-separated hex MD5 (`aa:bb:...`), as Nova computes it. */
  md5Fingerprint: string;
  /** Key size as `ssh-keygen -l` reports it. */
  bits: number;
}

/** A key pair made by {@link generateKeyPair}. */
export interface GeneratedKeyPair {
  /** The private key file text, ending with a newline. Secret. */
  privateKey: string;
  /** The OpenSSH public key line `"<type> <base64>"`, followed by `" <comment>"` when a comment was given. No newline. */
  publicKey: string;
  /** The key's SSH type. */
  keyType: KeyType;
  /** `SHA256:<base64 without padding>`. */
  fingerprint: string;
  /** Lowercase colon-separated hex MD5, as Nova shows it. */
  md5Fingerprint: string;
}

/** Options of {@link generateKeyPair}. */
export interface GenerateKeyPairOptions {
  /**
   * `ed25519` writes the private key in OpenSSH format; `rsa` writes PEM PKCS#1 (`RSA PRIVATE KEY`).
   * Those are the two formats Octopus's SSH.NET is known to accept.
   * @default "ed25519"
   */
  algorithm?: "ed25519" | "rsa";
  /**
   * RSA modulus length, 2048 to 16384. Only for `rsa`.
   * @default 4096
   */
  bits?: number;
  /** A comment (often `user@host`) added to the public key line and, for Ed25519, to the private key file. One line. */
  comment?: string;
}

// ---------------------------------------------------------------------------------------------------
// Base64 and normalisation

const BASE64_RUN = /^[A-Za-z0-9+/]+={0,2}$/;

/** What a key file (private or public, any format we recognise) starts with. */
const KEY_FILE_START = /^\s*(?:-----BEGIN [A-Z0-9 ]+-----|---- BEGIN SSH2 [A-Z ]+----|PuTTY-User-Key-File-\d+:|(?:ssh|ecdsa|sk)-[A-Za-z0-9@.-]+[ \t]+AAAA)/;

/** Decodes strict standard base64 (whitespace and line breaks allowed) to UTF-8 text, or undefined. */
function decodeBase64Text(input: string): string | undefined {
  const bytes = decodeBase64Bytes(input);
  if (bytes === undefined) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function decodeBase64Bytes(input: string): Buffer | undefined {
  const compact = input.replace(/\s+/g, "");
  if (compact.length < 4 || !BASE64_RUN.test(compact)) return undefined;
  if (compact.includes("=") ? compact.length % 4 !== 0 : compact.length % 4 === 1) return undefined;
  return Buffer.from(compact, "base64");
}

/** The decoded text when `input` is base64 of a key file, else undefined. */
function decodeBase64KeyFile(input: string): string | undefined {
  const text = decodeBase64Text(input);
  return text !== undefined && KEY_FILE_START.test(text) ? text : undefined;
}

/**
 * If `input` is base64 of a PEM or OpenSSH key file (whitespace and line breaks allowed, as `base64`
 * wraps them), decodes it; otherwise returns it unchanged. Decodes at most once, and never parses the key.
 *
 * @param input A key file's text, or that text base64-encoded.
 * @returns `text`, the key file text, and `givenAsBase64`, true when it was decoded.
 */
export function normalizePrivateKeyText(input: string): { text: string; givenAsBase64: boolean } {
  const decoded = typeof input === "string" ? decodeBase64KeyFile(input) : undefined;
  return decoded === undefined ? { text: input, givenAsBase64: false } : { text: decoded, givenAsBase64: true };
}

/**
 * Standard base64, padded and without line breaks, of the exact UTF-8 bytes of `text`: the form Octopus
 * Deploy expects in `PrivateKeyFile.NewValue`. Give it the key file text (see {@link normalizePrivateKeyText}),
 * never text that is already base64.
 */
export function toBase64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/**
 * The key file as it should be stored: `text` with a final newline added when it has none. Secrets
 * managers and `pulumi config set` (from stdin or a file) drop it, and OpenSSH refuses an OpenSSH-format
 * key file without it ("invalid format"), so a key that parses here would still fail at deploy time.
 */
export function keyFileText(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

/**
 * The key file text a private key argument stands for, for comparing two ways of writing one key
 * (PEM or its base64, with or without the final newline). Null for an empty value; the value itself
 * when it is not a key (check reports that).
 */
export function comparableKeyText(value: unknown): string | null {
  if (typeof value !== "string" || value === "") return null;
  try {
    return keyFileText(normalizePrivateKeyText(value).text);
  } catch {
    return value;
  }
}

const PRIVATE_KEY_MARKER = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY|PuTTY-User-Key-File-\d+:|---- BEGIN SSH2 ENCRYPTED PRIVATE KEY/;
const PRIVATE_LABELS = ["RSA PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "DSA PRIVATE KEY"];

function hasPrivateKeyMarker(text: string): boolean {
  if (PRIVATE_KEY_MARKER.test(text)) return true;
  // Cut short inside the BEGIN line: private when the label so far can only be a private key's.
  const partial = /-----BEGIN ([A-Z0-9 ]*)$/.exec(text)?.[1];
  return partial !== undefined && PRIVATE_LABELS.some((label) => label.startsWith(partial));
}

/**
 * True when `text`, or the base64 it holds (even cut short), looks like a private key file. Used to
 * catch a key pasted into the wrong field, such as a passphrase or a public key argument. Never parses.
 */
export function looksLikePrivateKey(text: string): boolean {
  if (typeof text !== "string") return false;
  if (hasPrivateKeyMarker(text.trimEnd())) return true;
  // Decode the longest leading run of base64 (a value cut short still counts).
  const run = /^[A-Za-z0-9+/]*/.exec(text.replace(/\s+/g, ""))?.[0] ?? "";
  const usable = run.slice(0, run.length - (run.length % 4));
  if (usable.length < 16) return false;
  return hasPrivateKeyMarker(Buffer.from(usable, "base64").toString("latin1"));
}

/**
 * Values passed to InvalidKeyError for redaction: a second guard behind messages that never quote
 * input. Short values are left out, as they could match the message's own words and garble it.
 */
function redactable(...values: (string | undefined)[]): string[] {
  return values.filter((v): v is string => typeof v === "string" && v.trim().length >= 24);
}

// ---------------------------------------------------------------------------------------------------
// Messages. Each reads after a property name: "privateKey: <message>".

const FIX_FORMAT =
  'give the private key file\'s text (a PEM block such as "BEGIN RSA PRIVATE KEY", "BEGIN PRIVATE KEY" or "BEGIN EC PRIVATE KEY", or an OpenSSH "BEGIN OPENSSH PRIVATE KEY" file), or that text base64-encoded';
const GIVE_PRIVATE_HALF =
  "give the private half instead: the key file without .pub (for example ~/.ssh/id_ed25519, not ~/.ssh/id_ed25519.pub)";
const USE_SUPPORTED_TYPE = "use an Ed25519, RSA or ECDSA (nistp256, nistp384, nistp521) key, for example one made with ssh-keygen -t ed25519 -f <key file>";
const KEY_IN_PASSPHRASE =
  "the passphrase argument holds a private key (or its base64) instead of a passphrase. The key was put in the passphrase field, the classic workaround for old Octopus Terraform providers; give the key only in the private key argument";

const MESSAGES = {
  empty: `no key was given (the value is empty or only whitespace): ${FIX_FORMAT}`,
  notAKey: `is not a private key: ${FIX_FORMAT}`,
  filePath: 'looks like a file path, not the key itself: give the file\'s contents (for example fs.readFileSync(path, "utf8") in the Pulumi program)',
  doubleBase64: "is base64-encoded twice: give the key file text, or encode it once",
  bodyOnly: "is the base64 body of a key without its BEGIN and END lines: give the whole key file, including those lines",
  flattened: "has lost its line breaks (they were replaced by spaces, or the key was joined into one line): give the file text with its line breaks",
  escapedNewlines: 'contains literal "\\n" sequences instead of line breaks (an escaped string): unescape it, or read the key from its file',
  noEnd: "is cut short: the END line is missing or does not match the BEGIN line. Copy the whole key file",
  severalKeys: "holds more than one private key: give exactly one",
  damagedBody: "is damaged or cut short: the base64 between the BEGIN and END lines is not valid. Copy the whole key file again",
  unreadable: "could not be read: the key data is damaged or cut short. Copy the whole key file again, or generate a new key",
  halvesDiffer: "is damaged: its public and private parts do not match. Copy the whole key file again, or generate a new key",
  notPrivatePem: `is a PEM block that holds no private key: ${FIX_FORMAT}`,
  publicOpenSsh: `is a public key (an OpenSSH public key line): ${GIVE_PRIVATE_HALF}`,
  publicPem: `is a public key (a PEM "BEGIN PUBLIC KEY" block): ${GIVE_PRIVATE_HALF}`,
  publicPemRsa: `is a public key (a PEM "BEGIN RSA PUBLIC KEY" block): ${GIVE_PRIVATE_HALF}`,
  publicSsh2: `is a public key (an SSH2 "BEGIN SSH2 PUBLIC KEY" block, as PuTTYgen and ssh-keygen -e write): ${GIVE_PRIVATE_HALF}`,
  encryptedNoPassphrase:
    'is encrypted with a passphrase, and no passphrase was given: set the passphrase argument (privateKeyPassphrase where the resource has one), or remove the passphrase with ssh-keygen -p -N "" -f <key file>',
  wrongPassphrase: "could not be decrypted with the passphrase given. The passphrase is wrong (or the key file is damaged): check the passphrase argument",
  passphraseNotNeeded: "is not encrypted, but a passphrase was given: remove the passphrase argument (or encrypt the key with ssh-keygen -p -f <key file> and keep it)",
  putty: "is a PuTTY private key (.ppk), which is not supported: convert it to OpenSSH format with puttygen key.ppk -O private-openssh -o key (or PuTTYgen's Conversions > Export OpenSSH key) and give that file",
  sshCom: "is an SSH.COM (SSH2) private key, which is not supported: convert it to OpenSSH format with puttygen <key file> -O private-openssh -o key and give that file",
  dsa: `is a DSA (ssh-dss) key, which is not supported (OpenSSH has disabled DSA by default since version 7.0): ${USE_SUPPORTED_TYPE}`,
  securityKey: "is a FIDO security key (sk-...) key, which needs its hardware token and cannot be used by a service: generate a plain key with ssh-keygen -t ed25519 -f <key file>",
  otherType: `is a kind of key this package does not support: ${USE_SUPPORTED_TYPE}`,
  rsaPss: `is an RSA-PSS key, which SSH does not use: ${USE_SUPPORTED_TYPE}`,
  certificatePrivate: "is an OpenSSH certificate (the -cert.pub file), not a private key: give the private key file instead (for example ~/.ssh/id_ed25519)",
  x509: "is an X.509 certificate, not an SSH private key: give the private key file instead",
  cipherUnsupported: (cipher: string) =>
    `is encrypted with ${cipher}, which this package cannot decrypt: re-encrypt it with ssh-keygen -p -Z aes256-ctr -f <key file>`,
  legacyCipher:
    "is encrypted with an old cipher (such as DES) that OpenSSL 3 no longer offers: re-encrypt it with AES, for example openssl pkey -provider legacy -provider default -aes256 -in <key file> -out <new key file>",
  severalKeysOpenSsh: "holds more than one key: give a file with exactly one",
} as const;

const PUBLIC_MESSAGES = {
  empty: "no public key was given (the value is empty or only whitespace): give an OpenSSH public key line, such as the contents of ~/.ssh/id_ed25519.pub",
  privateGiven:
    "is a PRIVATE key, which must not be given here (and is now exposed wherever this value was stored: consider replacing it): give the public half, the .pub file, or the output of ssh-keygen -y -f <key file>",
  pemPublic: "is a PEM public key, not an OpenSSH public key line: convert it with ssh-keygen -i -m PKCS8 -f <key file>",
  pemRsaPublic: 'is a PEM "RSA PUBLIC KEY", not an OpenSSH public key line: convert it with ssh-keygen -i -m PEM -f <key file>',
  ssh2Public: "is an SSH2 (RFC 4716) public key block, not an OpenSSH public key line: convert it with ssh-keygen -i -f <key file>",
  x509: "is an X.509 certificate, not an SSH public key: give an OpenSSH public key line, such as the contents of ~/.ssh/id_ed25519.pub",
  notALine:
    'is not an OpenSSH public key line: expected "<type> <base64> [comment]" with type ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256/384/521, such as the contents of ~/.ssh/id_ed25519.pub',
  options: "starts with authorized_keys options: give only the key (its type, the base64 and an optional comment)",
  severalLines: "holds more than one line: give exactly one public key line",
  damaged: "is damaged: the base64 part of the key is not a valid key of the type it names. Copy the whole line again",
  certificate: "is an OpenSSH certificate (-cert.pub), which is not supported here: give the plain public key, such as the contents of ~/.ssh/id_ed25519.pub",
  dsa: `is a DSA (ssh-dss) key, which is not supported (OpenSSH has disabled DSA by default since version 7.0): ${USE_SUPPORTED_TYPE}`,
  securityKey: "is a FIDO security key (sk-...) key, which is not supported: generate a plain key with ssh-keygen -t ed25519 -f <key file>",
  otherType: `is a kind of key this package does not support: ${USE_SUPPORTED_TYPE}`,
} as const;

/** An internal failure: turned into an InvalidKeyError once, at the public function's boundary. */
class KeyFailure {
  constructor(
    readonly problem: KeyProblem,
    readonly message: string,
  ) {}
}

function fail(problem: KeyProblem, message: string): never {
  throw new KeyFailure(problem, message);
}

// ---------------------------------------------------------------------------------------------------
// SSH wire format (RFC 4251) and fingerprints

class WireReader {
  private offset: number;
  constructor(
    private readonly buf: Buffer,
    offset = 0,
  ) {
    this.offset = offset;
  }
  uint32(): number {
    if (this.offset + 4 > this.buf.length) throw new RangeError("short");
    const value = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  string(): Buffer {
    const length = this.uint32();
    if (this.offset + length > this.buf.length) throw new RangeError("short");
    const value = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  atEnd(): boolean {
    return this.offset === this.buf.length;
  }
}

function wireString(value: Buffer | string): Buffer {
  const data = typeof value === "string" ? Buffer.from(value, "latin1") : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

/** An SSH mpint of a non-negative big-endian integer: no leading zeros, one zero byte when the top bit is set. */
function wireMpint(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length && unsigned[start] === 0) start++;
  const digits = unsigned.subarray(start);
  return wireString(digits.length > 0 && (digits[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), digits]) : digits);
}

const CURVES: Record<string, { keyType: KeyType; sshCurve: string; jwkCurve: string; bits: number }> = {
  prime256v1: { keyType: "ecdsa-sha2-nistp256", sshCurve: "nistp256", jwkCurve: "P-256", bits: 256 },
  secp384r1: { keyType: "ecdsa-sha2-nistp384", sshCurve: "nistp384", jwkCurve: "P-384", bits: 384 },
  secp521r1: { keyType: "ecdsa-sha2-nistp521", sshCurve: "nistp521", jwkCurve: "P-521", bits: 521 },
};

function curveBySshName(sshCurve: string): (typeof CURVES)[string] | undefined {
  return Object.values(CURVES).find((c) => c.sshCurve === sshCurve);
}

interface PublicParts {
  keyType: KeyType;
  blob: Buffer;
  bits: number;
}

/** The SSH public key blob of a node:crypto key (private or public). Fails for key types SSH does not use here. */
function publicPartsOf(key: KeyObject): PublicParts {
  const publicKey = key.type === "public" ? key : createPublicKey(key);
  const details = publicKey.asymmetricKeyDetails ?? {};
  switch (publicKey.asymmetricKeyType) {
    case "rsa": {
      const jwk = publicKey.export({ format: "jwk" });
      const blob = Buffer.concat([wireString("ssh-rsa"), wireMpint(base64url(jwk.e)), wireMpint(base64url(jwk.n))]);
      return { keyType: "ssh-rsa", blob, bits: details.modulusLength ?? 0 };
    }
    case "ec": {
      const curve = CURVES[details.namedCurve ?? ""];
      if (!curve) return fail("unsupported-type", MESSAGES.otherType);
      const jwk = publicKey.export({ format: "jwk" });
      const point = Buffer.concat([Buffer.from([4]), base64url(jwk.x), base64url(jwk.y)]);
      return { keyType: curve.keyType, blob: Buffer.concat([wireString(curve.keyType), wireString(curve.sshCurve), wireString(point)]), bits: curve.bits };
    }
    case "ed25519": {
      const jwk = publicKey.export({ format: "jwk" });
      return { keyType: "ssh-ed25519", blob: Buffer.concat([wireString("ssh-ed25519"), wireString(base64url(jwk.x))]), bits: 256 };
    }
    case "dsa":
      return fail("unsupported-type", MESSAGES.dsa);
    case "rsa-pss":
      return fail("unsupported-type", MESSAGES.rsaPss);
    default:
      return fail("unsupported-type", MESSAGES.otherType);
  }
}

function base64url(value: JsonWebKey[string]): Buffer {
  if (typeof value !== "string") throw new TypeError("missing JWK member");
  return Buffer.from(value, "base64url");
}

function describeBlob(parts: PublicParts): { keyType: KeyType; bits: number; publicKey: string; fingerprint: string; md5Fingerprint: string } {
  return {
    keyType: parts.keyType,
    bits: parts.bits,
    publicKey: `${parts.keyType} ${parts.blob.toString("base64")}`,
    fingerprint: `SHA256:${createHash("sha256").update(parts.blob).digest("base64").replace(/=+$/, "")}`,
    md5Fingerprint: createHash("md5").update(parts.blob).digest("hex").replace(/(..)(?!$)/g, "$1:"),
  };
}

/** What an unsupported SSH type name is, for the public key line and the OpenSSH private key header. */
function unsupportedSshType(typeName: string, messages: { dsa: string; securityKey: string; otherType: string }, certificate: string): string {
  if (typeName === "ssh-dss") return messages.dsa;
  if (typeName.endsWith("-cert-v01@openssh.com")) return certificate;
  if (typeName.startsWith("sk-")) return messages.securityKey;
  return messages.otherType;
}

const KEY_TYPES: readonly string[] = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"];

function isKeyType(value: string): value is KeyType {
  return KEY_TYPES.includes(value);
}

// ---------------------------------------------------------------------------------------------------
// Private keys

/** A PEM-armoured block found in the text: its label, the exact block text, its headers and decoded body. */
interface PemBlock {
  label: string;
  block: string;
  headers: string[];
  body: Buffer;
}

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;
const PUBLIC_LINE = /^\s*((?:ssh|ecdsa|sk)-[A-Za-z0-9@.-]+)[ \t]+AAAA/m;

/** Finds the private key block in the text, or fails with the reason there is none. */
function findPemBlock(text: string): PemBlock | undefined {
  const begins = [...text.matchAll(PEM_BEGIN)];
  if (begins.length === 0) return undefined;
  const privates = begins.filter((m) => m[1]!.endsWith("PRIVATE KEY"));
  if (privates.length > 1) fail("malformed", MESSAGES.severalKeys);
  const begin = privates[0] ?? begins[0]!;
  const label = begin[1]!;

  switch (label) {
    case "PUBLIC KEY":
      return fail("public-key-given", MESSAGES.publicPem);
    case "RSA PUBLIC KEY":
      return fail("public-key-given", MESSAGES.publicPemRsa);
    case "CERTIFICATE":
    case "TRUSTED CERTIFICATE":
      return fail("unsupported-type", MESSAGES.x509);
    case "DSA PRIVATE KEY":
      return fail("unsupported-type", MESSAGES.dsa);
    case "RSA PRIVATE KEY":
    case "PRIVATE KEY":
    case "ENCRYPTED PRIVATE KEY":
    case "EC PRIVATE KEY":
    case "OPENSSH PRIVATE KEY":
      break;
    default:
      return label.endsWith("PRIVATE KEY") ? fail("unsupported-type", MESSAGES.otherType) : fail("malformed", MESSAGES.notPrivatePem);
  }

  const start = begin.index!;
  const innerStart = start + begin[0].length;
  const endLine = `-----END ${label}-----`;
  const end = text.indexOf(endLine, innerStart);
  const inner = text.slice(innerStart, end === -1 ? undefined : end);
  if (inner.includes("\\n")) fail("malformed", MESSAGES.escapedNewlines);
  if (!/[\r\n]/.test(inner) && /\S/.test(inner)) fail("malformed", MESSAGES.flattened);
  if (end === -1) fail("malformed", MESSAGES.noEnd);

  const lines = inner.split(/\r?\n/).map((line) => line.trim());
  while (lines.length > 0 && lines[0] === "") lines.shift();
  const headers: string[] = [];
  while (lines.length > 0 && /^[A-Za-z][A-Za-z0-9-]*:/.test(lines[0]!)) headers.push(lines.shift()!);
  const body = lines.join("");
  if (body.length === 0 || !BASE64_RUN.test(body) || body.length % 4 !== 0) fail("malformed", MESSAGES.damagedBody);
  return { label, block: text.slice(start, end + endLine.length), headers, body: Buffer.from(body, "base64") };
}

/** True when a DER value is one SEQUENCE that fills the buffer exactly (catches truncation at a line boundary). */
function isWholeDerSequence(der: Buffer): boolean {
  if (der.length < 2 || der[0] !== 0x30) return false;
  let length = der[1]!;
  let offset = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count < 1 || count > 4 || der.length < 2 + count) return false;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[offset++]!;
  }
  return offset + length === der.length;
}

/** Why text that holds no key block is not a key: the most helpful reason we can tell without echoing it. */
function explainNotAKey(text: string): never {
  const trimmed = text.trim();
  if (/^---- BEGIN SSH2 PUBLIC KEY ----/m.test(text)) fail("public-key-given", MESSAGES.publicSsh2);
  if (/^---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----/m.test(text)) fail("unsupported-type", MESSAGES.sshCom);
  if (/^\s*PuTTY-User-Key-File-\d+:/.test(text)) fail("unsupported-type", MESSAGES.putty);
  const publicLine = PUBLIC_LINE.exec(text);
  if (publicLine) {
    const typeName = publicLine[1]!;
    if (typeName.endsWith("-cert-v01@openssh.com")) fail("unsupported-type", MESSAGES.certificatePrivate);
    fail("public-key-given", MESSAGES.publicOpenSsh);
  }
  const once = decodeBase64Text(trimmed);
  if (once !== undefined && decodeBase64KeyFile(once) !== undefined) fail("malformed", MESSAGES.doubleBase64);
  const bytes = decodeBase64Bytes(trimmed);
  if (bytes !== undefined && (bytes.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC) || isWholeDerSequence(bytes))) {
    fail("malformed", MESSAGES.bodyOnly);
  }
  if (!/[\r\n]/.test(trimmed) && trimmed.length <= 260 && /^(?:~|\.{1,2})?[\\/]|^[A-Za-z]:[\\/]|\.(?:pem|key|ppk|pub)$|(?:^|[\\/])id_(?:rsa|ed25519|ecdsa|dsa)\b/.test(trimmed)) {
    fail("malformed", MESSAGES.filePath);
  }
  return fail("malformed", MESSAGES.notAKey);
}

const OPENSSH_MAGIC = Buffer.from("openssh-key-v1\0", "latin1");

/** Ciphers sshpk decrypts, with their block sizes. Others (GCM, ChaCha20) are refused before sshpk sees them. */
const OPENSSH_CIPHERS: Record<string, number> = {
  "aes128-ctr": 16,
  "aes192-ctr": 16,
  "aes256-ctr": 16,
  "aes128-cbc": 16,
  "aes192-cbc": 16,
  "aes256-cbc": 16,
  "3des-cbc": 8,
};
/** Cipher names safe to quote in a message (fixed names, never user text). */
const KNOWN_OTHER_CIPHERS = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "blowfish-cbc"];

/** The unencrypted header of an OpenSSH private key file (PROTOCOL.key): enough to decide before decrypting. */
function readOpenSshHeader(body: Buffer): { encrypted: boolean; publicBlob: Buffer } {
  if (!body.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) fail("malformed", MESSAGES.unreadable);
  let cipher: string;
  let kdf: string;
  let count: number;
  let publicBlob: Buffer;
  let privateBlob: Buffer;
  let typeName: string;
  try {
    const reader = new WireReader(body, OPENSSH_MAGIC.length);
    cipher = reader.string().toString("latin1");
    kdf = reader.string().toString("latin1");
    reader.string();
    count = reader.uint32();
    publicBlob = reader.string();
    if (count !== 1) fail("malformed", MESSAGES.severalKeysOpenSsh);
    privateBlob = reader.string();
    if (!reader.atEnd()) throw new RangeError("trailing bytes");
    typeName = new WireReader(publicBlob).string().toString("latin1");
  } catch (error) {
    if (error instanceof KeyFailure) throw error;
    return fail("malformed", MESSAGES.unreadable);
  }
  if (!isKeyType(typeName)) fail("unsupported-type", unsupportedSshType(typeName, MESSAGES, MESSAGES.otherType));
  if (cipher === "none") {
    if (kdf !== "none") fail("malformed", MESSAGES.unreadable);
    return { encrypted: false, publicBlob };
  }
  const blockSize = OPENSSH_CIPHERS[cipher];
  if (blockSize === undefined) {
    fail("unsupported-type", MESSAGES.cipherUnsupported(KNOWN_OTHER_CIPHERS.includes(cipher) ? cipher : "an unknown cipher"));
  }
  if (kdf !== "bcrypt") fail("unsupported-type", MESSAGES.cipherUnsupported("an unknown key derivation"));
  if (privateBlob.length % blockSize !== 0) fail("malformed", MESSAGES.unreadable);
  return { encrypted: true, publicBlob };
}

interface ParsedPrivateKey {
  format: PrivateKeyFormat;
  encrypted: boolean;
  parts: PublicParts;
}

function readPrivateKey(text: string, passphrase: string | undefined): ParsedPrivateKey {
  const pem = findPemBlock(text);
  if (pem === undefined) return explainNotAKey(text);

  if (pem.label === "OPENSSH PRIVATE KEY") {
    const header = readOpenSshHeader(pem.body);
    if (header.encrypted && passphrase === undefined) fail("encrypted-no-passphrase", MESSAGES.encryptedNoPassphrase);
    let key: sshpk.PrivateKey;
    try {
      key = sshpk.parsePrivateKey(pem.block, "openssh", header.encrypted ? { passphrase } : {});
    } catch {
      return fail(header.encrypted ? "wrong-passphrase" : "malformed", header.encrypted ? MESSAGES.wrongPassphrase : MESSAGES.unreadable);
    }
    let blob: Buffer;
    try {
      blob = key.toPublic().toBuffer("rfc4253");
    } catch {
      return fail("malformed", MESSAGES.unreadable);
    }
    if (!blob.equals(header.publicBlob)) fail("malformed", MESSAGES.halvesDiffer);
    const keyType = new WireReader(blob).string().toString("latin1") as KeyType;
    return { format: "openssh", encrypted: header.encrypted, parts: { keyType, blob, bits: key.size } };
  }

  const format: PrivateKeyFormat = pem.label === "RSA PRIVATE KEY" ? "pkcs1" : pem.label === "EC PRIVATE KEY" ? "sec1" : "pkcs8";
  const legacyEncrypted = format !== "pkcs8" && pem.headers.some((h) => /^Proc-Type:\s*4\s*,\s*ENCRYPTED\s*$/i.test(h));
  const encrypted = legacyEncrypted || pem.label === "ENCRYPTED PRIVATE KEY";
  if (!legacyEncrypted && !isWholeDerSequence(pem.body)) fail("malformed", MESSAGES.damagedBody);
  if (legacyEncrypted && pem.body.length % 8 !== 0) fail("malformed", MESSAGES.damagedBody);
  if (encrypted && passphrase === undefined) fail("encrypted-no-passphrase", MESSAGES.encryptedNoPassphrase);

  let key: KeyObject;
  try {
    key = createPrivateKey(encrypted ? { key: pem.block, format: "pem", passphrase } : { key: pem.block, format: "pem" });
  } catch (error) {
    // ERR_OSSL_EVP_UNSUPPORTED: a cipher OpenSSL 3 no longer offers (DES, Blowfish, PBES1). Any other
    // error after decryption (bad decrypt, or garbage the decoder cannot read) means a wrong passphrase.
    if (encrypted && (error as { code?: unknown } | null)?.code === "ERR_OSSL_EVP_UNSUPPORTED") fail("unsupported-type", MESSAGES.legacyCipher);
    return fail(encrypted ? "wrong-passphrase" : "malformed", encrypted ? MESSAGES.wrongPassphrase : MESSAGES.unreadable);
  }
  return { format, encrypted, parts: publicPartsOf(key) };
}

/**
 * Parses a private key and checks it can be used: PEM (PKCS#1 `RSA PRIVATE KEY`, PKCS#8 `PRIVATE KEY`
 * and `ENCRYPTED PRIVATE KEY`, SEC1 `EC PRIVATE KEY`, and legacy encrypted PEM with
 * `Proc-Type`/`DEK-Info` headers) and OpenSSH (`OPENSSH PRIVATE KEY`, plain or encrypted), given as
 * the key file text or as base64 of that text. The key is parsed once; an encrypted key's passphrase is checked.
 *
 * @param input The key file text, or its base64. Secret.
 * @param passphrase The passphrase of an encrypted key. An empty string counts as no passphrase. Secret.
 * @returns The key's type, format, public key and fingerprints, and the key file text.
 * @throws {InvalidKeyError} with `problem` saying which rule the key broke, and a message that says how
 *   to fix it and never quotes the key or the passphrase.
 */
export function inspectPrivateKey(input: string, passphrase?: string): PrivateKeyInfo {
  const givenPassphrase = typeof passphrase === "string" && passphrase !== "" ? passphrase : undefined;
  const keyInPassphrase = givenPassphrase !== undefined && looksLikePrivateKey(givenPassphrase);
  const secrets = redactable(typeof input === "string" ? input : undefined, givenPassphrase);
  try {
    if (typeof input !== "string" || input.trim() === "") fail("empty", MESSAGES.empty);
    const { text, givenAsBase64 } = normalizePrivateKeyText(input);
    if (givenAsBase64) secrets.push(...redactable(text));
    const parsed = readPrivateKey(text, givenPassphrase);
    if (!parsed.encrypted && givenPassphrase !== undefined) {
      fail("passphrase-not-needed", keyInPassphrase ? `is not encrypted and needs no passphrase, and ${KEY_IN_PASSPHRASE}, and leave the passphrase argument unset` : MESSAGES.passphraseNotNeeded);
    }
    return { ...describeBlob(parsed.parts), format: parsed.format, encrypted: parsed.encrypted, text, givenAsBase64 };
  } catch (error) {
    // Anything else (a bug, an sshpk surprise) still leaves as an InvalidKeyError with our own words.
    const failure = error instanceof KeyFailure ? error : new KeyFailure("malformed", MESSAGES.unreadable);
    const message = keyInPassphrase && failure.problem !== "passphrase-not-needed" ? `${failure.message}. Also, ${KEY_IN_PASSPHRASE}` : failure.message;
    throw new InvalidKeyError(failure.problem, message, secrets);
  }
}

// ---------------------------------------------------------------------------------------------------
// Public keys

/** Reads an SSH public key blob strictly (canonical encoding, nothing left over) into a node:crypto key. */
function readPublicBlob(typeName: KeyType, blob: Buffer): PublicParts {
  const reader = new WireReader(blob);
  if (reader.string().toString("latin1") !== typeName) fail("malformed", PUBLIC_MESSAGES.damaged);
  let jwk: JsonWebKey;
  if (typeName === "ssh-rsa") {
    const e = reader.string();
    const n = reader.string();
    jwk = { kty: "RSA", e: canonicalMpint(e).toString("base64url"), n: canonicalMpint(n).toString("base64url") };
  } else if (typeName === "ssh-ed25519") {
    const x = reader.string();
    if (x.length !== 32) fail("malformed", PUBLIC_MESSAGES.damaged);
    jwk = { kty: "OKP", crv: "Ed25519", x: x.toString("base64url") };
  } else {
    const curve = curveBySshName(reader.string().toString("latin1"));
    if (!curve || curve.keyType !== typeName) return fail("malformed", PUBLIC_MESSAGES.damaged);
    const point = reader.string();
    const size = Math.ceil(curve.bits / 8);
    if (point.length !== 1 + 2 * size || point[0] !== 4) fail("malformed", PUBLIC_MESSAGES.damaged);
    jwk = { kty: "EC", crv: curve.jwkCurve, x: point.subarray(1, 1 + size).toString("base64url"), y: point.subarray(1 + size).toString("base64url") };
  }
  if (!reader.atEnd()) fail("malformed", PUBLIC_MESSAGES.damaged);
  // node:crypto validates the key (an EC point must lie on its curve).
  const parts = publicPartsOf(createPublicKey({ key: jwk, format: "jwk" }));
  if (!parts.blob.equals(blob)) fail("malformed", PUBLIC_MESSAGES.damaged);
  return parts;
}

/** The magnitude of a canonical, positive SSH mpint. */
function canonicalMpint(value: Buffer): Buffer {
  if (value.length === 0 || (value[0]! & 0x80) !== 0) fail("malformed", PUBLIC_MESSAGES.damaged);
  if (value[0] === 0 && (value.length === 1 || (value[1]! & 0x80) === 0)) fail("malformed", PUBLIC_MESSAGES.damaged);
  return value[0] === 0 ? value.subarray(1) : value;
}

function readPublicLine(line: string): PublicKeyInfo {
  if (looksLikePrivateKey(line)) fail("malformed", PUBLIC_MESSAGES.privateGiven);
  const pem = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(line);
  if (pem) {
    if (pem[1] === "PUBLIC KEY") fail("unsupported-type", PUBLIC_MESSAGES.pemPublic);
    if (pem[1] === "RSA PUBLIC KEY") fail("unsupported-type", PUBLIC_MESSAGES.pemRsaPublic);
    if (pem[1] === "CERTIFICATE" || pem[1] === "TRUSTED CERTIFICATE") fail("unsupported-type", PUBLIC_MESSAGES.x509);
    fail("malformed", PUBLIC_MESSAGES.notALine);
  }
  if (/---- BEGIN SSH2 PUBLIC KEY ----/.test(line)) fail("unsupported-type", PUBLIC_MESSAGES.ssh2Public);

  const trimmed = line.trim();
  if (/[\r\n]/.test(trimmed)) fail("malformed", PUBLIC_MESSAGES.severalLines);
  const fields = /^(\S+)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(trimmed);
  if (!fields) return fail("malformed", PUBLIC_MESSAGES.notALine);
  const typeName = fields[1]!;
  const encoded = fields[2]!;
  if (!isKeyType(typeName)) {
    if (/^(?:ssh|ecdsa|sk)-[A-Za-z0-9@.-]+$/.test(typeName)) {
      fail("unsupported-type", unsupportedSshType(typeName, PUBLIC_MESSAGES, PUBLIC_MESSAGES.certificate));
    }
    if (/(?:^|[ \t])(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-\S+)[ \t]+AAAA/.test(trimmed)) fail("malformed", PUBLIC_MESSAGES.options);
    fail("malformed", PUBLIC_MESSAGES.notALine);
  }
  if (!BASE64_RUN.test(encoded) || encoded.length % 4 !== 0) fail("malformed", PUBLIC_MESSAGES.damaged);
  let parts: PublicParts;
  try {
    parts = readPublicBlob(typeName, Buffer.from(encoded, "base64"));
  } catch (error) {
    if (error instanceof KeyFailure) throw error;
    return fail("malformed", PUBLIC_MESSAGES.damaged);
  }
  const comment = fields[3]?.trim();
  return { ...describeBlob(parts), ...(comment ? { comment } : {}) };
}

/**
 * Parses one OpenSSH public key line, `"<type> <base64> [comment]"` (the contents of a `.pub` file; a
 * trailing newline is fine). Types: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521.
 *
 * @returns The normalised key (`"<type> <base64>"`), its comment, size and fingerprints.
 * @throws {InvalidKeyError} `empty`; `malformed` for anything that is not a valid line, including a
 *   private key given here (the message says so, without quoting it); `unsupported-type` for DSA,
 *   certificates, security keys, and PEM or SSH2 public keys (with the ssh-keygen command to convert them).
 */
export function inspectPublicKey(line: string): PublicKeyInfo {
  try {
    if (typeof line !== "string" || line.trim() === "") fail("empty", PUBLIC_MESSAGES.empty);
    return readPublicLine(line);
  } catch (error) {
    const failure = error instanceof KeyFailure ? error : new KeyFailure("malformed", PUBLIC_MESSAGES.damaged);
    // A public key is no secret, but a private key given here by mistake is.
    throw new InvalidKeyError(failure.problem, failure.message, typeof line === "string" && looksLikePrivateKey(line) ? redactable(line) : []);
  }
}

// ---------------------------------------------------------------------------------------------------
// Generation

/**
 * Generates a key pair. Ed25519 (the default) writes the private key in OpenSSH format; RSA writes PEM
 * PKCS#1 (`RSA PRIVATE KEY`), the formats Octopus's SSH.NET is known to accept. Both private key texts
 * end with a newline. RSA 4096 takes about a second.
 *
 * @throws {InputError} for an unknown algorithm, RSA bits outside 2048 to 16384 (or bits given for
 *   Ed25519), or a comment with a line break.
 */
export function generateKeyPair(options: GenerateKeyPairOptions = {}): GeneratedKeyPair {
  const algorithm = options.algorithm ?? "ed25519";
  const comment = options.comment;
  if (comment !== undefined && (typeof comment !== "string" || /[\r\n]/.test(comment))) {
    throw new InputError("comment", "must be a single line of text");
  }
  let privateKey: string;
  let parts: PublicParts;
  if (algorithm === "ed25519") {
    if (options.bits !== undefined) throw new InputError("bits", "applies only to rsa keys: Ed25519 keys have a fixed size");
    const pair = generateKeyPairSync("ed25519");
    parts = publicPartsOf(pair.publicKey);
    const jwk = pair.privateKey.export({ format: "jwk" });
    const seed = base64url(jwk.d);
    const publicBytes = base64url(jwk.x);
    const key = new sshpk.PrivateKey({
      type: "ed25519",
      parts: [
        { name: "A", data: publicBytes },
        { name: "k", data: seed },
      ],
    });
    if (comment) key.comment = comment;
    privateKey = key.toString("openssh");
  } else if (algorithm === "rsa") {
    const bits = options.bits ?? 4096;
    if (!Number.isInteger(bits) || bits < 2048 || bits > 16384) {
      throw new InputError("bits", "must be a whole number from 2048 to 16384 (the default is 4096; RSA keys below 2048 bits are too weak)");
    }
    const pair = generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: 0x10001 });
    privateKey = pair.privateKey.export({ type: "pkcs1", format: "pem" }) as string;
    parts = publicPartsOf(pair.publicKey);
  } else {
    throw new InputError("algorithm", 'must be "ed25519" or "rsa"');
  }
  if (!privateKey.endsWith("\n")) privateKey += "\n";
  const described = describeBlob(parts);
  return {
    privateKey,
    publicKey: comment ? `${described.publicKey} ${comment}` : described.publicKey,
    keyType: described.keyType,
    fingerprint: described.fingerprint,
    md5Fingerprint: described.md5Fingerprint,
  };
}

/** A self-signed X.509 certificate and its RSA key, as Nova makes for an x509 key pair. */
export interface SelfSignedCertificate {
  /** PEM `-----BEGIN CERTIFICATE-----`. */
  certificate: string;
  /** DER of the certificate. */
  certificateDer: Buffer;
  /** DER of the private key, PKCS#8. */
  privateKeyPkcs8Der: Buffer;
}

/**
 * Makes a self-signed certificate for `CN=<commonName>` with a new RSA key (Nova's x509 key pairs:
 * the certificate is the public half). For the emulators; sshpk signs it.
 */
export function selfSignedCertificate(commonName: string, options: { bits?: number; lifetimeSeconds?: number } = {}): SelfSignedCertificate {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: options.bits ?? 2048 });
  const key = sshpk.parsePrivateKey(privateKey.export({ type: "pkcs8", format: "pem" }).toString(), "pem");
  const cert = sshpk.createSelfSignedCertificate(sshpk.identityFromDN(`CN=${commonName}`), key, { lifetime: options.lifetimeSeconds ?? 10 * 365 * 24 * 3600 });
  return {
    certificate: cert.toString("pem"),
    certificateDer: cert.toBuffer("x509"),
    privateKeyPkcs8Der: privateKey.export({ type: "pkcs8", format: "der" }),
  };
}

/** A key pair made by {@link generateSshKeyPair}. */
export interface SshKeyPairMaterial extends GeneratedKeyPair {
  /**
   * The same private key as PEM, where the key type has a PEM form that Octopus and older SSH servers
   * read: PKCS#1 `RSA PRIVATE KEY` for RSA, SEC1 `EC PRIVATE KEY` for ECDSA; null for Ed25519.
   */
  privateKeyPem: string | null;
  /** RSA modulus or ECDSA curve size; 256 for Ed25519. */
  bits: number;
}

/** ECDSA sizes and their curves. */
const ECDSA_CURVES: Readonly<Record<number, string>> = { 256: "P-256", 384: "P-384", 521: "P-521" };

/**
 * Generates a key pair whose private key is OpenSSH text for every type (what `ssh-keygen` writes
 * today), with a PEM copy where the type has one. Ed25519 by default; RSA 2048 to 16384 bits
 * (default 4096); ECDSA 256, 384 or 521 bits (default 256).
 *
 * @throws {InputError} naming `keyAlgorithm`, `bits` or `comment`.
 */
export function generateSshKeyPair(options: { algorithm?: "ed25519" | "rsa" | "ecdsa"; bits?: number; comment?: string } = {}): SshKeyPairMaterial {
  const algorithm = options.algorithm ?? "ed25519";
  const comment = options.comment;
  if (comment !== undefined && (typeof comment !== "string" || /[\r\n]/.test(comment))) throw new InputError("comment", "must be a single line of text");
  if (algorithm === "ed25519") {
    const pair = generateKeyPair({ algorithm, ...(options.bits !== undefined ? { bits: options.bits } : {}), ...(comment ? { comment } : {}) });
    return { ...pair, privateKeyPem: null, bits: 256 };
  }
  let pem: string;
  let parts: PublicParts;
  if (algorithm === "rsa") {
    const pair = generateKeyPair({ algorithm, ...(options.bits !== undefined ? { bits: options.bits } : {}) });
    pem = pair.privateKey;
    parts = publicPartsOf(createPrivateKey(pem));
  } else if (algorithm === "ecdsa") {
    const bits = options.bits ?? 256;
    const namedCurve = ECDSA_CURVES[bits];
    if (!namedCurve) throw new InputError("bits", "ECDSA keys are 256, 384 or 521 bits (the default is 256)");
    const pair = generateKeyPairSync("ec", { namedCurve });
    pem = pair.privateKey.export({ type: "sec1", format: "pem" }) as string;
    parts = publicPartsOf(pair.publicKey);
  } else {
    throw new InputError("keyAlgorithm", 'must be "ed25519", "rsa" or "ecdsa"');
  }
  if (!pem.endsWith("\n")) pem += "\n";
  const key = sshpk.parsePrivateKey(pem, "pem");
  if (comment) key.comment = comment;
  let openssh = key.toString("openssh");
  if (!openssh.endsWith("\n")) openssh += "\n";
  const described = describeBlob(parts);
  return {
    privateKey: openssh,
    privateKeyPem: pem,
    publicKey: comment ? `${described.publicKey} ${comment}` : described.publicKey,
    keyType: described.keyType,
    fingerprint: described.fingerprint,
    md5Fingerprint: described.md5Fingerprint,
    bits: described.bits,
  };
}

/** The private key text (OpenSSH) with another comment, and the public key line with it. Same key. */
export function withComment(privateKeyOpenSsh: string, comment: string | undefined): { privateKey: string; publicKey: string } {
  if (comment !== undefined && /[\r\n]/.test(comment)) throw new InputError("comment", "must be a single line of text");
  const key = sshpk.parsePrivateKey(privateKeyOpenSsh, "ssh");
  key.comment = comment ?? "";
  let privateKey = key.toString("openssh");
  if (!privateKey.endsWith("\n")) privateKey += "\n";
  const line = key.toPublic().toString("ssh").split(" ").slice(0, 2).join(" ");
  return { privateKey, publicKey: comment ? `${line} ${comment}` : line };
}
