// TfcSshKey: an SSH private key in an HCP Terraform / Terraform Enterprise organization, used by
// runs to clone private Git modules.
//
// | operation | HTTP                                              | notes                           |
// |-----------|---------------------------------------------------|---------------------------------|
// | create    | POST /api/v2/organizations/{org}/ssh-keys         |                                 |
// | read      | GET /api/v2/ssh-keys/{id}                         | 404: gone; a rename is drift    |
// | update    | PATCH /api/v2/ssh-keys/{id}                       | name only; none for connection  |
// | delete    | DELETE /api/v2/ssh-keys/{id}                      | 404: already gone               |
//
// | argument       | on change         |
// |----------------|-------------------|
// | name           | update in place   |
// | privateKey     | replace           |
// | organization   | replace           |
// | connection     | update (no request) |
//
// The API cannot change a key's value (it never could: a key id always denotes the same key
// material), so a new private key makes a new key object; the Terraform provider's in-place `key`
// update that silently does nothing is the bug this avoids.

import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { warn } from "../core/engine-log";
import { InputError, InvalidKeyError } from "../core/errors";
import type { OperationContext, ResourceImpl } from "../core/provider";
import { containsUnknown, diffProps, inputsFrom, publicOutputs, schemaFailures } from "../core/provider";
import provider = require("../internal/tfc-ssh-key");
import { comparableKeyText, inspectPrivateKey, keyFileText } from "../ssh/keys";
import { TfcClient, explainNotFound, requireOrganization, resolveTfcSettings, tfcClientAt, tfcEndpoint, tfcMoved } from "./client";
import { TfcConnectionSchema } from "./schemas";
import type { SshKeyData, TfcConnectionArgs } from "./schemas";

/** Resolved inputs. */
export interface TfcSshKeyInputs {
  organization?: string;
  name: string;
  privateKey: string;
  adopt?: boolean | string;
  connection?: TfcConnectionArgs;
}

/** Outputs. */
export interface TfcSshKeyOutputs extends TfcSshKeyInputs {
  sshKeyId: string;
  organization: string;
  publicKey: string;
  fingerprint: string;
  keyType: string;
  /** The API address the key lives at; absent in states written before it was recorded. */
  endpoint?: string;
  /** Read by id alone (`pulumi import`, `.get`): its key text is not known until the program gives it. */
  imported?: boolean;
}

const ADOPT_RULE = "adopt must be true (adopt the key named `name`) or the id of the key to adopt (sshkey-...)";

const InputsSchema = z.object({
  organization: z.string().regex(/^[^/\s]+$/, { message: "organization must be an organization name, without '/' or spaces" }).optional(),
  name: z
    .string({ error: "name must be a string" })
    .refine((s) => s.trim().length > 0, { message: "name must not be empty" })
    .refine((s) => s === s.trim(), { message: "name has leading or trailing spaces: remove them" })
    .optional(),
  privateKey: z.string({ error: "privateKey is required: give the private key as PEM or OpenSSH text, or base64 of it" }),
  adopt: z
    .union([z.boolean(), z.string().regex(/^[^/\s]+$/, { message: ADOPT_RULE })], { error: ADOPT_RULE })
    .optional(),
  connection: TfcConnectionSchema.optional(),
});

/** The SHA256 fingerprint of a private key, or undefined when it is not (yet) a readable key. */
function fingerprintOf(privateKey: unknown): string | undefined {
  if (typeof privateKey !== "string" || containsUnknown(privateKey)) return undefined;
  try {
    return inspectPrivateKey(privateKey).fingerprint;
  } catch {
    return undefined;
  }
}

/** Parses the key; HCP Terraform needs an unencrypted one. */
function inspect(privateKey: string) {
  try {
    const info = inspectPrivateKey(privateKey);
    return info;
  } catch (error) {
    if (InvalidKeyError.isInstance(error)) {
      const reason =
        error.problem === "encrypted-no-passphrase"
          ? "the private key is encrypted, and HCP Terraform runs cannot type a passphrase: give an unencrypted key (remove the passphrase with `ssh-keygen -p -N '' -f <key file>`)"
          : error.message;
      throw new InputError("privateKey", reason, [privateKey]);
    }
    throw error;
  }
}

function organizationFor(inputs: TfcSshKeyInputs, ctx: OperationContext): { client: TfcClient; organization: string } {
  const settings = resolveTfcSettings(ctx.resource, inputs.connection, ctx);
  return { client: new TfcClient(settings), organization: requireOrganization(ctx.resource, inputs.organization, settings) };
}

function inputsOf(props: Record<string, any>): TfcSshKeyInputs {
  return inputsFrom<TfcSshKeyInputs>(props, ["organization", "name", "privateKey", "adopt", "connection"]);
}

/**
 * The key `adopt` names: by id, or the only key with the declared name. Listed fresh (not from the
 * per-process cache): adoption must see the organization as it is now.
 */
async function keyToAdopt(client: TfcClient, organization: string, inputs: TfcSshKeyInputs, ctx: OperationContext): Promise<SshKeyData | undefined> {
  const keys = await client.listSshKeys(organization);
  if (typeof inputs.adopt === "string") {
    const byId = keys.find((k) => k.id === inputs.adopt);
    // Deleted by this run: a replacement that deletes first replaced the adopted key.
    if (!byId && ctx.deletedInRun?.(inputs.adopt)) return undefined;
    if (!byId) {
      throw new InputError("adopt", `the organization '${organization}' has no SSH key with id '${inputs.adopt}' that this token can see; give the id of an existing key, or remove adopt to create a new one`);
    }
    return byId;
  }
  const named = keys.filter((k) => k.attributes.name === inputs.name);
  if (named.length === 0) return undefined;
  if (named.length > 1) {
    throw new InputError("adopt", `the organization '${organization}' has ${named.length} SSH keys named '${inputs.name}' (${named.map((k) => k.id).join(", ")}); adopt one by its id (adopt: "sshkey-...")`);
  }
  return named[0]!;
}

function takenMessage(organization: string, name: string, keys: readonly { id: string }[]): string {
  const ids = keys.map((k) => k.id);
  return (
    `the organization '${organization}' already has an SSH key named '${name}' (${ids.join(", ")}). ` +
    `To manage it with this resource, set \`adopt: ${ids.length === 1 ? "true" : `"${ids[0]}"`}\` and give the private key it holds as privateKey; or choose another name. ` +
    `If it is the key this resource is replacing, leave \`name\` out (the new key gets a new name and is made first), or let the replacement delete the old key first (the default with an explicit name; remove \`deleteBeforeReplace: false\`)`
  );
}

export function outputsFrom(inputs: TfcSshKeyInputs, key: SshKeyData, organization: string, info: { publicKey: string; fingerprint: string; keyType: string }, endpoint?: string): TfcSshKeyOutputs {
  return {
    ...inputs,
    sshKeyId: key.id,
    name: key.attributes.name,
    organization,
    publicKey: info.publicKey,
    fingerprint: info.fingerprint,
    keyType: info.keyType,
    // Where the key lives (the API address), recorded so a move is never a silent state update.
    ...(endpoint ? { endpoint } : {}),
  };
}

/** Whether `organization`'s key list holds the key `id` (named `name`); false when it cannot be listed. */
async function holdsKey(client: TfcClient, organization: string, id: string, name: unknown): Promise<boolean> {
  try {
    return (await client.sshKeyNames(organization).named(String(name ?? ""))).some((h) => h.id === id);
  } catch {
    return false;
  }
}

/** The organization (and endpoint) of a key read by id alone, when the connection's organization holds it. */
async function placeOf(client: TfcClient, key: SshKeyData, old: TfcSshKeyOutputs, ctx: OperationContext): Promise<{ organization?: string; endpoint?: string }> {
  let organization: string | undefined;
  try {
    organization = resolveTfcSettings(ctx.resource, old.connection, ctx).organization;
  } catch {
    return {};
  }
  if (!organization || !(await holdsKey(client, organization, key.id, key.attributes.name))) return {};
  return { organization, endpoint: tfcEndpoint(client.settings) };
}

/** The provider implementation, run in the Pulumi provider host. */
export const tfcSshKeyImpl: ResourceImpl = {
  resource: "TfcSshKey",
  autoName: { maxLength: 255, clean: (logical) => logical.trim() || "key" },

  secretsOf(props) {
    return [props.privateKey, comparableKeyText(props.privateKey) ?? undefined, props.connection?.token];
  },

  async check(_olds, news) {
    const failures = schemaFailures(InputsSchema, news);
    if (!failures.some((f) => f.property === "privateKey") && !containsUnknown(news.privateKey)) {
      try {
        inspect(news.privateKey);
      } catch (error) {
        if (!InputError.isInstance(error)) throw error;
        failures.push({ property: error.property, reason: error.reason });
      }
    }
    return failures.length ? { inputs: news, failures } : { inputs: news };
  },

  async diff(_id, olds, news, ctx) {
    // The organization the new inputs mean, wherever it comes from (argument, connection, config, env).
    let organization: string | undefined = news.organization;
    if (!organization && !containsUnknown(news.connection)) {
      try {
        organization = resolveTfcSettings(ctx.resource, news.connection, ctx).organization;
      } catch {
        organization = undefined;
      }
    }
    // Another HCP Terraform or Terraform Enterprise in the `connection` argument: a new key there.
    const moved = await tfcMoved(ctx.resource, _id, olds, news, ctx);
    // A key taken over by `pulumi import` has no key text nor fingerprint, and HCP Terraform never
    // returns them: as with `adopt`, the first update records the declared key, with a warning, rather
    // than replace a key that workspaces may use by its id.
    const imported = olds.imported === true;
    const unknownKey = imported && olds.privateKey === undefined && olds.fingerprint === undefined;
    // Imported without an organization in reach: the declared one is no move if it holds the key.
    const placed = imported && olds.organization === undefined && organization !== undefined && (await holdsKey(tfcClientAt(ctx.resource, _id, olds.endpoint, news.connection, ctx), organization, _id, olds.name));
    if (unknownKey && typeof news.privateKey === "string") {
      await warn(
        `TfcSshKey: HCP Terraform never returns a key's text, so the privateKey given for ${_id} ('${String(olds.name ?? "")}') is recorded without being checked against the key it holds. ` +
          "Give the private key it was made with; to upload a new one instead, run `pulumi up --replace` on this resource.",
      );
    }
    const result = diffProps(olds, { ...news, organization: organization ?? olds.organization }, [
      { name: "name" },
      // A create that made the key and then failed kept no private key (secrets are never in an
      // error): the fingerprint it kept says whether the declared key is the one uploaded.
      { name: "privateKey", replaces: !unknownKey, equal: (a, b) => (a === undefined && typeof olds.fingerprint === "string" ? fingerprintOf(b) === olds.fingerprint : comparableKeyText(a) === comparableKeyText(b)) },
      { name: "organization", replaces: true, equal: (a, b) => a === b || placed },
      { name: "connection" },
    ]);
    if (moved) return { ...result, changes: true, replaces: [...new Set([...(result.replaces ?? []), "connection"])] };
    return result;
  },

  async create(raw, ctx) {
    const inputs = inputsOf(raw);
    const info = inspect(inputs.privateKey);
    const { client, organization } = organizationFor(inputs, ctx);
    let key: SshKeyData;
    let adoptedKey = false;
    // HCP Terraform allows one name twice; this package does not (which key is whose?): claim the
    // name in this process, then decide from what the organization holds.
    const names = client.sshKeyNames(organization);
    const release = names.claim(inputs.name, `an SSH key in '${organization}'`);
    try {
      // A replacement sees `adopt` again (the engine checks it without the old inputs): deleting first,
      // it finds nothing and creates; creating first, it takes over the old key, which the
      // replacement's delete then leaves alone (core/provider.ts).
      const adopted = inputs.adopt !== undefined && inputs.adopt !== false ? await keyToAdopt(client, organization, inputs, ctx) : undefined;
      // `adopt: true` may stay in a program after the key it took over was deleted: make it again.
      if (inputs.adopt !== undefined && inputs.adopt !== false && !adopted) {
        await warn(
          inputs.adopt === true
            ? `TfcSshKey: adopt is set, but the organization '${organization}' has no SSH key named '${inputs.name}' to adopt: creating it`
            : `TfcSshKey: the key adopt names, ${String(inputs.adopt)}, was deleted by this replacement: creating a new one`,
        );
      }
      if (adopted) {
        key = adopted;
        adoptedKey = true;
        if (key.attributes.name !== inputs.name) key = await client.renameSshKey(key.id, inputs.name);
        await names.renamed(key.id, key.attributes.name);
      } else {
        // A name is one key's. (A replacement gets a new name, or deletes the old key first: see
        // TfcSshKeyArgs.name.) The listing may be older than the run: a holder is confirmed before
        // the name is refused.
        const others = [];
        for (const holder of await names.named(inputs.name)) {
          const live = await client.getSshKey(holder.id);
          if (live?.attributes.name === inputs.name) others.push(holder);
          else if (live) await names.renamed(live.id, live.attributes.name);
          else await names.removed(holder.id);
        }
        if (others.length) throw new InputError("name", takenMessage(organization, inputs.name, others));
        key = await client.createSshKey(organization, inputs.name, keyFileText(info.text), names, (k) => ({
          id: k.id,
          properties: publicOutputs(outputsFrom(inputs, k, organization, info, tfcEndpoint(client.settings)), ["privateKey"]),
        }));
      }
    } catch (error) {
      // A made key whose answer was unreadable carries its id (createOwned, in createSshKey).
      explainNotFound(error, organization);
      throw error;
    } finally {
      release();
    }
    return { id: key.id, outs: outputsFrom(inputs, key, organization, info, tfcEndpoint(client.settings)), ...(adoptedKey ? { adopted: true } : {}) };
  },

  async read(id, props, ctx) {
    const old = props as TfcSshKeyOutputs;
    const client = tfcClientAt(ctx.resource, id, old.endpoint, old.connection, ctx);
    const key = await client.getSshKey(id);
    if (!key) {
      // A lookup (`TfcSshKey.get`) of a key that is not there is an error.
      if (!old.sshKeyId) throw new InputError("id", `HCP Terraform has no SSH key '${id}', or this token cannot see it`);
      // HCP Terraform answers 404 both for a deleted key and for a token that may not see SSH keys:
      // a refresh forgets the key only once the organization's key list, which that token cannot
      // read either, shows it is gone.
      await client.confirmGone(id, old.organization);
      return {};
    }
    const inputs = inputsOf(old);
    if (key.attributes.name !== old.name) inputs.name = key.attributes.name;
    // A read by id alone (`pulumi import`, `.get`): HCP Terraform's answer names no organization. The
    // connection's organization is recorded (with where the key lives) when its key list holds this
    // key, so the first `up` of the imported key is not a move to "another" organization.
    const place = old.sshKeyId || old.organization ? {} : { ...(await placeOf(client, key, old, ctx)), imported: true };
    return { id, props: { ...old, ...place, name: key.attributes.name, sshKeyId: key.id }, inputs };
  },

  async update(id, olds, news, ctx) {
    const inputs = inputsOf(news);
    // A create that made the key and then failed left only what it knew (before this version,
    // nothing): the organization and name then come from the new inputs.
    const old = { ...(olds as TfcSshKeyOutputs) };
    const client = tfcClientAt(ctx.resource, id, old.endpoint, inputs.connection, ctx);
    if (!old.organization) old.organization = organizationFor(inputs, ctx).organization;
    if (old.name === undefined && !old.sshKeyId) old.name = "";
    const info = inspect(inputs.privateKey);
    let key: SshKeyData = { id, attributes: { name: old.name } };
    if (inputs.name !== old.name) {
      try {
        key = await client.renameSshKey(id, inputs.name);
        await client.sshKeyNames(old.organization).renamed(id, key.attributes.name);
      } catch (error) {
        explainNotFound(error, old.organization);
        throw error;
      }
    }
    return { outs: outputsFrom(inputs, key, old.organization, info, tfcEndpoint(client.settings)) };
  },

  async delete(id, props, ctx) {
    const old = props as TfcSshKeyOutputs;
    const client = tfcClientAt(ctx.resource, id, old.endpoint, old.connection, ctx);
    await client.deleteSshKey(id);
    if (old.organization) await client.sshKeyNames(old.organization).removed(id);
  },
};

/** @internal Exposed for tests: the object Pulumi serializes. */
export const tfcSshKeyProvider: pulumi.dynamic.ResourceProvider = provider;
