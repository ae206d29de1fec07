// SshKeyPair: an SSH key pair generated locally, in the provider host. No service, no request: the key
// source for stacks without Nova (like tls.PrivateKey, but made for SSH): feed its `privateKey` to an
// OctopusSshAccount or a TfcSshKey, its `publicKey` to a NovaKeypair or an authorized_keys file.
//
// | operation | what it does                                                                      |
// |-----------|-----------------------------------------------------------------------------------|
// | create    | generates the pair (OpenSSH private key text, a PEM copy for RSA and ECDSA)        |
// | read      | nothing to read: the state is the only copy                                      |
// | update    | `comment` only: the same key with the new comment                                 |
// | delete    | nothing to delete (the private key leaves the state with the resource)            |
//
// | argument      | on change |
// |---------------|-----------|
// | keyAlgorithm  | replace   |
// | bits          | replace   |
// | comment       | update    |
// | rotateAfter   | none; once due (createdAt + rotateAfter), any preview or up plans a replacement |

import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { InputError } from "../core/errors";
import type { ResourceImpl } from "../core/provider";
import { DURATION_RULE, parseDuration, rotationDue } from "../core/duration";
import { warn } from "../core/engine-log";
import { containsUnknown, diffProps, inputsFrom, schemaFailures } from "../core/provider";
import provider = require("../internal/ssh-key-pair");
import { generateSshKeyPair, withComment } from "../ssh/keys";

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

/** Resolved inputs, as the provider receives them. */
export interface SshKeyPairInputs {
  keyAlgorithm?: "ed25519" | "rsa" | "ecdsa";
  bits?: number;
  comment?: string;
  rotateAfter?: string;
}

/** Outputs: the inputs, plus the key material. */
export interface SshKeyPairOutputs extends SshKeyPairInputs {
  privateKey: string;
  privateKeyPem: string | null;
  publicKey: string;
  fingerprint: string;
  md5Fingerprint: string;
  keyType: string;
  createdAt: string;
}

const SECRET_OUTPUTS = ["privateKey", "privateKeyPem"];

const InputsSchema = z
  .object({
    keyAlgorithm: z.enum(["ed25519", "rsa", "ecdsa"], { error: 'keyAlgorithm must be "ed25519", "rsa" or "ecdsa"' }).optional(),
    bits: z.number({ error: "bits must be a number" }).int({ message: "bits must be a whole number" }).optional(),
    comment: z
      .string({ error: "comment must be a string" })
      .refine((s) => !/[\r\n]/.test(s), { message: "comment must be a single line of text" })
      .optional(),
    rotateAfter: z
      .string({ error: `rotateAfter must be ${DURATION_RULE}` })
      .refine((s) => parseDuration(s) !== undefined, { message: `rotateAfter must be ${DURATION_RULE}` })
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (v.bits === undefined) return;
    const algorithm = v.keyAlgorithm ?? "ed25519";
    if (algorithm === "ed25519") ctx.addIssue({ code: "custom", path: ["bits"], message: "bits applies only to rsa and ecdsa keys: Ed25519 keys have a fixed size" });
    if (algorithm === "rsa" && (v.bits < 2048 || v.bits > 16384)) ctx.addIssue({ code: "custom", path: ["bits"], message: "RSA keys are 2048 to 16384 bits (the default is 4096)" });
    if (algorithm === "ecdsa" && ![256, 384, 521].includes(v.bits)) ctx.addIssue({ code: "custom", path: ["bits"], message: "ECDSA keys are 256, 384 or 521 bits (the default is 256)" });
  });

function inputsOf(props: Record<string, any>): SshKeyPairInputs {
  return inputsFrom<SshKeyPairInputs>(props, ["keyAlgorithm", "bits", "comment", "rotateAfter"]);
}

/** The provider implementation, run in the Pulumi provider host. */
export const sshKeyPairImpl: ResourceImpl = {
  resource: "SshKeyPair",

  secretsOf(props) {
    return [props.privateKey, props.privateKeyPem];
  },

  async check(_olds, news) {
    const failures = schemaFailures(InputsSchema, news);
    return failures.length ? { inputs: news, failures } : { inputs: news };
  },

  async diff(id, olds, news) {
    const result = diffProps(olds, news, [
      { name: "keyAlgorithm", replaces: true, equal: (a, b) => (a ?? "ed25519") === (b ?? "ed25519") },
      { name: "bits", replaces: true },
      { name: "comment", equal: (a, b) => (a || undefined) === (b || undefined) },
      // A new period takes effect from when the key was made; it is stored by an update.
      { name: "rotateAfter" },
    ]);
    // Scheduled rotation: due once the key is older than the period the program gives now.
    const due = containsUnknown(news.rotateAfter) ? undefined : rotationDue(olds.createdAt, news.rotateAfter);
    if (due !== undefined && due <= Date.now()) {
      await warn(`SshKeyPair ${id}: rotation due since ${new Date(due).toISOString()} (made ${String(olds.createdAt)}, rotateAfter "${String(news.rotateAfter)}"): replacing it with a new key pair`);
      return { ...result, changes: true, replaces: [...new Set([...(result.replaces ?? []), "rotateAfter"])] };
    }
    return result;
  },

  async create(raw) {
    const inputs = inputsOf(raw);
    let pair;
    try {
      pair = generateSshKeyPair({ algorithm: inputs.keyAlgorithm ?? "ed25519", ...(inputs.bits !== undefined ? { bits: inputs.bits } : {}), ...(inputs.comment ? { comment: inputs.comment } : {}) });
    } catch (error) {
      if (InputError.isInstance(error) && error.property === "algorithm") throw new InputError("keyAlgorithm", error.reason);
      throw error;
    }
    const outs: SshKeyPairOutputs = {
      ...inputs,
      privateKey: pair.privateKey,
      privateKeyPem: pair.privateKeyPem,
      publicKey: pair.publicKey,
      fingerprint: pair.fingerprint,
      md5Fingerprint: pair.md5Fingerprint,
      keyType: pair.keyType,
      createdAt: new Date().toISOString(),
    };
    // The SHA256 fingerprint names the pair: unique, and what `ssh-keygen -l` shows.
    return { id: pair.fingerprint, outs };
  },

  async read(id, props) {
    // Nothing to read: the state holds the only copy.
    return { id, props, inputs: inputsOf(props) };
  },

  async update(_id, olds, news) {
    const inputs = inputsOf(news);
    const old = olds as SshKeyPairOutputs;
    const { privateKey, publicKey } = withComment(old.privateKey, inputs.comment || undefined);
    // The inputs as given now (one left out is gone), the key material as it was.
    const { keyAlgorithm: _a, bits: _b, comment: _c, rotateAfter: _r, ...material } = old;
    return { outs: { ...material, ...inputs, privateKey, publicKey } };
  },

  async delete() {
    // Nothing outside the state.
  },
};

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
      pulumi.mergeOptions(opts, { additionalSecretOutputs: SECRET_OUTPUTS }),
      "index",
      "SshKeyPair",
    );
  }
}

/** @internal Exposed for tests: the object Pulumi serializes. */
export const sshKeyPairProvider: pulumi.dynamic.ResourceProvider = provider;
