// The Nova resource as a program declares it: the class and its argument types, and nothing that
// serves it (keypair.ts, loaded by kind in the provider host only).

import * as pulumi from "@pulumi/pulumi";
import type { TlsConnectionArgs } from "../core/connection";
import { LOGICAL_NAME, replacementOrder } from "../core/resource-options";
import provider = require("../internal/nova-keypair");
import type { OpenStackConnectionArgs } from "./schemas";

/** Connection settings for NovaKeypair. Every field falls back to stack config (`openstack:*`), then the `OS_*` environment variables. */
export interface OpenStackConnection extends TlsConnectionArgs {
  /** Keystone URL, e.g. `https://keystone.example:5000/v3` (`/v3` is added when missing). */
  authUrl?: pulumi.Input<string>;
  /** Region of the compute endpoint. Falls back to `openstack:region`, then `OS_REGION_NAME`. Default: the first region in the catalog. */
  region?: pulumi.Input<string>;
  /** Endpoint interface: `public` (default), `internal` or `admin`. */
  interface?: pulumi.Input<string>;
  /** Keystone username (with `password`). Falls back to `openstack:userName`, then `OS_USERNAME`. */
  username?: pulumi.Input<string>;
  /** Keystone user id, instead of `username`. Falls back to `OS_USER_ID`. */
  userId?: pulumi.Input<string>;
  /** Secret. */
  password?: pulumi.Input<string>;
  /** Domain name of the user. @default "Default" when a username is given without a domain */
  userDomainName?: pulumi.Input<string>;
  /** Domain id of the user, instead of `userDomainName`. */
  userDomainId?: pulumi.Input<string>;
  /** Project to scope the token to. Falls back to `openstack:tenantName`, then `OS_PROJECT_NAME` / `OS_TENANT_NAME`. */
  projectName?: pulumi.Input<string>;
  /** Project id, instead of `projectName`. Falls back to `openstack:tenantId`, then `OS_PROJECT_ID` / `OS_TENANT_ID`. */
  projectId?: pulumi.Input<string>;
  /** Domain name of the project. @default "Default" when a project name is given without a domain */
  projectDomainName?: pulumi.Input<string>;
  /** Domain id of the project, instead of `projectDomainName`. */
  projectDomainId?: pulumi.Input<string>;
  /** Application credential id (with `applicationCredentialSecret`), instead of a password. */
  applicationCredentialId?: pulumi.Input<string>;
  /** Application credential name (with a username or user id), instead of its id. */
  applicationCredentialName?: pulumi.Input<string>;
  /** Secret. */
  applicationCredentialSecret?: pulumi.Input<string>;
  /** An existing Keystone token (secret), instead of credentials. */
  token?: pulumi.Input<string>;
  /** The compute endpoint, instead of the one in the token's catalog. */
  computeEndpoint?: pulumi.Input<string>;
}

/** Arguments of {@link NovaKeypair}. */
export interface NovaKeypairArgs {
  /**
   * Key pair name, unique per user: letters, digits, `_`, `-`, spaces (and `@`, `.` on clouds with
   * microversion 2.92). Default: the resource's logical name plus a random suffix
   * (`deploy-1a2b3c4`), chosen once; a replacement then makes the new pair first, under a new name,
   * so no server loses its key. With an explicit name a replacement deletes the old pair first (Nova
   * refuses two pairs of one name), unless `deleteBeforeReplace: false` is set.
   */
  name?: pulumi.Input<string>;
  /** An OpenSSH public key line to import. Without it (or `privateKey`), a pair is generated (see `generate`). */
  publicKey?: pulumi.Input<string>;
  /**
   * A private key you already hold (secret; PEM or OpenSSH text, unencrypted): its public half is
   * imported, and the key is passed through as the `privateKey` output, so a pair generated earlier
   * (by Terraform, say) keeps its private key in the stack. Instead of `publicKey`.
   */
  privateKey?: pulumi.Input<string>;
  /**
   * Who generates the pair when no `publicKey` is given: `"server"` (Nova, RSA 2048, the private key
   * returned once and kept in state) or `"local"` (this provider; works on every cloud).
   * @default "server"
   */
  generate?: pulumi.Input<"server" | "local">;
  /** Local generation only. @default "ed25519" */
  keyAlgorithm?: pulumi.Input<"ed25519" | "rsa">;
  /** @default "ssh" */
  type?: pulumi.Input<"ssh" | "x509">;
  /** Owner, for administrators creating key pairs for another user. */
  userId?: pulumi.Input<string>;
  /**
   * Generated pairs only: replace the pair once it is this old (`"90d"`, `"12h"`, `"30s"`; units may
   * be combined, `"1d12h"`), on the first `preview` or `up` after that, saying "rotation due since
   * ...". An auto-named pair is replaced without a gap (the new one is made first). An imported key
   * rotates with its source: put `rotateAfter` on the SshKeyPair it comes from.
   */
  rotateAfter?: pulumi.Input<string>;
  /**
   * Take over the key pair that already has this name instead of creating one. Nova cannot change a
   * key pair, so it must hold the declared key: give `publicKey` or `privateKey`, whose fingerprint
   * must match Nova's, else the create fails and nothing changes. Acts on the first create only;
   * afterwards the key pair is managed, and deleted by `destroy`, like one this resource made. With
   * no key pair of that name, it is created (with a warning), so `adopt` may stay in a program.
   * Without `adopt`, a name that is taken gives an error that says so.
   */
  adopt?: pulumi.Input<boolean>;
  /** Overrides the ambient connection. Stored as a secret. */
  connection?: pulumi.Input<OpenStackConnection>;
}

/** What {@link NovaKeypair.get} needs besides the name: whose key pair, and where. */
export interface NovaKeypairLookup {
  /** Owner, when looking up another user's key pair (administrators). */
  userId?: pulumi.Input<string>;
  /** Overrides the ambient connection. Stored as a secret. */
  connection?: pulumi.Input<OpenStackConnection>;
}

/**
 * An OpenStack Nova key pair.
 *
 * @example
 * ```ts
 * // Nova generates the pair; the private key is kept in state as a secret.
 * const kp = new NovaKeypair("deploy", { name: "deploy" });
 * export const privateKey = kp.privateKey; // secret
 * // Or bring your own public key, or generate locally (works on every cloud):
 * new NovaKeypair("mine", { name: "mine", publicKey: fs.readFileSync("id_ed25519.pub", "utf8") });
 * new NovaKeypair("local", { name: "local", generate: "local" });
 * ```
 */
export class NovaKeypair extends pulumi.dynamic.Resource {
  /** The key pair name (also the resource id). */
  declare readonly name: pulumi.Output<string>;
  /** The public key, as Nova stores it. */
  declare readonly publicKey: pulumi.Output<string>;
  /** Nova's fingerprint (MD5, `aa:bb:...`), checked against our own computation. */
  declare readonly fingerprint: pulumi.Output<string>;
  /** The private key when generated (secret); null when imported. */
  declare readonly privateKey: pulumi.Output<string | null>;
  /** The owner (a Keystone user id). */
  declare readonly userId: pulumi.Output<string>;
  /** `ssh` or `x509`. */
  declare readonly type: pulumi.Output<"ssh" | "x509">;
  /** When Nova created the pair (ISO 8601), where the cloud reports it. */
  declare readonly createdAt: pulumi.Output<string | null>;
  /** Who generated the pair (`server` or `local`), when generated. */
  declare readonly generate: pulumi.Output<"server" | "local" | undefined>;
  /** The algorithm of a locally generated pair. */
  declare readonly keyAlgorithm: pulumi.Output<"ed25519" | "rsa" | undefined>;
  /** Secret. */
  declare readonly connection: pulumi.Output<OpenStackConnectionArgs | undefined>;

  constructor(name: string, args: NovaKeypairArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        [LOGICAL_NAME]: name,
        name: args.name,
        publicKey: args.publicKey,
        privateKey: args.privateKey === undefined ? undefined : pulumi.secret(args.privateKey),
        adopt: args.adopt,
        generate: args.generate,
        keyAlgorithm: args.keyAlgorithm,
        type: args.type,
        userId: args.userId,
        rotateAfter: args.rotateAfter,
        connection: args.connection === undefined ? undefined : pulumi.secret(args.connection),
        fingerprint: undefined,
        createdAt: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["privateKey", "connection"], ...replacementOrder(args.name, opts) }),
      "nova",
      "Keypair",
    );
  }

  /**
   * Looks up an existing key pair by name (its id), for key pairs managed elsewhere: Pulumi reads it
   * on every `up` and `refresh` and never changes or deletes it. `privateKey` is undefined (Nova never
   * returns it).
   *
   * @example
   * ```ts
   * const ops = NovaKeypair.get("ops", "ops-team");
   * export const opsFingerprint = ops.fingerprint;
   * ```
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions, lookup: NovaKeypairLookup = {}): NovaKeypair {
    return new NovaKeypair(name, { userId: lookup.userId, connection: lookup.connection } as NovaKeypairArgs, pulumi.mergeOptions(opts, { id }));
  }
}
