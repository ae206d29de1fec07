// src/ssh/keys.ts: every private key format as text and as base64, passphrases, the wrong things users
// give (public keys, PuTTY files, truncated keys, keys in the passphrase field), public key lines,
// generation, and that no error message ever quotes a key or a passphrase.
//
// Keys are generated at run time. Expected public keys and fingerprints are computed independently in
// test/support/keys.ts (node:crypto over the SSH blob); ssh-keygen, when installed, is an extra check.

import { strict as assert } from "node:assert";
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError, InvalidKeyError, type KeyProblem } from "../../src/core/errors";
import {
  generateKeyPair,
  inspectPrivateKey,
  inspectPublicKey,
  looksLikePrivateKey,
  normalizePrivateKeyText,
  toBase64,
  type KeyType,
  type PrivateKeyFormat,
} from "../../src/ssh/keys";
import {
  expectedFingerprints,
  findSshKeygen,
  opensshContainer,
  opensshPrivateKey,
  puttyPrivateKey,
  readOpenSshEd25519,
  ssh2PublicBlock,
  sshKeygenFingerprints,
  sshKeygenGenerate,
  sshKeygenPublicFromPrivate,
  sshPublicBlob,
  sshPublicLine,
  wireMpint,
  wireString,
  wrap,
} from "../support/keys";

const PASSPHRASE = "correct horse battery staple 7";
const WRONG_PASSPHRASE = "incorrect mule battery staple 8";

// ---------------------------------------------------------------------------------------------------
// Fixtures, made once on first use

interface PrivateFixture {
  name: string;
  /** The key file text. */
  text: string;
  /** The node:crypto key it holds: the source of the expected public key. */
  key: KeyObject;
  keyType: KeyType;
  format: PrivateKeyFormat;
  bits: number;
  passphrase?: string;
}

interface Keys {
  rsa: KeyObject;
  rsaOther: KeyObject;
  ec256: KeyObject;
  ec384: KeyObject;
  ec521: KeyObject;
  ed: KeyObject;
  edOther: KeyObject;
  plain: PrivateFixture[];
  encrypted: PrivateFixture[];
}

let memo: Keys | undefined;

function keys(): Keys {
  if (memo) return memo;
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const rsaOther = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const ec256 = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const ec384 = generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey;
  const ec521 = generateKeyPairSync("ec", { namedCurve: "P-521" }).privateKey;
  const ed = generateKeyPairSync("ed25519").privateKey;
  const edOther = generateKeyPairSync("ed25519").privateKey;
  const pem = (key: KeyObject, type: "pkcs1" | "pkcs8" | "sec1", cipher?: string): string =>
    (cipher ? key.export({ type, format: "pem", cipher, passphrase: PASSPHRASE }) : key.export({ type, format: "pem" })) as string;
  const ecParameters = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";

  const plain: PrivateFixture[] = [
    { name: "PKCS#1 RSA", text: pem(rsa, "pkcs1"), key: rsa, keyType: "ssh-rsa", format: "pkcs1", bits: 2048 },
    { name: "PKCS#1 RSA with CRLF line ends", text: pem(rsa, "pkcs1").replace(/\n/g, "\r\n"), key: rsa, keyType: "ssh-rsa", format: "pkcs1", bits: 2048 },
    { name: "PKCS#1 RSA without a final newline", text: pem(rsa, "pkcs1").trimEnd(), key: rsa, keyType: "ssh-rsa", format: "pkcs1", bits: 2048 },
    { name: "PKCS#8 RSA", text: pem(rsa, "pkcs8"), key: rsa, keyType: "ssh-rsa", format: "pkcs8", bits: 2048 },
    { name: "PKCS#8 Ed25519", text: pem(ed, "pkcs8"), key: ed, keyType: "ssh-ed25519", format: "pkcs8", bits: 256 },
    { name: "PKCS#8 ECDSA P-256", text: pem(ec256, "pkcs8"), key: ec256, keyType: "ecdsa-sha2-nistp256", format: "pkcs8", bits: 256 },
    { name: "SEC1 EC P-256", text: pem(ec256, "sec1"), key: ec256, keyType: "ecdsa-sha2-nistp256", format: "sec1", bits: 256 },
    { name: "SEC1 EC P-256 after EC PARAMETERS (openssl ecparam -genkey)", text: ecParameters + pem(ec256, "sec1"), key: ec256, keyType: "ecdsa-sha2-nistp256", format: "sec1", bits: 256 },
    { name: "SEC1 EC P-384", text: pem(ec384, "sec1"), key: ec384, keyType: "ecdsa-sha2-nistp384", format: "sec1", bits: 384 },
    { name: "SEC1 EC P-521", text: pem(ec521, "sec1"), key: ec521, keyType: "ecdsa-sha2-nistp521", format: "sec1", bits: 521 },
    { name: "OpenSSH Ed25519", text: opensshPrivateKey(ed, { comment: "me@laptop" }), key: ed, keyType: "ssh-ed25519", format: "openssh", bits: 256 },
    { name: "OpenSSH RSA", text: opensshPrivateKey(rsa), key: rsa, keyType: "ssh-rsa", format: "openssh", bits: 2048 },
    { name: "OpenSSH ECDSA P-256", text: opensshPrivateKey(ec256), key: ec256, keyType: "ecdsa-sha2-nistp256", format: "openssh", bits: 256 },
    { name: "OpenSSH ECDSA P-384", text: opensshPrivateKey(ec384), key: ec384, keyType: "ecdsa-sha2-nistp384", format: "openssh", bits: 384 },
    { name: "OpenSSH ECDSA P-521", text: opensshPrivateKey(ec521), key: ec521, keyType: "ecdsa-sha2-nistp521", format: "openssh", bits: 521 },
  ];
  const encrypted: PrivateFixture[] = [
    { name: "encrypted PKCS#8 RSA", text: pem(rsa, "pkcs8", "aes-256-cbc"), key: rsa, keyType: "ssh-rsa", format: "pkcs8", bits: 2048 },
    { name: "encrypted PKCS#8 Ed25519", text: pem(ed, "pkcs8", "aes-128-cbc"), key: ed, keyType: "ssh-ed25519", format: "pkcs8", bits: 256 },
    { name: "legacy encrypted PKCS#1 RSA (Proc-Type, AES-128-CBC)", text: pem(rsa, "pkcs1", "aes-128-cbc"), key: rsa, keyType: "ssh-rsa", format: "pkcs1", bits: 2048 },
    { name: "legacy encrypted PKCS#1 RSA (Proc-Type, DES-EDE3-CBC)", text: pem(rsa, "pkcs1", "des-ede3-cbc"), key: rsa, keyType: "ssh-rsa", format: "pkcs1", bits: 2048 },
    { name: "legacy encrypted SEC1 EC P-384 (Proc-Type)", text: pem(ec384, "sec1", "aes-256-cbc"), key: ec384, keyType: "ecdsa-sha2-nistp384", format: "sec1", bits: 384 },
    // ssh-keygen's default is 16 bcrypt rounds (one test below); fewer keep the suite fast, as sshpk's bcrypt is plain JavaScript.
    { name: "encrypted OpenSSH Ed25519 (aes256-ctr, bcrypt)", text: opensshPrivateKey(ed, { passphrase: PASSPHRASE, rounds: 4 }), key: ed, keyType: "ssh-ed25519", format: "openssh", bits: 256 },
    { name: "encrypted OpenSSH RSA", text: opensshPrivateKey(rsa, { passphrase: PASSPHRASE, rounds: 2 }), key: rsa, keyType: "ssh-rsa", format: "openssh", bits: 2048 },
    { name: "encrypted OpenSSH ECDSA P-256", text: opensshPrivateKey(ec256, { passphrase: PASSPHRASE, rounds: 2 }), key: ec256, keyType: "ecdsa-sha2-nistp256", format: "openssh", bits: 256 },
  ].map((f) => ({ ...f, passphrase: PASSPHRASE }) as PrivateFixture);
  memo = { rsa, rsaOther, ec256, ec384, ec521, ed, edOther, plain, encrypted };
  return memo;
}

/** The ways a user can give the same key file. */
const ENCODINGS: { name: string; encode: (text: string) => string; base64: boolean }[] = [
  { name: "text", encode: (text) => text, base64: false },
  { name: "base64", encode: (text) => Buffer.from(text, "utf8").toString("base64"), base64: true },
  { name: "base64 wrapped at 76 (the base64 command)", encode: (text) => wrap(Buffer.from(text, "utf8").toString("base64"), 76) + "\n", base64: true },
  { name: "base64 wrapped at 64 with CRLF and padding whitespace", encode: (text) => `  ${wrap(Buffer.from(text, "utf8").toString("base64"), 64, "\r\n")}\r\n\t`, base64: true },
];

/** Runs `fn`, which must throw an InvalidKeyError, and returns it. */
function keyError(fn: () => unknown): InvalidKeyError {
  try {
    fn();
  } catch (error) {
    assert.ok(InvalidKeyError.isInstance(error), `expected an InvalidKeyError, got ${String(error)}`);
    return error as InvalidKeyError;
  }
  assert.fail("expected an InvalidKeyError, but nothing was thrown");
}

function expectedPublic(key: KeyObject): { publicKey: string; fingerprint: string; md5Fingerprint: string } {
  const { sha256, md5 } = expectedFingerprints(sshPublicBlob(key));
  return { publicKey: sshPublicLine(key), fingerprint: sha256, md5Fingerprint: md5 };
}

/**
 * Leak check: no line of any secret (lines under 6 characters could match ordinary words by chance) and
 * no 12-character run of its base64 in the text. `lines: false` checks only the base64 runs.
 */
function assertNoKeyMaterial(text: string, secrets: readonly string[], options: { lines: boolean } = { lines: true }): void {
  for (const secret of secrets) {
    for (const line of options.lines ? secret.split(/\r?\n|\\n/) : []) {
      const trimmed = line.trim();
      if (trimmed.length >= 6) assert.ok(!text.includes(trimmed), `a line of a secret appears in: ${text}`);
    }
    const compact = secret.replace(/\s+/g, "");
    for (const run of text.match(/[A-Za-z0-9+/=]{12,}/g) ?? []) {
      for (let i = 0; i + 12 <= run.length; i++) assert.ok(!compact.includes(run.slice(i, i + 12)), `key material appears in: ${text}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------

describe("ssh/keys", function () {
  describe("inspectPrivateKey reads every format, as text and as base64", function () {
    const fixtureNames = [
      "PKCS#1 RSA",
      "PKCS#1 RSA with CRLF line ends",
      "PKCS#1 RSA without a final newline",
      "PKCS#8 RSA",
      "PKCS#8 Ed25519",
      "PKCS#8 ECDSA P-256",
      "SEC1 EC P-256",
      "SEC1 EC P-256 after EC PARAMETERS (openssl ecparam -genkey)",
      "SEC1 EC P-384",
      "SEC1 EC P-521",
      "OpenSSH Ed25519",
      "OpenSSH RSA",
      "OpenSSH ECDSA P-256",
      "OpenSSH ECDSA P-384",
      "OpenSSH ECDSA P-521",
      "encrypted PKCS#8 RSA",
      "encrypted PKCS#8 Ed25519",
      "legacy encrypted PKCS#1 RSA (Proc-Type, AES-128-CBC)",
      "legacy encrypted PKCS#1 RSA (Proc-Type, DES-EDE3-CBC)",
      "legacy encrypted SEC1 EC P-384 (Proc-Type)",
      "encrypted OpenSSH Ed25519 (aes256-ctr, bcrypt)",
      "encrypted OpenSSH RSA",
      "encrypted OpenSSH ECDSA P-256",
    ];
    const fixture = (name: string): PrivateFixture => {
      const found = [...keys().plain, ...keys().encrypted].find((f) => f.name === name);
      assert.ok(found, `no fixture ${name}`);
      return found;
    };

    it("covers every fixture", function () {
      assert.deepEqual([...keys().plain, ...keys().encrypted].map((f) => f.name).sort(), [...fixtureNames].sort());
    });

    for (const name of fixtureNames) {
      for (const encoding of ENCODINGS) {
        it(`${name}, given as ${encoding.name}`, function () {
          const f = fixture(name);
          const info = inspectPrivateKey(encoding.encode(f.text), f.passphrase);
          assert.deepEqual(info, {
            ...expectedPublic(f.key),
            keyType: f.keyType,
            format: f.format,
            encrypted: f.passphrase !== undefined,
            bits: f.bits,
            text: f.text,
            givenAsBase64: encoding.base64,
          });
          assert.ok(!/\s/.test(info.publicKey.split(" ")[1]!), "the public key has no comment and no newline");
        });
      }
    }

    it("reads an encrypted OpenSSH key with ssh-keygen's default of 16 bcrypt rounds", function () {
      const text = opensshPrivateKey(keys().ec384, { passphrase: PASSPHRASE, rounds: 16 });
      const info = inspectPrivateKey(text, PASSPHRASE);
      assert.deepEqual([info.publicKey, info.encrypted, info.format], [sshPublicLine(keys().ec384), true, "openssh"]);
    });

    it("treats an empty passphrase as no passphrase", function () {
      const f = keys().plain[0]!;
      assert.equal(inspectPrivateKey(f.text, "").encrypted, false);
      assert.equal(keyError(() => inspectPrivateKey(keys().encrypted[0]!.text, "")).problem, "encrypted-no-passphrase");
    });
  });

  describe("passphrases", function () {
    const cases: { name: string; passphrase: string | undefined; expected: KeyProblem }[] = [
      { name: "no passphrase", passphrase: undefined, expected: "encrypted-no-passphrase" },
      { name: "an empty passphrase", passphrase: "", expected: "encrypted-no-passphrase" },
      { name: "a wrong passphrase", passphrase: WRONG_PASSPHRASE, expected: "wrong-passphrase" },
      { name: "the passphrase with a trailing newline", passphrase: `${PASSPHRASE}\n`, expected: "wrong-passphrase" },
    ];
    const encryptedNames = [
      "encrypted PKCS#8 RSA",
      "legacy encrypted PKCS#1 RSA (Proc-Type, AES-128-CBC)",
      "legacy encrypted SEC1 EC P-384 (Proc-Type)",
      "encrypted OpenSSH Ed25519 (aes256-ctr, bcrypt)",
      "encrypted OpenSSH RSA",
    ];
    for (const name of encryptedNames) {
      for (const c of cases) {
        it(`${name} with ${c.name}: ${c.expected}`, function () {
          const f = keys().encrypted.find((e) => e.name === name)!;
          const error = keyError(() => inspectPrivateKey(f.text, c.passphrase));
          assert.equal(error.problem, c.expected);
          assert.equal(error.code, "INVALID_KEY");
          assert.match(error.message, c.expected === "encrypted-no-passphrase" ? /set the passphrase argument/ : /passphrase is wrong/);
        });
      }
    }

    it("a passphrase for an unencrypted key: passphrase-not-needed", function () {
      for (const f of keys().plain.filter((p) => ["PKCS#1 RSA", "OpenSSH Ed25519", "SEC1 EC P-256"].includes(p.name))) {
        const error = keyError(() => inspectPrivateKey(f.text, PASSPHRASE));
        assert.equal(error.problem, "passphrase-not-needed", f.name);
        assert.match(error.message, /not encrypted/);
        assert.doesNotMatch(error.message, /passphrase field/);
      }
    });

    const keyInPassphrase: { name: string; passphrase: () => string }[] = [
      { name: "the key text", passphrase: () => keys().plain[0]!.text },
      { name: "the key as base64 (the old Terraform provider workaround)", passphrase: () => toBase64(keys().plain[0]!.text) },
      { name: "another OpenSSH key as wrapped base64", passphrase: () => wrap(toBase64(opensshPrivateKey(keys().edOther)), 76) },
      { name: "the first 40 characters of a key's base64", passphrase: () => toBase64(keys().plain[0]!.text).slice(0, 40) },
    ];
    for (const c of keyInPassphrase) {
      it(`says the key was put in the passphrase field when the passphrase is ${c.name}`, function () {
        const error = keyError(() => inspectPrivateKey(keys().plain[0]!.text, c.passphrase()));
        assert.equal(error.problem, "passphrase-not-needed");
        assert.match(error.message, /passphrase field/);
        assertNoKeyMaterial(error.message, [c.passphrase()]);
      });
    }

    it("adds the key-in-the-passphrase-field hint to other problems", function () {
      const asPassphrase = toBase64(keys().plain[0]!.text);
      const empty = keyError(() => inspectPrivateKey("", asPassphrase));
      assert.equal(empty.problem, "empty");
      assert.match(empty.message, /passphrase field/);
      const wrong = keyError(() => inspectPrivateKey(keys().encrypted[0]!.text, asPassphrase));
      assert.equal(wrong.problem, "wrong-passphrase");
      assert.match(wrong.message, /passphrase field/);
    });
  });

  // Every wrong input, with the problem it must be reported as. The leak check below runs over all of them.
  interface BadInput {
    name: string;
    given: () => string;
    passphrase?: () => string;
    expected: KeyProblem;
    mentions?: RegExp;
  }
  const pkcs1 = (): string => keys().plain[0]!.text;
  const openssh = (): string => keys().plain.find((f) => f.name === "OpenSSH Ed25519")!.text;
  const opensshRsa = (): string => keys().plain.find((f) => f.name === "OpenSSH RSA")!.text;
  const dropBodyLines = (text: string, count: number): string => {
    const lines = text.split("\n");
    const end = lines.findIndex((l) => l.startsWith("-----END"));
    return [...lines.slice(0, end - count), ...lines.slice(end)].join("\n");
  };
  const publicPem = (): string => createPublicKey(keys().rsa).export({ type: "spki", format: "pem" }) as string;
  const publicPemRsa = (): string => createPublicKey(keys().rsa).export({ type: "pkcs1", format: "pem" }) as string;
  const certificateLine = (): string => {
    const blob = Buffer.concat([wireString("ssh-ed25519-cert-v01@openssh.com"), wireString(randomBytes(32)), wireString(randomBytes(32))]);
    return `ssh-ed25519-cert-v01@openssh.com ${blob.toString("base64")} me@laptop\n`;
  };

  const badPrivateInputs: BadInput[] = [
    { name: "an empty string", given: () => "", expected: "empty" },
    { name: "only whitespace", given: () => "  \n\t\r\n ", expected: "empty" },
    { name: "a sentence", given: () => "this is certainly not a private key", expected: "malformed", mentions: /is not a private key/ },
    { name: "random base64", given: () => randomBytes(300).toString("base64"), expected: "malformed", mentions: /is not a private key/ },
    { name: "base64 of text that is no key", given: () => toBase64("hello, I am some configuration text\n"), expected: "malformed" },
    { name: "a file path", given: () => "/home/deploy/keys/deploy_key.pem", expected: "malformed", mentions: /file path/ },
    { name: "a Windows file path", given: () => "C:\\Users\\deploy\\keys\\deploy_rsa", expected: "malformed", mentions: /file path/ },
    { name: "a key base64-encoded twice", given: () => toBase64(toBase64(pkcs1())), expected: "malformed", mentions: /twice/ },
    { name: "a PKCS#1 body without BEGIN and END lines", given: () => pkcs1().split("\n").filter((l) => l && !l.startsWith("-----")).join("\n"), expected: "malformed", mentions: /BEGIN and END lines/ },
    { name: "an OpenSSH body without BEGIN and END lines", given: () => openssh().split("\n").filter((l) => l && !l.startsWith("-----")).join("\n"), expected: "malformed", mentions: /BEGIN and END lines/ },
    { name: "a PKCS#1 key cut in the middle", given: () => pkcs1().slice(0, Math.floor(pkcs1().length / 2)), expected: "malformed", mentions: /cut short/ },
    { name: "a PKCS#1 key missing body lines", given: () => dropBodyLines(pkcs1(), 3), expected: "malformed", mentions: /damaged/ },
    { name: "a PKCS#8 key missing its last body line", given: () => dropBodyLines(keys().plain[3]!.text, 1), expected: "malformed", mentions: /damaged/ },
    { name: "an OpenSSH key cut in the middle", given: () => opensshRsa().slice(0, Math.floor(opensshRsa().length / 2)), expected: "malformed", mentions: /cut short/ },
    { name: "an OpenSSH key missing body lines", given: () => dropBodyLines(opensshRsa(), 2), expected: "malformed" },
    { name: "an OpenSSH key missing its last body line", given: () => dropBodyLines(openssh(), 1), expected: "malformed" },
    { name: "a base64 key cut short", given: () => toBase64(pkcs1()).slice(0, 800), expected: "malformed", mentions: /cut short/ },
    { name: "a PKCS#1 key with a corrupt character", given: () => pkcs1().replace(/\n(.)/, "\n!"), expected: "malformed", mentions: /damaged/ },
    { name: "a key whose line breaks became spaces", given: () => pkcs1().replace(/\n/g, " "), expected: "malformed", mentions: /line breaks/ },
    { name: "a key with literal \\n sequences", given: () => openssh().replace(/\n/g, "\\n"), expected: "malformed", mentions: /\\n/ },
    { name: "two keys in one value", given: () => pkcs1() + openssh(), expected: "malformed", mentions: /more than one/ },
    { name: "a BEGIN line whose END line does not match", given: () => pkcs1().replace("END RSA PRIVATE KEY", "END PRIVATE KEY"), expected: "malformed", mentions: /cut short/ },
    {
      name: "an OpenSSH file whose public and private halves differ",
      given: () => opensshContainer({ publicBlob: sshPublicBlob(keys().edOther), privateRecord: Buffer.concat([wireString("ssh-ed25519"), ...ed25519Fields(keys().ed)]) }),
      expected: "malformed",
      mentions: /do not match/,
    },
    { name: "an OpenSSH file holding two keys", given: () => opensshContainer({ publicBlob: sshPublicBlob(keys().ed), privateRecord: Buffer.alloc(8), keyCount: 2 }), expected: "malformed", mentions: /more than one/ },
    { name: "a PEM block that is not a key", given: () => "-----BEGIN X509 CRL-----\nMAoCAQA=\n-----END X509 CRL-----\n", expected: "malformed", mentions: /no private key/ },

    { name: "an OpenSSH public key line", given: () => sshPublicLine(keys().ed, "me@laptop") + "\n", expected: "public-key-given", mentions: /without \.pub/ },
    { name: "an OpenSSH public key line without comment", given: () => sshPublicLine(keys().rsa), expected: "public-key-given", mentions: /without \.pub/ },
    { name: "an OpenSSH ECDSA public key line as base64", given: () => toBase64(sshPublicLine(keys().ec256, "x@y") + "\n"), expected: "public-key-given" },
    { name: "a PEM public key (SPKI)", given: publicPem, expected: "public-key-given", mentions: /BEGIN PUBLIC KEY/ },
    { name: "a PEM public key as base64", given: () => toBase64(publicPem()), expected: "public-key-given" },
    { name: "a PEM RSA PUBLIC KEY (PKCS#1)", given: publicPemRsa, expected: "public-key-given", mentions: /BEGIN RSA PUBLIC KEY/ },
    { name: "an SSH2 public key block", given: () => ssh2PublicBlock(keys().ed), expected: "public-key-given", mentions: /SSH2/ },
    { name: "an SSH2 public key block as base64", given: () => toBase64(ssh2PublicBlock(keys().rsa)), expected: "public-key-given" },

    { name: "a PuTTY .ppk file", given: () => puttyPrivateKey(keys().ed), expected: "unsupported-type", mentions: /puttygen key\.ppk -O private-openssh -o key/ },
    { name: "a PuTTY .ppk file as base64", given: () => toBase64(puttyPrivateKey(keys().ed)), expected: "unsupported-type", mentions: /puttygen/ },
    { name: "a DSA key in PKCS#8", given: () => generateKeyPairSync("dsa", { modulusLength: 1024, divisorLength: 160 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string, expected: "unsupported-type", mentions: /DSA/ },
    { name: "a PEM DSA PRIVATE KEY", given: () => "-----BEGIN DSA PRIVATE KEY-----\n" + wrap(randomBytes(300).toString("base64"), 64) + "\n-----END DSA PRIVATE KEY-----\n", expected: "unsupported-type", mentions: /DSA/ },
    { name: "an OpenSSH DSA key", given: () => opensshContainer({ publicBlob: dssBlob(), privateRecord: Buffer.concat([dssBlob(), wireMpint(randomBytes(20))]) }), expected: "unsupported-type", mentions: /DSA/ },
    {
      name: "an OpenSSH FIDO security key",
      given: () => opensshContainer({ publicBlob: Buffer.concat([wireString("sk-ssh-ed25519@openssh.com"), wireString(randomBytes(32)), wireString("ssh:")]), privateRecord: Buffer.alloc(16) }),
      expected: "unsupported-type",
      mentions: /security key/,
    },
    {
      name: "an OpenSSH key encrypted with chacha20-poly1305",
      given: () => opensshContainer({ publicBlob: sshPublicBlob(keys().ed), privateRecord: Buffer.concat([wireString("ssh-ed25519"), ...ed25519Fields(keys().ed)]), passphrase: PASSPHRASE, rounds: 1, cipherName: "chacha20-poly1305@openssh.com" }),
      passphrase: () => PASSPHRASE,
      expected: "unsupported-type",
      mentions: /chacha20-poly1305@openssh\.com.*ssh-keygen -p -Z aes256-ctr/,
    },
    { name: "an OpenSSH certificate", given: certificateLine, expected: "unsupported-type", mentions: /certificate/ },
    { name: "an X.509 certificate", given: () => "-----BEGIN CERTIFICATE-----\n" + wrap(randomBytes(200).toString("base64"), 64) + "\n-----END CERTIFICATE-----\n", expected: "unsupported-type", mentions: /X\.509/ },
    { name: "an SSH.COM private key", given: () => "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: \"key\"\n" + wrap(randomBytes(300).toString("base64"), 70) + "\n---- END SSH2 ENCRYPTED PRIVATE KEY ----\n", expected: "unsupported-type", mentions: /SSH\.COM/ },
    {
      name: "a legacy PEM key encrypted with single DES",
      given: () => keys().encrypted.find((f) => f.name.includes("AES-128-CBC"))!.text.replace(/DEK-Info: AES-128-CBC,([0-9A-F]{16})[0-9A-F]{16}/, "DEK-Info: DES-CBC,$1"),
      passphrase: () => PASSPHRASE,
      expected: "unsupported-type",
      mentions: /old cipher/,
    },
    { name: "an Ed448 key", given: () => generateKeyPairSync("ed448").privateKey.export({ type: "pkcs8", format: "pem" }) as string, expected: "unsupported-type" },
    { name: "a secp256k1 key", given: () => generateKeyPairSync("ec", { namedCurve: "secp256k1" }).privateKey.export({ type: "sec1", format: "pem" }) as string, expected: "unsupported-type" },
    { name: "an RSA-PSS key", given: () => generateKeyPairSync("rsa-pss", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string, expected: "unsupported-type", mentions: /RSA-PSS/ },

    { name: "an unencrypted PKCS#1 key with a passphrase", given: pkcs1, passphrase: () => PASSPHRASE, expected: "passphrase-not-needed" },
    { name: "an unencrypted OpenSSH key with a passphrase", given: openssh, passphrase: () => PASSPHRASE, expected: "passphrase-not-needed" },
    { name: "a key whose passphrase is the key's base64", given: pkcs1, passphrase: () => toBase64(pkcs1()), expected: "passphrase-not-needed", mentions: /passphrase field/ },
    { name: "an empty key with the key in the passphrase", given: () => "", passphrase: () => toBase64(openssh()), expected: "empty", mentions: /passphrase field/ },
  ];
  const encryptedBadInputs = (): BadInput[] =>
    keys().encrypted.flatMap((f) => [
      { name: `${f.name} without a passphrase`, given: () => f.text, expected: "encrypted-no-passphrase" as const },
      { name: `${f.name} with a wrong passphrase`, given: () => f.text, passphrase: () => WRONG_PASSPHRASE, expected: "wrong-passphrase" as const },
      { name: `${f.name} as base64 with a wrong passphrase`, given: () => toBase64(f.text), passphrase: () => WRONG_PASSPHRASE, expected: "wrong-passphrase" as const },
    ]);

  describe("inspectPrivateKey rejects wrong input with the right problem", function () {
    for (const c of badPrivateInputs) {
      it(`${c.name}: ${c.expected}`, function () {
        const error = keyError(() => inspectPrivateKey(c.given(), c.passphrase?.()));
        assert.equal(error.problem, c.expected);
        assert.equal(error.code, "INVALID_KEY");
        if (c.mentions) assert.match(error.message, c.mentions);
      });
    }
  });

  describe("error messages never contain key material or a passphrase", function () {
    it("for every wrong private key input (and every encrypted key with no or a wrong passphrase)", function () {
      const all = [...badPrivateInputs, ...encryptedBadInputs()];
      for (const c of all) {
        const given = c.given();
        const passphrase = c.passphrase?.();
        const error = keyError(() => inspectPrivateKey(given, passphrase));
        const secrets = [given, normalizePrivateKeyText(given).text, ...(passphrase ? [passphrase, normalizePrivateKeyText(passphrase).text] : [])];
        for (const shown of [error.message, String(error), JSON.stringify(error), error.stack ?? ""]) {
          assertNoKeyMaterial(shown, secrets);
          if (passphrase) assert.ok(!shown.includes(passphrase), `${c.name}: the passphrase appears`);
        }
        assert.ok(!error.message.includes("[redacted]"), `${c.name}: the message needed redaction: ${error.message}`);
        assert.ok(error.message.length > 20 && !/undefined|\[object/.test(error.message), `${c.name}: ${error.message}`);
      }
    });

    it("for every wrong public key input", function () {
      for (const c of badPublicInputs) {
        const given = c.given();
        const error = keyError(() => inspectPublicKey(given));
        // A private key given here is secret; a bad public key is not, but its key data is still never echoed.
        const isPrivate = looksLikePrivateKey(given);
        for (const shown of [error.message, String(error), JSON.stringify(error), error.stack ?? ""]) assertNoKeyMaterial(shown, [given], { lines: isPrivate });
        assert.ok(!error.message.includes("[redacted]"), `${c.name}: the message needed redaction: ${error.message}`);
      }
    });

    it("does not pass the underlying parser's error along as the cause", function () {
      const error = keyError(() => inspectPrivateKey(keys().encrypted[0]!.text, WRONG_PASSPHRASE));
      assert.equal(error.cause, undefined);
    });
  });

  describe("normalizePrivateKeyText and toBase64", function () {
    // `expected` receives the input: null means "returned unchanged, not base64".
    const cases: { name: string; given: () => string; expected: (given: string) => { text: string; givenAsBase64: boolean } | null }[] = [
      { name: "PEM text stays as given", given: pkcs1, expected: () => null },
      { name: "text with surrounding whitespace stays exactly as given", given: () => `\n  ${openssh()}\n\n`, expected: () => null },
      { name: "base64 of PEM is decoded", given: () => toBase64(pkcs1()), expected: () => ({ text: pkcs1(), givenAsBase64: true }) },
      { name: "wrapped base64 of OpenSSH is decoded", given: () => wrap(toBase64(openssh()), 76) + "\n", expected: () => ({ text: openssh(), givenAsBase64: true }) },
      { name: "base64 without padding is decoded", given: () => toBase64(openssh() + "x").replace(/=+$/, ""), expected: () => ({ text: openssh() + "x", givenAsBase64: true }) },
      { name: "base64 of a public key line is decoded", given: () => toBase64(sshPublicLine(keys().ed)), expected: () => ({ text: sshPublicLine(keys().ed), givenAsBase64: true }) },
      { name: "double base64 is never decoded twice (here: not at all)", given: () => toBase64(toBase64(pkcs1())), expected: () => null },
      { name: "base64 of other text stays", given: () => toBase64("just some text"), expected: () => null },
      { name: "base64 of binary stays", given: () => randomBytes(64).toString("base64"), expected: () => null },
      { name: "base64 with a character that is not base64 stays", given: () => toBase64(pkcs1()).replace(/^(.{10})./, "$1*"), expected: () => null },
      { name: "an empty string stays", given: () => "", expected: () => null },
      { name: "a passphrase-like word stays", given: () => "Passw0rdPassw0rd", expected: () => null },
    ];
    for (const c of cases) {
      it(c.name, function () {
        const given = c.given();
        assert.deepEqual(normalizePrivateKeyText(given), c.expected(given) ?? { text: given, givenAsBase64: false });
      });
    }

    it("toBase64 gives standard padded base64 with no line breaks, of the exact UTF-8 bytes", function () {
      const texts = [pkcs1(), openssh(), pkcs1().replace(/\n/g, "\r\n"), pkcs1().trimEnd(), "é ключ 🔑\n", "a", "ab", "abc"];
      for (const text of texts) {
        const encoded = toBase64(text);
        assert.match(encoded, /^[A-Za-z0-9+/]*={0,2}$/);
        assert.equal(encoded.length % 4, 0);
        assert.equal(Buffer.from(encoded, "base64").toString("utf8"), text);
        assert.ok(Buffer.from(encoded, "base64").equals(Buffer.from(text, "utf8")));
      }
      assert.equal(toBase64("-----BEGIN"), "LS0tLS1CRUdJTg==");
    });

    it("round trips: key text -> base64 -> normalize -> base64 never double-encodes", function () {
      for (const f of [...keys().plain, ...keys().encrypted]) {
        const once = toBase64(f.text);
        const normalized = normalizePrivateKeyText(once);
        assert.deepEqual(normalized, { text: f.text, givenAsBase64: true }, f.name);
        assert.equal(toBase64(normalized.text), once, f.name);
        assert.equal(toBase64(normalizePrivateKeyText(f.text).text), once, f.name);
        assert.equal(toBase64(inspectPrivateKey(once, f.passphrase).text), once, f.name);
      }
    });
  });

  describe("looksLikePrivateKey", function () {
    const cases: { name: string; given: () => string; expected: boolean }[] = [
      { name: "PKCS#1 text", given: pkcs1, expected: true },
      { name: "OpenSSH text", given: openssh, expected: true },
      { name: "base64 of a key", given: () => toBase64(pkcs1()), expected: true },
      { name: "wrapped base64 of a key", given: () => wrap(toBase64(openssh()), 64), expected: true },
      { name: "the first 24 characters of a key's base64", given: () => toBase64(openssh()).slice(0, 24), expected: true },
      { name: "base64 of a BEGIN line cut inside a private label", given: () => toBase64("-----BEGIN OPENSSH PRIV"), expected: true },
      { name: "base64 of a BEGIN line cut inside a public label", given: () => toBase64("-----BEGIN PUBLIC K"), expected: false },
      { name: "a key on one line", given: () => pkcs1().replace(/\n/g, " "), expected: true },
      { name: "a PuTTY .ppk", given: () => puttyPrivateKey(keys().ed), expected: true },
      { name: "a public key line", given: () => sshPublicLine(keys().ed), expected: false },
      { name: "a PEM public key", given: publicPem, expected: false },
      { name: "base64 of a PEM public key", given: () => toBase64(publicPem()), expected: false },
      { name: "an ordinary passphrase", given: () => PASSPHRASE, expected: false },
      { name: "a long base64-looking passphrase", given: () => randomBytes(48).toString("base64"), expected: false },
      { name: "an empty string", given: () => "", expected: false },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.expected}`, function () {
        assert.equal(looksLikePrivateKey(c.given()), c.expected);
      });
    }
  });

  describe("inspectPublicKey", function () {
    const good: { name: string; given: () => string; key: () => KeyObject; comment?: string; bits: number }[] = [
      { name: "Ed25519 with a comment", given: () => `${sshPublicLine(keys().ed)} me@laptop\n`, key: () => keys().ed, comment: "me@laptop", bits: 256 },
      { name: "Ed25519 without a comment", given: () => sshPublicLine(keys().ed), key: () => keys().ed, bits: 256 },
      { name: "RSA with a comment of several words and CRLF", given: () => `${sshPublicLine(keys().rsa)} deploy key for  ci\r\n`, key: () => keys().rsa, comment: "deploy key for  ci", bits: 2048 },
      { name: "ECDSA P-256 separated by a tab", given: () => sshPublicLine(keys().ec256).replace(" ", "\t"), key: () => keys().ec256, bits: 256 },
      { name: "ECDSA P-384 with surrounding whitespace", given: () => `  ${sshPublicLine(keys().ec384)} x@y  \n`, key: () => keys().ec384, comment: "x@y", bits: 384 },
      { name: "ECDSA P-521", given: () => sshPublicLine(keys().ec521), key: () => keys().ec521, bits: 521 },
    ];
    for (const c of good) {
      it(c.name, function () {
        assert.deepEqual(inspectPublicKey(c.given()), {
          keyType: sshPublicLine(c.key()).split(" ")[0] as KeyType,
          ...expectedPublic(c.key()),
          bits: c.bits,
          ...(c.comment ? { comment: c.comment } : {}),
        });
      });
    }

    it("matches the public key and fingerprints derived from the private key", function () {
      for (const f of keys().plain) {
        const fromPrivate = inspectPrivateKey(f.text);
        const fromPublic = inspectPublicKey(`${fromPrivate.publicKey} comment`);
        assert.equal(fromPublic.publicKey, fromPrivate.publicKey, f.name);
        assert.equal(fromPublic.fingerprint, fromPrivate.fingerprint, f.name);
        assert.equal(fromPublic.md5Fingerprint, fromPrivate.md5Fingerprint, f.name);
        assert.equal(fromPublic.bits, fromPrivate.bits, f.name);
      }
    });

    it("computes Nova's fingerprint of the upstream import sample", function () {
      // Nova's api-ref sample key (a public key) and the fingerprint Nova's docs show for it.
      const sample =
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8JttDCE/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrxEsYXpD/0d3ac30bNH6Sw9JD9UZHYcpSxsIbECHw== Generated-by-Nova";
      const info = inspectPublicKey(sample);
      assert.equal(info.md5Fingerprint, "1e:2c:9b:56:79:4b:45:77:f9:ca:7a:98:2c:b0:d5:3c");
      assert.equal(info.comment, "Generated-by-Nova");
      assert.equal(info.bits, 1024);
    });
  });

  const badPublicInputs: BadInput[] = [
    { name: "an empty string", given: () => " \n", expected: "empty" },
    { name: "a PKCS#1 private key", given: pkcs1, expected: "malformed", mentions: /PRIVATE key/ },
    { name: "an OpenSSH private key", given: openssh, expected: "malformed", mentions: /PRIVATE key/ },
    { name: "a private key as base64", given: () => toBase64(openssh()), expected: "malformed", mentions: /PRIVATE key/ },
    { name: "a private key on one line", given: () => pkcs1().replace(/\n/g, " "), expected: "malformed", mentions: /PRIVATE key/ },
    { name: "a PEM public key", given: publicPem, expected: "unsupported-type", mentions: /ssh-keygen -i -m PKCS8/ },
    { name: "a PEM RSA PUBLIC KEY", given: publicPemRsa, expected: "unsupported-type", mentions: /ssh-keygen -i -m PEM/ },
    { name: "an SSH2 public key block", given: () => ssh2PublicBlock(keys().ed), expected: "unsupported-type", mentions: /ssh-keygen -i -f/ },
    { name: "an authorized_keys line with options", given: () => `from="10.0.0.1",no-pty ${sshPublicLine(keys().ed)} me@laptop`, expected: "malformed", mentions: /options/ },
    { name: "two key lines", given: () => `${sshPublicLine(keys().ed)}\n${sshPublicLine(keys().rsa)}\n`, expected: "malformed", mentions: /more than one line/ },
    { name: "a line cut short", given: () => sshPublicLine(keys().rsa).slice(0, 200), expected: "malformed", mentions: /damaged/ },
    { name: "a line with a corrupt character", given: () => sshPublicLine(keys().ed).replace(/AAAA(.)/, "AAAA!"), expected: "malformed", mentions: /damaged/ },
    { name: "a type name that does not match the key", given: () => `ssh-rsa ${sshPublicBlob(keys().ed).toString("base64")}`, expected: "malformed", mentions: /damaged/ },
    { name: "a curve that does not match the type", given: () => `ecdsa-sha2-nistp384 ${sshPublicBlob(keys().ec256).toString("base64")}`, expected: "malformed", mentions: /damaged/ },
    { name: "an EC point not on the curve", given: () => `ecdsa-sha2-nistp256 ${Buffer.concat([wireString("ecdsa-sha2-nistp256"), wireString("nistp256"), wireString(Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]))]).toString("base64")}`, expected: "malformed", mentions: /damaged/ },
    { name: "trailing bytes in the key", given: () => `ssh-ed25519 ${Buffer.concat([sshPublicBlob(keys().ed), Buffer.from([0, 0, 0, 0])]).toString("base64")}`, expected: "malformed", mentions: /damaged/ },
    { name: "only a type", given: () => "ssh-ed25519", expected: "malformed", mentions: /not an OpenSSH public key line/ },
    { name: "a sentence", given: () => "please use my usual key", expected: "malformed", mentions: /not an OpenSSH public key line/ },
    { name: "a DSA key", given: () => `ssh-dss ${dssBlob().toString("base64")} old@host`, expected: "unsupported-type", mentions: /DSA/ },
    { name: "an OpenSSH certificate", given: certificateLine, expected: "unsupported-type", mentions: /certificate/ },
    { name: "an X.509 certificate", given: () => "-----BEGIN CERTIFICATE-----\n" + wrap(randomBytes(200).toString("base64"), 64) + "\n-----END CERTIFICATE-----\n", expected: "unsupported-type", mentions: /X\.509/ },
    { name: "an unknown key type", given: () => `ssh-xmss@openssh.com ${Buffer.concat([wireString("ssh-xmss@openssh.com"), wireString(randomBytes(64))]).toString("base64")}`, expected: "unsupported-type", mentions: /does not support/ },
    { name: "a FIDO security key", given: () => `sk-ssh-ed25519@openssh.com ${Buffer.concat([wireString("sk-ssh-ed25519@openssh.com"), wireString(randomBytes(32)), wireString("ssh:")]).toString("base64")}`, expected: "unsupported-type", mentions: /security key/ },
  ];

  describe("inspectPublicKey rejects wrong input with the right problem", function () {
    for (const c of badPublicInputs) {
      it(`${c.name}: ${c.expected}`, function () {
        const error = keyError(() => inspectPublicKey(c.given()));
        assert.equal(error.problem, c.expected);
        if (c.mentions) assert.match(error.message, c.mentions);
      });
    }
  });

  describe("generateKeyPair", function () {
    it("makes an Ed25519 key in OpenSSH format by default, which reads back with the same public key", function () {
      const pair = generateKeyPair({ comment: "pulumi@stack" });
      assert.equal(pair.keyType, "ssh-ed25519");
      assert.match(pair.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
      const info = inspectPrivateKey(pair.privateKey);
      assert.equal(info.format, "openssh");
      assert.equal(info.encrypted, false);
      assert.equal(`${info.publicKey} pulumi@stack`, pair.publicKey);
      assert.equal(info.fingerprint, pair.fingerprint);
      assert.equal(info.md5Fingerprint, pair.md5Fingerprint);
      const fromLine = inspectPublicKey(pair.publicKey);
      assert.equal(fromLine.comment, "pulumi@stack");
      assert.equal(fromLine.fingerprint, pair.fingerprint);

      // Independently of sshpk: read the OpenSSH file by hand and check the private half signs for the public half.
      const file = readOpenSshEd25519(pair.privateKey);
      assert.equal(file.comment, "pulumi@stack");
      assert.equal(`ssh-ed25519 ${file.publicBlob.toString("base64")}`, info.publicKey);
      const privateKey = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: file.seed.toString("base64url"), x: file.publicBytes.toString("base64url") }, format: "jwk" });
      assert.equal(sshPublicLine(privateKey), info.publicKey);
      const message = Buffer.from("signed by the generated key");
      assert.ok(verify(null, message, createPublicKey(privateKey), sign(null, message, privateKey)));
      assert.deepEqual(expectedFingerprints(file.publicBlob), { sha256: pair.fingerprint, md5: pair.md5Fingerprint });
    });

    it("makes a different key each time, with no comment unless asked", function () {
      const a = generateKeyPair();
      const b = generateKeyPair({ algorithm: "ed25519" });
      assert.notEqual(a.fingerprint, b.fingerprint);
      assert.equal(a.publicKey.split(" ").length, 2);
      assert.equal(readOpenSshEd25519(a.privateKey).comment, "");
    });

    it("makes an RSA key in PEM PKCS#1 format, which reads back with the same public key", function () {
      const pair = generateKeyPair({ algorithm: "rsa", bits: 2048, comment: "ci" });
      assert.equal(pair.keyType, "ssh-rsa");
      assert.match(pair.privateKey, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+\n-----END RSA PRIVATE KEY-----\n$/);
      const info = inspectPrivateKey(pair.privateKey);
      assert.deepEqual([info.format, info.bits, info.encrypted], ["pkcs1", 2048, false]);
      assert.equal(`${info.publicKey} ci`, pair.publicKey);
      assert.deepEqual([info.fingerprint, info.md5Fingerprint], [pair.fingerprint, pair.md5Fingerprint]);
      const independent = expectedPublic(createPrivateKey(pair.privateKey));
      assert.deepEqual([independent.publicKey, independent.fingerprint, independent.md5Fingerprint], [info.publicKey, pair.fingerprint, pair.md5Fingerprint]);
    });

    it("defaults RSA to 4096 bits", function () {
      this.timeout(60_000);
      const pair = generateKeyPair({ algorithm: "rsa" });
      assert.equal(inspectPrivateKey(pair.privateKey).bits, 4096);
      assert.equal(inspectPublicKey(pair.publicKey).bits, 4096);
    });

    const badOptions: { name: string; given: Parameters<typeof generateKeyPair>[0]; expected: string }[] = [
      { name: "RSA below 2048 bits", given: { algorithm: "rsa", bits: 1024 }, expected: "bits" },
      { name: "RSA above 16384 bits", given: { algorithm: "rsa", bits: 32768 }, expected: "bits" },
      { name: "a fractional size", given: { algorithm: "rsa", bits: 2048.5 }, expected: "bits" },
      { name: "bits for Ed25519", given: { bits: 2048 }, expected: "bits" },
      { name: "an unknown algorithm", given: { algorithm: "dsa" as "rsa" }, expected: "algorithm" },
      { name: "a comment with a line break", given: { comment: "a\nssh-rsa AAAA injected" }, expected: "comment" },
    ];
    for (const c of badOptions) {
      it(`rejects ${c.name}`, function () {
        assert.throws(() => generateKeyPair(c.given), (error: unknown) => InputError.isInstance(error) && (error as InputError).property === c.expected);
      });
    }
  });

  describe("cross-checks with ssh-keygen (when installed)", function () {
    before(function () {
      if (!findSshKeygen()) this.skip();
    });

    it("derives the same public key and fingerprints from every fixture", function () {
      for (const f of [...keys().plain, ...keys().encrypted]) {
        const info = inspectPrivateKey(f.text, f.passphrase);
        // OpenSSH 9.2 cannot load Ed25519 keys from PKCS#8 PEM; the public key is still checked above against node:crypto.
        if (!(f.format === "pkcs8" && f.keyType === "ssh-ed25519")) {
          assert.equal(sshKeygenPublicFromPrivate(f.text, f.passphrase), info.publicKey, f.name);
        }
        const fromSshKeygen = sshKeygenFingerprints(info.publicKey);
        assert.deepEqual([fromSshKeygen.sha256, fromSshKeygen.md5, fromSshKeygen.bits], [info.fingerprint, info.md5Fingerprint, info.bits], f.name);
      }
    });

    const generated: { type: string; passphrase: string; extra: string[]; format: PrivateKeyFormat }[] = [
      { type: "ed25519", passphrase: "", extra: [], format: "openssh" },
      { type: "ed25519", passphrase: PASSPHRASE, extra: [], format: "openssh" },
      { type: "rsa", passphrase: "", extra: ["-b", "2048"], format: "openssh" },
      { type: "rsa", passphrase: PASSPHRASE, extra: ["-b", "2048", "-a", "2"], format: "openssh" },
      { type: "ecdsa", passphrase: PASSPHRASE, extra: ["-b", "384", "-a", "2"], format: "openssh" },
      { type: "ecdsa", passphrase: "", extra: ["-b", "521"], format: "openssh" },
      { type: "rsa", passphrase: "", extra: ["-b", "2048", "-m", "PEM"], format: "pkcs1" },
      { type: "rsa", passphrase: PASSPHRASE, extra: ["-b", "2048", "-m", "PEM"], format: "pkcs1" },
      { type: "ecdsa", passphrase: "", extra: ["-m", "PEM"], format: "sec1" },
      { type: "rsa", passphrase: PASSPHRASE, extra: ["-b", "2048", "-m", "PKCS8"], format: "pkcs8" },
    ];
    for (const g of generated) {
      it(`reads ssh-keygen ${["-t", g.type, ...g.extra].join(" ")}${g.passphrase ? " with a passphrase" : ""}`, function () {
        const made = sshKeygenGenerate(g.type, g.passphrase, g.extra);
        const info = inspectPrivateKey(made.privateKey, g.passphrase || undefined);
        const [type, encoded, comment] = made.publicLine.trim().split(" ");
        assert.equal(info.publicKey, `${type} ${encoded}`);
        assert.deepEqual([info.format, info.encrypted], [g.format, g.passphrase !== ""]);
        const independent = expectedFingerprints(Buffer.from(encoded!, "base64"));
        assert.deepEqual([info.fingerprint, info.md5Fingerprint], [independent.sha256, independent.md5]);
        const fromSshKeygen = sshKeygenFingerprints(made.publicLine);
        assert.deepEqual([info.fingerprint, info.md5Fingerprint, info.bits], [fromSshKeygen.sha256, fromSshKeygen.md5, fromSshKeygen.bits]);
        assert.equal(inspectPublicKey(made.publicLine).comment, comment);
        assert.equal(inspectPrivateKey(toBase64(made.privateKey), g.passphrase || undefined).publicKey, info.publicKey);
        // (Each decryption of a default 16-round key costs about half a second, so only the fast ones try a wrong passphrase.)
        if (g.passphrase && (g.format !== "openssh" || g.extra.includes("-a"))) assert.equal(keyError(() => inspectPrivateKey(made.privateKey, WRONG_PASSPHRASE)).problem, "wrong-passphrase");
      });
    }

    it("accepts the generated key pairs", function () {
      for (const pair of [generateKeyPair({ comment: "a@b" }), generateKeyPair({ algorithm: "rsa", bits: 2048 })]) {
        assert.equal(sshKeygenPublicFromPrivate(pair.privateKey), pair.publicKey.split(" ").slice(0, 2).join(" "));
        const fromSshKeygen = sshKeygenFingerprints(pair.publicKey);
        assert.deepEqual([fromSshKeygen.sha256, fromSshKeygen.md5], [pair.fingerprint, pair.md5Fingerprint]);
      }
    });
  });

  describe("house rules", function () {
    it("src/ssh/keys.ts is the only module that imports sshpk", function () {
      const root = resolve(__dirname, "../../../src");
      const importers: string[] = [];
      const walk = (dir: string): void => {
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          if (statSync(path).isDirectory()) walk(path);
          else if (name.endsWith(".ts") && /from\s+["']sshpk["']|require\(\s*["']sshpk["']\s*\)/.test(readFileSync(path, "utf8"))) importers.push(path.slice(root.length + 1));
        }
      };
      walk(root);
      assert.deepEqual(importers, [join("ssh", "keys.ts")]);
    });
  });
});

// ---------------------------------------------------------------------------------------------------

/** Ed25519 private fields as OpenSSH stores them (public key, then seed || public key). */
function ed25519Fields(key: KeyObject): Buffer[] {
  const jwk = key.export({ format: "jwk" });
  const x = Buffer.from(jwk.x!, "base64url");
  return [wireString(x), wireString(Buffer.concat([Buffer.from(jwk.d!, "base64url"), x]))];
}

/** A syntactically valid ssh-dss public blob (random numbers: only the type matters). */
function dssBlob(): Buffer {
  return Buffer.concat([wireString("ssh-dss"), ...[128, 20, 128, 128].map((n) => wireMpint(randomBytes(n)))]);
}
