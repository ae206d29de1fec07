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

/** @internal Exposed for tests: the object Pulumi serializes. */
export const sshKeyPairProvider: pulumi.dynamic.ResourceProvider = provider;
