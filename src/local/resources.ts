// SshKeyPair as a program declares it: the class and its argument types, and nothing that serves it
// (ssh-key-pair.ts, loaded by kind in the provider host only).

import * as pulumi from "@pulumi/pulumi";
import provider = require("../internal/ssh-key-pair");

/** @internal Outputs of SshKeyPair that are secrets (also in additionalSecretOutputs). */
export const SSH_KEY_PAIR_SECRET_OUTPUTS = ["privateKey", "privateKeyPem"];

/** Arguments of {@link SshKeyPair}. */
export interface SshKeyPairArgs {
  /** `ed25519` (default), `rsa` or `ecdsa`. Changing it makes a new key pair. */
  keyAlgorithm?: pulumi.Input<"ed25519" | "rsa" | "ecdsa">;
  /** RSA: 2048 to 16384 (default 4096). ECDSA: 256, 384 or 521 (default 256). Not for Ed25519. Changing it makes a new key pair. */
  bits?: pulumi.Input<number>;
  /** The comment at the end of the public key line (and inside the OpenSSH private key). Updates in place: the same key. */
  comment?: pulumi.Input<string>;
  /**
   * Rotate the key pair this long after it was made: `"90d"`, `"12h"`, `"30m"`, `"30s"` (or combined,
   * `"1d12h"`). Once due, any `pulumi preview` or `up` plans a replacement and says why ("rotation due
   * since ..."); before that, nothing changes. Resources that use `privateKey` or `publicKey` then get
   * the new key in the same `up`. For an external clock, use `replacementTrigger` instead.
   */
  rotateAfter?: pulumi.Input<string>;
}

/**
 * An SSH key pair generated locally (no service, no request): the key source for stacks without
 * Nova. Its private key is kept in the state as a secret.
 *
 * @example
 * ```ts
 * const deployKey = new SshKeyPair("deploy"); // Ed25519
 * const account = new OctopusSshAccount("deploy", { name: "Deploy", username: "deploy", privateKey: deployKey.privateKey });
 * export const publicKey = deployKey.publicKey; // for authorized_keys
 * ```
 */
export class SshKeyPair extends pulumi.dynamic.Resource {
  /** OpenSSH private key text (secret). */
  declare readonly privateKey: pulumi.Output<string>;
  /** The same private key as PEM (secret): PKCS#1 for RSA, SEC1 for ECDSA, which Octopus and older servers read; null for Ed25519. */
  declare readonly privateKeyPem: pulumi.Output<string | null>;
  /** The OpenSSH public key line (`ssh-ed25519 AAAA... comment`), for authorized_keys or a NovaKeypair. */
  declare readonly publicKey: pulumi.Output<string>;
  /** `SHA256:...`, as `ssh-keygen -l` prints it (also the resource id). */
  declare readonly fingerprint: pulumi.Output<string>;
  /** The MD5 colon form, as Nova shows it. */
  declare readonly md5Fingerprint: pulumi.Output<string>;
  /** `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, ... */
  declare readonly keyType: pulumi.Output<string>;
  /** When the pair was generated (ISO 8601). */
  declare readonly createdAt: pulumi.Output<string>;

  constructor(name: string, args: SshKeyPairArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        keyAlgorithm: args.keyAlgorithm,
        bits: args.bits,
        comment: args.comment,
        rotateAfter: args.rotateAfter,
        privateKey: undefined,
        privateKeyPem: undefined,
        publicKey: undefined,
        fingerprint: undefined,
        md5Fingerprint: undefined,
        keyType: undefined,
        createdAt: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: SSH_KEY_PAIR_SECRET_OUTPUTS }),
      "index",
      "SshKeyPair",
    );
  }
}
