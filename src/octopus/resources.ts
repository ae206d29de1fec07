// The Octopus Deploy resources as a program declares them: the classes and their argument types, and
// nothing that serves them. The implementations (ssh-account.ts, api-key.ts) run in the provider host
// only, loaded there by kind (src/internal/providers.ts); a program never loads them, nor undici, zod
// or sshpk.

import * as pulumi from "@pulumi/pulumi";
import type { TlsConnectionArgs } from "../core/connection";
import { LOGICAL_NAME, replacementOrder } from "../core/resource-options";
import accountProvider = require("../internal/octopus-ssh-account");
import apiKeyProvider = require("../internal/octopus-api-key");
import type { OctopusConnectionArgs, TenantedDeploymentParticipation } from "./schemas";

/** @internal Outputs of OctopusSshAccount that are secrets (also in additionalSecretOutputs). */
export const SSH_ACCOUNT_SECRET_OUTPUTS = ["privateKey", "privateKeyPassphrase", "connection"];

/** Connection settings for the Octopus resources. Every field falls back to stack config, then the environment. */
export interface OctopusConnection extends TlsConnectionArgs {
  /** Server URL, e.g. `https://octopus.example.com`. Falls back to `octopusdeploy:address`, then `OCTOPUS_URL`. */
  serverUrl?: pulumi.Input<string>;
  /** API key (secret). Falls back to `octopusdeploy:apiKey`, then `OCTOPUS_API_KEY` / `OCTOPUS_APIKEY`. */
  apiKey?: pulumi.Input<string>;
  /** Username to log in with when there is no API key (with `password`). Falls back to `OCTOPUS_USERNAME`. */
  username?: pulumi.Input<string>;
  /** Password to log in with (secret). Falls back to `OCTOPUS_PASSWORD`. */
  password?: pulumi.Input<string>;
  /** Default space (id or name) for resources that do not set `space`. Falls back to `octopusdeploy:spaceId`, then `OCTOPUS_SPACE`. */
  space?: pulumi.Input<string>;
}

/** Arguments of {@link OctopusSshAccount}. */
export interface OctopusSshAccountArgs {
  /**
   * Account name, unique in its space. Updates in place. Default: the resource's logical name plus a
   * random suffix (`deploy-1a2b3c4`), chosen once; a replacement then makes the new account first,
   * under a new name. With an explicit name a replacement deletes the old account first (Octopus
   * refuses two accounts of one name in a space), unless `deleteBeforeReplace: false` is set.
   */
  name?: pulumi.Input<string>;
  /** The SSH username deployments log in as. Updates in place. */
  username: pulumi.Input<string>;
  /**
   * The private key (secret): PEM (PKCS#1, PKCS#8, SEC1) or OpenSSH text, or that text base64-encoded.
   * Sent to Octopus as base64 of the key file text, never double-encoded. Changing it rotates the key
   * in place (same account id).
   */
  privateKey: pulumi.Input<string>;
  /** Passphrase of an encrypted private key (secret). Checked before anything is sent. */
  privateKeyPassphrase?: pulumi.Input<string>;
  /** Free text. */
  description?: pulumi.Input<string>;
  /** Environments the account may be used in; empty means all. */
  environmentIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** Tenants the account may be used for. */
  tenantIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** Tenant tags, as canonical `TagSet/Tag` names. */
  tenantTags?: pulumi.Input<pulumi.Input<string>[]>;
  /** @default "Untenanted" */
  tenantedDeploymentParticipation?: pulumi.Input<TenantedDeploymentParticipation>;
  /** Space id (`Spaces-1`) or name. Default: the connection's space, else the server's default space. Changing it replaces the account. */
  space?: pulumi.Input<string>;
  /**
   * Take over an existing account instead of creating one: `true` adopts the account named `name` in
   * the space; an account id (`Accounts-12`) adopts that account. Everything this resource declares
   * (name, username, the private key, scoping) is then written to it, and it is managed, and deleted
   * by `destroy`, like one this resource made. Acts on the first create only. With `true` and no
   * account of that name, the account is created (with a warning), so `adopt` may stay in a program.
   * Without `adopt`, a name that is already taken gives an error that names the account.
   */
  adopt?: pulumi.Input<boolean | string>;
  /** Overrides the ambient connection (stack config, environment). Stored as a secret. */
  connection?: pulumi.Input<OctopusConnection>;
}

/** What {@link OctopusSshAccount.get} needs besides the id: where to look. */
export interface OctopusSshAccountLookup {
  /** Space id or name. Default: the connection's space, else the server's default space. */
  space?: pulumi.Input<string>;
  /** Overrides the ambient connection. Stored as a secret. */
  connection?: pulumi.Input<OctopusConnection>;
}

/**
 * An SSH key pair account in Octopus Deploy.
 *
 * @example
 * ```ts
 * const account = new OctopusSshAccount("deploy", {
 *   name: "Deploy over SSH",
 *   username: "deploy",
 *   privateKey: config.requireSecret("deployKey"), // PEM or OpenSSH text, or base64 of it
 *   environmentIds: ["Environments-1"],
 * });
 * export const fingerprint = account.fingerprint;
 * ```
 */
export class OctopusSshAccount extends pulumi.dynamic.Resource {
  /** The account name, as Octopus holds it. */
  declare readonly name: pulumi.Output<string>;
  /** The SSH username deployments log in as. */
  declare readonly username: pulumi.Output<string>;
  /** Secret. */
  declare readonly privateKey: pulumi.Output<string>;
  /** Secret. */
  declare readonly privateKeyPassphrase: pulumi.Output<string | undefined>;
  /** Free text. */
  declare readonly description: pulumi.Output<string | undefined>;
  /** Environments the account may be used in; empty means all. */
  declare readonly environmentIds: pulumi.Output<string[] | undefined>;
  /** Tenants the account may be used for. */
  declare readonly tenantIds: pulumi.Output<string[] | undefined>;
  /** Tenant tags (`TagSet/Tag`). */
  declare readonly tenantTags: pulumi.Output<string[] | undefined>;
  /** `Untenanted`, `Tenanted` or `TenantedOrUntenanted`. */
  declare readonly tenantedDeploymentParticipation: pulumi.Output<TenantedDeploymentParticipation | undefined>;
  /** The space as given (id or name); see `spaceId` for the resolved id. */
  declare readonly space: pulumi.Output<string | undefined>;
  /** The account id, `Accounts-N` (also the resource id). */
  declare readonly accountId: pulumi.Output<string>;
  /** The space the account lives in, `Spaces-N`. */
  declare readonly spaceId: pulumi.Output<string>;
  /** The account's slug, where the server has slugs (2021.1 and later). */
  declare readonly slug: pulumi.Output<string | null>;
  /** The public half, as an OpenSSH line (`ssh-ed25519 AAAA...`), for authorized_keys. */
  declare readonly publicKey: pulumi.Output<string>;
  /** `SHA256:...`, as `ssh-keygen -l` prints it. */
  declare readonly fingerprint: pulumi.Output<string>;
  /** `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, ... */
  declare readonly keyType: pulumi.Output<string>;
  /** Secret. */
  declare readonly connection: pulumi.Output<OctopusConnectionArgs | undefined>;

  constructor(name: string, args: OctopusSshAccountArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      accountProvider,
      name,
      {
        [LOGICAL_NAME]: name,
        name: args.name,
        username: args.username,
        privateKey: args.privateKey === undefined ? undefined : pulumi.secret(args.privateKey),
        privateKeyPassphrase: args.privateKeyPassphrase === undefined ? undefined : pulumi.secret(args.privateKeyPassphrase),
        description: args.description,
        environmentIds: args.environmentIds,
        tenantIds: args.tenantIds,
        tenantTags: args.tenantTags,
        tenantedDeploymentParticipation: args.tenantedDeploymentParticipation,
        space: args.space,
        adopt: args.adopt,
        connection: args.connection === undefined ? undefined : pulumi.secret(args.connection),
        accountId: undefined,
        spaceId: undefined,
        slug: undefined,
        publicKey: undefined,
        fingerprint: undefined,
        keyType: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: SSH_ACCOUNT_SECRET_OUTPUTS, ...replacementOrder(args.name, opts) }),
      "octopus",
      "SshAccount",
    );
  }

  /**
   * Looks up an existing account by id, for accounts managed elsewhere: Pulumi reads it on every `up`
   * and `refresh` and never changes or deletes it. Octopus never returns the private key, so
   * `privateKey`, `publicKey` and `fingerprint` are undefined; the rest is as Octopus holds it.
   *
   * @example
   * ```ts
   * const shared = OctopusSshAccount.get("shared", "Accounts-12", undefined, { space: "Default" });
   * export const sharedUsername = shared.username;
   * ```
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions, lookup: OctopusSshAccountLookup = {}): OctopusSshAccount {
    return new OctopusSshAccount(name, { space: lookup.space, connection: lookup.connection } as OctopusSshAccountArgs, pulumi.mergeOptions(opts, { id }));
  }
}

/** What {@link OctopusApiKey.get} needs besides the key's id: whose key, and where. */
export interface OctopusApiKeyLookup {
  /** The owner (`Users-N`, or a username). Default: the user the connection authenticates as. */
  user?: pulumi.Input<string>;
  /** Overrides the ambient connection. Stored as a secret. */
  connection?: pulumi.Input<OctopusConnection>;
}

/** Arguments of {@link OctopusApiKey}. */
export interface OctopusApiKeyArgs {
  /** What the key is for, shown in the Octopus portal. Changing it replaces the key. */
  purpose: pulumi.Input<string>;
  /**
   * Expiry: a date, ISO 8601 (`2027-01-31` or `2027-01-31T00:00:00Z`), or a lifetime counted from the
   * key's creation (`"90d"`, `"12h"`; units may be combined, `"1d12h"`), which every replacement key
   * gets anew. Default: the server's default (180 days on current servers). Changing it replaces the
   * key. An expired key is replaced on the next `up`; one whose explicit date has passed is kept, with
   * a warning saying how to renew it, so the rest of the stack goes on.
   */
  expires?: pulumi.Input<string>;
  /**
   * Replace the key once it is this close to expiring (`"14d"`), on the first `preview` or `up` after
   * that, saying "renewal due since ...": the new key is made before the old one is revoked, and
   * every consumer of `apiKey` is updated in the same `up`. Needs an expiry (given or the server's).
   */
  renewBefore?: pulumi.Input<string>;
  /** Replace the key once it is this old (`"90d"`), whatever its expiry, saying "rotation due since ...". */
  rotateAfter?: pulumi.Input<string>;
  /** The user (`Users-N`, or a username). Default: the user the connection authenticates as. Changing it replaces the key. */
  user?: pulumi.Input<string>;
  /** Overrides the ambient connection: an API key, or a username and password to log in with. Stored as a secret. */
  connection?: pulumi.Input<OctopusConnection>;
}

/**
 * An Octopus Deploy API key.
 *
 * @example
 * ```ts
 * // The first key of a new server: log in with the admin's username and password.
 * const key = new OctopusApiKey("automation", {
 *   purpose: "Pulumi automation",
 *   connection: { serverUrl: "https://octopus.example.com", username: "admin", password: config.requireSecret("adminPassword") },
 * });
 * export const apiKey = key.apiKey; // secret
 * ```
 */
export class OctopusApiKey extends pulumi.dynamic.Resource {
  /** The key, `API-...` (secret). */
  declare readonly apiKey: pulumi.Output<string>;
  /** The key's id, `apikeys-...` (also the resource id). */
  declare readonly apiKeyId: pulumi.Output<string>;
  /** The owner, `Users-N`. */
  declare readonly userId: pulumi.Output<string>;
  /** What the key is for, as shown in the Octopus portal. */
  declare readonly purpose: pulumi.Output<string>;
  /** When Octopus created it (ISO 8601). */
  declare readonly created: pulumi.Output<string | null>;
  /** When it expires (ISO 8601), as Octopus reports it. */
  declare readonly expires: pulumi.Output<string | undefined>;
  /** The user as given (id or username); see `userId` for the resolved id. */
  declare readonly user: pulumi.Output<string | undefined>;
  /** Secret. */
  declare readonly connection: pulumi.Output<OctopusConnectionArgs | undefined>;

  constructor(name: string, args: OctopusApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      apiKeyProvider,
      name,
      {
        purpose: args.purpose,
        expires: args.expires,
        renewBefore: args.renewBefore,
        rotateAfter: args.rotateAfter,
        user: args.user,
        connection: args.connection === undefined ? undefined : pulumi.secret(args.connection),
        apiKey: undefined,
        apiKeyId: undefined,
        userId: undefined,
        created: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["apiKey", "connection"] }),
      "octopus",
      "ApiKey",
    );
  }

  /**
   * Looks up an existing API key by id, for keys managed elsewhere: Pulumi reads it on every `up` and
   * `refresh` and never revokes it. Octopus shows a key's value only when it is created, so `apiKey`
   * is undefined; `purpose`, `created` and `expires` are as Octopus holds them (use it to watch an
   * expiry).
   *
   * @example
   * ```ts
   * const ci = OctopusApiKey.get("ci", "apikeys-3b4f5c", undefined, { user: "ci-bot" });
   * export const ciKeyExpires = ci.expires;
   * ```
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions, lookup: OctopusApiKeyLookup = {}): OctopusApiKey {
    return new OctopusApiKey(name, { user: lookup.user, connection: lookup.connection } as OctopusApiKeyArgs, pulumi.mergeOptions(opts, { id }));
  }
}
