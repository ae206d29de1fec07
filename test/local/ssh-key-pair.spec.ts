// Layer 1-2: SshKeyPair's provider (no service): every key type, its fingerprints checked by an
// independent computation (and by ssh-keygen where the machine has it), the PEM copies, a comment
// updated in place, replacements, bad input.

import { strict as assert } from "node:assert";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { sshKeyPairProvider } from "../../src/local/ssh-key-pair";
import { inspectPrivateKey } from "../../src/ssh/keys";
import { expectedFingerprints, findSshKeygen, sshKeygenFingerprints, sshPublicBlob } from "../support/keys";
import { captureWarnings, expectCheckFailure, changed } from "../support/provider";
import type { Provider } from "../support/provider";

const provider = sshKeyPairProvider as Provider;

describe("SshKeyPair provider", () => {
  for (const [args, keyType, pem] of [
    [{}, "ssh-ed25519", null],
    [{ keyAlgorithm: "rsa", bits: 2048 }, "ssh-rsa", /^-----BEGIN RSA PRIVATE KEY-----/],
    [{ keyAlgorithm: "ecdsa" }, "ecdsa-sha2-nistp256", /^-----BEGIN EC PRIVATE KEY-----/],
    [{ keyAlgorithm: "ecdsa", bits: 384 }, "ecdsa-sha2-nistp384", /^-----BEGIN EC PRIVATE KEY-----/],
  ] as const) {
    it(`${JSON.stringify(args)}: an OpenSSH private key, ${keyType}, both fingerprints, ${pem ? "a PEM copy" : "no PEM copy"}`, async () => {
      assert.deepEqual((await provider.check({}, { ...args })).failures ?? [], []);
      const { id, outs } = await provider.create({ ...args, comment: "deploy@ci" });
      assert.match(outs!.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
      assert.equal(outs!.keyType, keyType);
      assert.match(outs!.publicKey, new RegExp(`^${keyType} [A-Za-z0-9+/=]+ deploy@ci$`));
      assert.equal(id, outs!.fingerprint, "the SHA256 fingerprint is the id");
      // Independent: the fingerprints of the public key's blob, computed here with node:crypto.
      const blob = Buffer.from(outs!.publicKey.split(" ")[1], "base64");
      assert.deepEqual({ sha256: outs!.fingerprint, md5: outs!.md5Fingerprint }, expectedFingerprints(blob));
      // The private key is the public key's: read back by the package's own parser and by node:crypto.
      assert.equal(inspectPrivateKey(outs!.privateKey).fingerprint, outs!.fingerprint);
      if (pem) {
        assert.match(outs!.privateKeyPem, pem);
        assert.deepEqual(sshPublicBlob(createPublicKey(createPrivateKey(outs!.privateKeyPem))), blob, "the PEM copy is the same key");
      } else {
        assert.equal(outs!.privateKeyPem, null);
      }
      assert.match(outs!.createdAt, /^\d{4}-\d\d-\d\dT/);
      if (findSshKeygen()) assert.equal(sshKeygenFingerprints(outs!.privateKey).sha256, outs!.fingerprint, "ssh-keygen agrees");
      assert.deepEqual(JSON.parse(JSON.stringify(outs)), outs, "outputs are plain JSON");
    });
  }

  it("a new comment is an update: the same key, the new comment; algorithm and bits replace", async () => {
    const { id, outs } = await provider.create({ comment: "old" });
    const d = await provider.diff(id, outs!, { comment: "new" });
    assert.equal(changed(d), true);
    assert.equal(d.replaces, undefined);
    const updated = (await provider.update(id, outs!, { comment: "new" })).outs!;
    assert.equal(updated.fingerprint, outs!.fingerprint);
    assert.match(updated.publicKey, / new$/);
    assert.equal(inspectPrivateKey(updated.privateKey).fingerprint, outs!.fingerprint);
    assert.equal(changed((await provider.diff(id, outs!, { comment: "old" }))), false);
    assert.deepEqual((await provider.diff(id, outs!, { comment: "old", keyAlgorithm: "rsa" })).replaces, ["keyAlgorithm"]);
    assert.equal(changed((await provider.diff(id, outs!, { comment: "old", keyAlgorithm: "ed25519" }))), false, "the default, spelled out");
    const read = await provider.read!(id, outs!);
    assert.deepEqual(read.props, outs, "nothing to read: the state is the only copy");
  });

  it("bad input fails check, naming the property and the fix", async () => {
    await expectCheckFailure(provider, { keyAlgorithm: "dsa" }, "keyAlgorithm", /"ed25519", "rsa" or "ecdsa"/);
    await expectCheckFailure(provider, { bits: 4096 }, "bits", /only to rsa and ecdsa/);
    await expectCheckFailure(provider, { keyAlgorithm: "rsa", bits: 1024 }, "bits", /2048 to 16384/);
    await expectCheckFailure(provider, { keyAlgorithm: "ecdsa", bits: 255 }, "bits", /256, 384 or 521/);
    await expectCheckFailure(provider, { comment: "two\nlines" }, "comment", /single line/);
  });
});

describe("SshKeyPair rotateAfter", () => {
  const provider = sshKeyPairProvider as Provider;

  it("nothing changes before it falls due; once due, a replacement, with the reason", async () => {
    const { id, outs } = await provider.create({ rotateAfter: "2s" });
    const early = await captureWarnings(() => provider.diff(id, outs!, { rotateAfter: "2s" }));
    assert.equal(changed(early.result), false, "not due yet");
    assert.equal(early.text, "");
    await new Promise((r) => setTimeout(r, 2100));
    const due = await captureWarnings(() => provider.diff(id, outs!, { rotateAfter: "2s" }));
    assert.deepEqual(due.result.replaces, ["rotateAfter"]);
    assert.match(due.text, new RegExp(`SshKeyPair ${id.replace(/[+/]/g, "\\$&")}: rotation due since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z`));
    // A longer period, not due: an update that stores it (same key).
    const longer = await provider.diff(id, outs!, { rotateAfter: "90d" });
    assert.equal(longer.replaces, undefined);
    assert.equal(changed(longer), true);
    const updated = (await provider.update(id, outs!, { rotateAfter: "90d" })).outs!;
    assert.equal(updated.fingerprint, outs!.fingerprint);
    assert.equal(updated.rotateAfter, "90d");
    assert.equal((await provider.update(id, updated, {})).outs!.rotateAfter, undefined, "left out: gone");
  });

  it("a period that is not a duration fails check with the rule", async () => {
    for (const bad of ["90", "1w", "-5d", "0s", "soon"]) await expectCheckFailure(provider, { rotateAfter: bad }, "rotateAfter", /a duration like "90d", "12h"/);
    assert.deepEqual((await provider.check({}, { rotateAfter: "1d12h" })).failures ?? [], []);
  });
});
