// Test keys, made at run time (no key material is committed), and independent computations of what
// src/ssh/keys.ts should find. Nothing here uses sshpk (the code under test does): SSH public key
// blobs and fingerprints come from node:crypto JWKs, and OpenSSH private key files are written here,
// following OpenSSH's PROTOCOL.key, with bcrypt_pbkdf and Blowfish written out below, so encrypted
// OpenSSH keys can be made on machines without ssh-keygen. When ssh-keygen is present the tests also
// check these helpers against it.

import { spawnSync } from "node:child_process";
import { createCipheriv, createHash, randomBytes, type JsonWebKey, type KeyObject } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// ---------------------------------------------------------------------------------------------------
// SSH wire format and public keys

/** An SSH `string`: uint32 length, then the bytes. */
export function wireString(value: Buffer | string): Buffer {
  const data = typeof value === "string" ? Buffer.from(value, "latin1") : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

/** An SSH `mpint` of a non-negative big-endian magnitude. */
export function wireMpint(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start++;
  const digits = magnitude.subarray(start);
  return wireString(digits.length > 0 && (digits[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), digits]) : digits);
}

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

function jwkBytes(jwk: JsonWebKey, member: string): Buffer {
  const value = jwk[member];
  if (typeof value !== "string") throw new Error(`JWK has no ${member}`);
  return Buffer.from(value, "base64url");
}

const CURVE_NAMES: Record<string, string> = { "P-256": "nistp256", "P-384": "nistp384", "P-521": "nistp521" };

/** The SSH type name of a node:crypto key (rsa, ec P-256/384/521, ed25519). */
export function sshTypeOf(key: KeyObject): string {
  const jwk = key.export({ format: "jwk" });
  if (jwk.kty === "RSA") return "ssh-rsa";
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "ssh-ed25519";
  if (jwk.kty === "EC" && CURVE_NAMES[jwk.crv ?? ""]) return `ecdsa-sha2-${CURVE_NAMES[jwk.crv!]}`;
  throw new Error(`no SSH type for ${jwk.kty}/${jwk.crv}`);
}

/** The SSH public key blob (RFC 4253 / RFC 5656 / RFC 8709) of a node:crypto key, private or public. */
export function sshPublicBlob(key: KeyObject): Buffer {
  const jwk = key.export({ format: "jwk" });
  const type = sshTypeOf(key);
  if (jwk.kty === "RSA") return Buffer.concat([wireString(type), wireMpint(jwkBytes(jwk, "e")), wireMpint(jwkBytes(jwk, "n"))]);
  if (jwk.kty === "OKP") return Buffer.concat([wireString(type), wireString(jwkBytes(jwk, "x"))]);
  const point = Buffer.concat([Buffer.from([4]), jwkBytes(jwk, "x"), jwkBytes(jwk, "y")]);
  return Buffer.concat([wireString(type), wireString(CURVE_NAMES[jwk.crv!]!), wireString(point)]);
}

/** `"<type> <base64>"`, plus `" <comment>"` when given. */
export function sshPublicLine(key: KeyObject, comment?: string): string {
  const line = `${sshTypeOf(key)} ${sshPublicBlob(key).toString("base64")}`;
  return comment === undefined ? line : `${line} ${comment}`;
}

/** Fingerprints computed the way ssh-keygen and Nova do: over the decoded public key blob. */
export function expectedFingerprints(blob: Buffer): { sha256: string; md5: string } {
  const sha256 = "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
  const md5 = (createHash("md5").update(blob).digest("hex").match(/../g) ?? []).join(":");
  return { sha256, md5 };
}

/** An RFC 4716 ("SSH2") public key block, as PuTTYgen and `ssh-keygen -e` write. */
export function ssh2PublicBlock(key: KeyObject): string {
  return `---- BEGIN SSH2 PUBLIC KEY ----\nComment: "test key"\n${wrap(sshPublicBlob(key).toString("base64"), 70)}\n---- END SSH2 PUBLIC KEY ----\n`;
}

/** A PuTTY .ppk (version 3, unencrypted) for an Ed25519 key. The MAC is not real: the format is what matters. */
export function puttyPrivateKey(key: KeyObject): string {
  const jwk = key.export({ format: "jwk" });
  return [
    "PuTTY-User-Key-File-3: ssh-ed25519",
    "Encryption: none",
    "Comment: test key",
    "Public-Lines: 2",
    wrap(sshPublicBlob(key).toString("base64"), 64),
    "Private-Lines: 1",
    wireString(jwkBytes(jwk, "d")).toString("base64"),
    `Private-MAC: ${randomBytes(32).toString("hex")}`,
    "",
  ].join("\n");
}

/** Text broken into lines of `width` characters. */
export function wrap(text: string, width: number, newline = "\n"): string {
  return (text.match(new RegExp(`.{1,${width}}`, "g")) ?? []).join(newline);
}

// ---------------------------------------------------------------------------------------------------
// OpenSSH private key files (PROTOCOL.key)

const OPENSSH_MAGIC = Buffer.from("openssh-key-v1\0", "latin1");

/** The private fields of a key as OpenSSH stores them after the type name. */
function opensshPrivateFields(key: KeyObject): Buffer {
  const jwk = key.export({ format: "jwk" });
  if (jwk.kty === "OKP") {
    const publicBytes = jwkBytes(jwk, "x");
    return Buffer.concat([wireString(publicBytes), wireString(Buffer.concat([jwkBytes(jwk, "d"), publicBytes]))]);
  }
  if (jwk.kty === "RSA") {
    return Buffer.concat(["n", "e", "d", "qi", "p", "q"].map((m) => wireMpint(jwkBytes(jwk, m))));
  }
  const point = Buffer.concat([Buffer.from([4]), jwkBytes(jwk, "x"), jwkBytes(jwk, "y")]);
  return Buffer.concat([wireString(CURVE_NAMES[jwk.crv!]!), wireString(point), wireMpint(jwkBytes(jwk, "d"))]);
}

export interface OpenSshWriteOptions {
  /** Encrypt with aes256-ctr and bcrypt_pbkdf, as ssh-keygen does by default. */
  passphrase?: string;
  /** bcrypt_pbkdf rounds (ssh-keygen's default is 16; fewer keeps tests fast). */
  rounds?: number;
  comment?: string;
}

/** An OpenSSH private key file for a node:crypto private key (rsa, ecdsa, ed25519), as ssh-keygen writes it. */
export function opensshPrivateKey(key: KeyObject, options: OpenSshWriteOptions = {}): string {
  const type = sshTypeOf(key);
  return opensshContainer({
    publicBlob: sshPublicBlob(key),
    privateRecord: Buffer.concat([wireString(type), opensshPrivateFields(key)]),
    ...options,
  });
}

/**
 * The OpenSSH container around any public blob and private record: lets tests build files ssh-keygen
 * would not (a DSA or security-key type, two halves that differ, a cipher we refuse).
 */
export function opensshContainer(init: OpenSshWriteOptions & { publicBlob: Buffer; privateRecord: Buffer; cipherName?: string; keyCount?: number }): string {
  const encrypted = init.passphrase !== undefined;
  const blockSize = encrypted ? 16 : 8;
  const check = randomBytes(4);
  const parts = [check, check, init.privateRecord, wireString(init.comment ?? "")];
  let length = parts.reduce((sum, p) => sum + p.length, 0);
  const padding: number[] = [];
  while ((length + padding.length) % blockSize !== 0) padding.push(padding.length + 1);
  let privateSection = Buffer.concat([...parts, Buffer.from(padding)]);
  length = privateSection.length;

  let kdfOptions = Buffer.alloc(0);
  if (encrypted) {
    const salt = randomBytes(16);
    const rounds = init.rounds ?? 16;
    kdfOptions = Buffer.concat([wireString(salt), uint32(rounds)]);
    const keyAndIv = bcryptPbkdf(Buffer.from(init.passphrase!, "utf8"), salt, 48, rounds);
    const cipher = createCipheriv("aes-256-ctr", keyAndIv.subarray(0, 32), keyAndIv.subarray(32));
    privateSection = Buffer.concat([cipher.update(privateSection), cipher.final()]);
  }
  const body = Buffer.concat([
    OPENSSH_MAGIC,
    wireString(init.cipherName ?? (encrypted ? "aes256-ctr" : "none")),
    wireString(encrypted ? "bcrypt" : "none"),
    wireString(kdfOptions),
    uint32(init.keyCount ?? 1),
    wireString(init.publicBlob),
    wireString(privateSection),
  ]);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${wrap(body.toString("base64"), 70)}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

/**
 * Reads an unencrypted OpenSSH Ed25519 private key file without sshpk: the public blob from the
 * header, and the seed and public key from the private section (checked against each other).
 */
export function readOpenSshEd25519(text: string): { publicBlob: Buffer; seed: Buffer; publicBytes: Buffer; comment: string } {
  const body = Buffer.from(text.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64");
  if (!body.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) throw new Error("not an OpenSSH key");
  let offset = OPENSSH_MAGIC.length;
  const readString = (buf: Buffer): Buffer => {
    const length = buf.readUInt32BE(offset);
    const value = buf.subarray(offset + 4, offset + 4 + length);
    if (value.length !== length) throw new Error("short");
    offset += 4 + length;
    return value;
  };
  const cipher = readString(body).toString();
  const kdf = readString(body).toString();
  readString(body);
  const count = body.readUInt32BE(offset);
  offset += 4;
  const publicBlob = readString(body);
  const section = readString(body);
  if (cipher !== "none" || kdf !== "none" || count !== 1 || offset !== body.length) throw new Error("unexpected header");
  offset = 0;
  if (section.readUInt32BE(0) !== section.readUInt32BE(4)) throw new Error("check ints differ");
  offset = 8;
  const type = readString(section).toString();
  const publicBytes = readString(section);
  const secret = readString(section);
  const comment = readString(section).toString("utf8");
  if (type !== "ssh-ed25519" || secret.length !== 64 || !secret.subarray(32).equals(publicBytes)) throw new Error("bad ed25519 record");
  const padding = section.subarray(offset);
  padding.forEach((byte, i) => {
    if (byte !== i + 1) throw new Error("bad padding");
  });
  return { publicBlob, seed: secret.subarray(0, 32), publicBytes, comment };
}

// ---------------------------------------------------------------------------------------------------
// bcrypt_pbkdf (OpenBSD), with Blowfish. The Blowfish initial state is the hex digits of pi's
// fractional part, computed here (Machin's formula) rather than pasted in as a 4 KB table.

const BLOWFISH_WORDS = 18 + 4 * 256;

function piFractionWords(count: number): Uint32Array {
  const guardBits = 64n;
  const bits = BigInt(count * 32) + guardBits;
  const one = 1n << bits;
  const arctanInverse = (x: bigint): bigint => {
    let sum = 0n;
    let power = one / x;
    const x2 = x * x;
    for (let n = 1n, sign = 1n; power !== 0n; n += 2n, sign = -sign) {
      sum += (sign * power) / n;
      power /= x2;
    }
    return sum;
  };
  const pi = 16n * arctanInverse(5n) - 4n * arctanInverse(239n);
  let fraction = (pi - (3n << bits)) >> guardBits;
  const words = new Uint32Array(count);
  for (let i = count - 1; i >= 0; i--) {
    words[i] = Number(fraction & 0xffffffffn);
    fraction >>= 32n;
  }
  return words;
}

let blowfishInitial: Uint32Array | undefined;

/** Blowfish's initial P-array and S-boxes (P is words 0..17, S-box i starts at 18 + 256 i). */
export function blowfishInitialState(): Uint32Array {
  blowfishInitial ??= piFractionWords(BLOWFISH_WORDS);
  return blowfishInitial;
}

class Blowfish {
  readonly p: Uint32Array;
  readonly s: Uint32Array;
  constructor() {
    const initial = blowfishInitialState();
    this.p = initial.slice(0, 18);
    this.s = initial.slice(18);
  }

  /** Encrypts the block in data[i], data[i + 1] in place. */
  encipher(data: Uint32Array, i: number): void {
    const p = this.p;
    const s = this.s;
    let l = data[i]! ^ p[0]!;
    let r = data[i + 1]!;
    for (let round = 1; round <= 16; round += 2) {
      r ^= (((s[l >>> 24]! + s[256 + ((l >>> 16) & 255)]!) ^ s[512 + ((l >>> 8) & 255)]!) + s[768 + (l & 255)]!) ^ p[round]!;
      l ^= (((s[r >>> 24]! + s[256 + ((r >>> 16) & 255)]!) ^ s[512 + ((r >>> 8) & 255)]!) + s[768 + (r & 255)]!) ^ p[round + 1]!;
    }
    data[i] = r ^ p[17]!;
    data[i + 1] = l;
  }

  /** Eksblowfish key schedule; `data` undefined is Blowfish_expand0state. */
  expand(key: Buffer, data?: Buffer): void {
    const keyStream = wordStream(key);
    for (let i = 0; i < 18; i++) this.p[i] = this.p[i]! ^ keyStream();
    const dataStream = data ? wordStream(data) : () => 0;
    const block = new Uint32Array(2);
    const fill = (target: Uint32Array, count: number): void => {
      for (let i = 0; i < count; i += 2) {
        block[0] = block[0]! ^ dataStream();
        block[1] = block[1]! ^ dataStream();
        this.encipher(block, 0);
        target[i] = block[0]!;
        target[i + 1] = block[1]!;
      }
    };
    fill(this.p, 18);
    fill(this.s, 1024);
  }
}

/** Big-endian 32-bit words read cyclically from `bytes` (Blowfish_stream2word). */
function wordStream(bytes: Buffer): () => number {
  let j = 0;
  return () => {
    let word = 0;
    for (let i = 0; i < 4; i++) {
      if (j >= bytes.length) j = 0;
      word = ((word << 8) | bytes[j++]!) >>> 0;
    }
    return word;
  };
}

function bcryptHash(sha2pass: Buffer, sha2salt: Buffer): Buffer {
  const state = new Blowfish();
  state.expand(sha2pass, sha2salt);
  for (let i = 0; i < 64; i++) {
    state.expand(sha2salt);
    state.expand(sha2pass);
  }
  const magic = Buffer.from("OxychromaticBlowfishSwatDynamite", "latin1");
  const cdata = new Uint32Array(8);
  for (let i = 0; i < 8; i++) cdata[i] = magic.readUInt32BE(4 * i);
  for (let i = 0; i < 64; i++) for (let b = 0; b < 8; b += 2) state.encipher(cdata, b);
  const out = Buffer.alloc(32);
  for (let i = 0; i < 8; i++) out.writeUInt32LE(cdata[i]!, 4 * i);
  return out;
}

/** OpenBSD's bcrypt_pbkdf, the KDF of encrypted OpenSSH private keys. */
export function bcryptPbkdf(passphrase: Buffer, salt: Buffer, keyLength: number, rounds: number): Buffer {
  const key = Buffer.alloc(keyLength);
  const stride = Math.ceil(keyLength / 32);
  let amount = Math.ceil(keyLength / stride);
  const sha2pass = createHash("sha512").update(passphrase).digest();
  let remaining = keyLength;
  for (let count = 1; remaining > 0; count++) {
    let tmp = bcryptHash(sha2pass, createHash("sha512").update(Buffer.concat([salt, uint32(count)])).digest());
    const out = Buffer.from(tmp);
    for (let r = 1; r < rounds; r++) {
      tmp = bcryptHash(sha2pass, createHash("sha512").update(tmp).digest());
      for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ tmp[i]!;
    }
    amount = Math.min(amount, remaining);
    let i = 0;
    for (; i < amount; i++) {
      const dest = i * stride + (count - 1);
      if (dest >= keyLength) break;
      key[dest] = out[i]!;
    }
    remaining -= i;
  }
  return key;
}

// ---------------------------------------------------------------------------------------------------
// ssh-keygen, when the machine has it (CI machines may not: every test that uses it also asserts
// against the independent computations above).

let sshKeygenPath: string | null | undefined;

/** The ssh-keygen command, or undefined when it is not installed. */
export function findSshKeygen(): string | undefined {
  if (sshKeygenPath === undefined) {
    const probe = spawnSync("ssh-keygen", ["-?"], { encoding: "utf8" });
    sshKeygenPath = probe.error ? null : "ssh-keygen";
  }
  return sshKeygenPath ?? undefined;
}

/** A temporary directory, removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "pak-keys-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs ssh-keygen; throws with its stderr on failure. */
export function sshKeygen(args: string[]): string {
  const result = spawnSync(findSshKeygen() ?? "ssh-keygen", args, { encoding: "utf8" });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`ssh-keygen ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

/** `ssh-keygen -l` of a key file's text (public line or private key), as {sha256, md5 without "MD5:", bits}. */
export function sshKeygenFingerprints(keyText: string, passphrase?: string): { sha256: string; md5: string; bits: number } {
  const { dir, remove } = tempDir();
  try {
    const file = join(dir, "key");
    writeFileSync(file, keyText, { mode: 0o600 });
    const extra = passphrase === undefined ? [] : ["-P", passphrase];
    const sha = sshKeygen(["-l", "-E", "sha256", ...extra, "-f", file]).trim().split(/\s+/);
    const md5 = sshKeygen(["-l", "-E", "md5", ...extra, "-f", file]).trim().split(/\s+/);
    return { sha256: sha[1]!, md5: md5[1]!.replace(/^MD5:/, ""), bits: Number(sha[0]) };
  } finally {
    remove();
  }
}

/** `ssh-keygen -y`: the public line ssh-keygen derives from a private key file (comment dropped). */
export function sshKeygenPublicFromPrivate(privateText: string, passphrase?: string): string {
  const { dir, remove } = tempDir();
  try {
    const file = join(dir, "key");
    writeFileSync(file, privateText, { mode: 0o600 });
    const out = sshKeygen(["-y", "-P", passphrase ?? "", "-f", file]).trim().split(/\s+/);
    return `${out[0]} ${out[1]}`;
  } finally {
    remove();
  }
}

/** A key pair made by ssh-keygen: `-t type`, with a passphrase (or none) and extra arguments such as `-m PEM`. */
export function sshKeygenGenerate(type: string, passphrase: string, extra: string[] = []): { privateKey: string; publicLine: string } {
  const { dir, remove } = tempDir();
  try {
    const file = join(dir, "key");
    sshKeygen(["-q", "-t", type, "-N", passphrase, "-C", "test@example", ...extra, "-f", file]);
    return { privateKey: readFileSync(file, "utf8"), publicLine: readFileSync(`${file}.pub`, "utf8") };
  } finally {
    remove();
  }
}
