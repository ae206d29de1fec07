// The HCP Terraform resource as a program declares it: the class and its argument types, and nothing
// that serves it (ssh-key.ts, loaded by kind in the provider host only).

import * as pulumi from "@pulumi/pulumi";
import type { TlsConnectionArgs } from "../core/connection";
import { LOGICAL_NAME, replacementOrder } from "../core/resource-options";
import provider = require("../internal/tfc-ssh-key");
import type { TfcConnectionArgs } from "./schemas";

/** Connection settings for TfcSshKey. Every field falls back to stack config, then the environment. */
export interface TfcConnection extends TlsConnectionArgs {
  /** Host name, e.g. `tfe.example.com`. Falls back to `tfe:hostname`, then `TFE_HOSTNAME`. @default "app.terraform.io" */
  hostname?: pulumi.Input<string>;
  /** A full URL instead of a host name, for Terraform Enterprise behind a path (or an emulator). Falls back to `TFE_ADDRESS`. */
  address?: pulumi.Input<string>;
  /** A user or team API token (secret); organization tokens cannot manage SSH keys. Falls back to `tfe:token`, then `TFE_TOKEN`. */
  token?: pulumi.Input<string>;
  /** Default organization. Falls back to `tfe:organization`, then `TFE_ORGANIZATION`. */
  organization?: pulumi.Input<string>;
}

/** Arguments of {@link TfcSshKey}. */
export interface TfcSshKeyArgs {
  /** The organization. Default: the connection's organization. Changing it replaces the key. */
  organization?: pulumi.Input<string>;
  /**
   * The key's name in HCP Terraform. Updates in place. Default: the resource's logical name plus a
   * random suffix (`modules-1a2b3c4`), chosen once; a replacement then makes the new key first, under
   * a new name. This package keeps names unique in an organization (HCP Terraform does not, and two
   * keys of one name cannot be told apart in its settings), so with an explicit name a replacement
   * deletes the old key first, unless `deleteBeforeReplace: false` is set.
   */
  name?: pulumi.Input<string>;
  /**
   * The private key (secret): PEM or OpenSSH text, or base64 of it; not encrypted (runs cannot type a
   * passphrase). Checked before anything is sent. Changing it replaces the key (the API cannot change
   * a key's value); workspaces that use the key must then be pointed at the new id.
   */
  privateKey: pulumi.Input<string>;
  /**
   * Take over an existing key instead of creating one: `true` adopts the organization's only key
   * named `name`; a key id (`sshkey-...`) adopts that key and renames it to `name`. Acts on the first
   * create only. HCP Terraform never returns key text, so it cannot check that the key holds
   * `privateKey`: give the private key it was made with. With `true` and no key of that name, the
   * key is created (with a warning), so `adopt` may stay in a program. Without `adopt`, a name that
   * is already taken in the organization is an error.
   */
  adopt?: pulumi.Input<boolean | string>;
  /** Overrides the ambient connection. Stored as a secret. */
  connection?: pulumi.Input<TfcConnection>;
}

/** What {@link TfcSshKey.get} needs besides the id: where to look. */
export interface TfcSshKeyLookup {
  /** Overrides the ambient connection. Stored as a secret. */
  connection?: pulumi.Input<TfcConnection>;
}

/**
 * An SSH key in an HCP Terraform / Terraform Enterprise organization, for runs that clone private
 * Git modules.
 *
 * @example
 * ```ts
 * const key = new TfcSshKey("modules", {
 *   organization: "acme",
 *   name: "private-modules",
 *   privateKey: config.requireSecret("modulesKey"),
 * });
 * export const sshKeyId = key.sshKeyId; // assign it to workspaces
 * ```
 */
export class TfcSshKey extends pulumi.dynamic.Resource {
  /** The key's id, `sshkey-...` (also the resource id). */
  declare readonly sshKeyId: pulumi.Output<string>;
  /** The key's name in HCP Terraform. */
  declare readonly name: pulumi.Output<string>;
  /** The organization the key is in (resolved). */
  declare readonly organization: pulumi.Output<string>;
  /** Secret. */
  declare readonly privateKey: pulumi.Output<string>;
  /** The public half, as an OpenSSH line: add it as a deploy key where the modules live. */
  declare readonly publicKey: pulumi.Output<string>;
  /** `SHA256:...`. */
  declare readonly fingerprint: pulumi.Output<string>;
  /** `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, ... */
  declare readonly keyType: pulumi.Output<string>;
  /** Secret. */
  declare readonly connection: pulumi.Output<TfcConnectionArgs | undefined>;

  constructor(name: string, args: TfcSshKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        [LOGICAL_NAME]: name,
        organization: args.organization,
        name: args.name,
        privateKey: args.privateKey === undefined ? undefined : pulumi.secret(args.privateKey),
        adopt: args.adopt,
        connection: args.connection === undefined ? undefined : pulumi.secret(args.connection),
        sshKeyId: undefined,
        publicKey: undefined,
        fingerprint: undefined,
        keyType: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["privateKey", "connection"], ...replacementOrder(args.name, opts) }),
      "tfc",
      "SshKey",
    );
  }

  /**
   * Looks up an existing key by id, for keys managed elsewhere: Pulumi reads it on every `up` and
   * `refresh` and never changes or deletes it. Its outputs are `sshKeyId` and `name` (HCP Terraform
   * never returns key text, so `privateKey`, `publicKey` and `fingerprint` are undefined).
   *
   * @example
   * ```ts
   * const shared = TfcSshKey.get("shared", "sshkey-GxrePWre1Ezug7aM");
   * export const sharedName = shared.name;
   * ```
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions, lookup: TfcSshKeyLookup = {}): TfcSshKey {
    return new TfcSshKey(name, { connection: lookup.connection } as TfcSshKeyArgs, pulumi.mergeOptions(opts, { id }));
  }
}
