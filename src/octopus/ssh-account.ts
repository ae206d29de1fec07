// OctopusSshAccount: an SSH key pair account in an Octopus Deploy space.
//
// | operation | HTTP                                   | notes                                            |
// |-----------|----------------------------------------|--------------------------------------------------|
// | create    | POST /api/{spaceId}/accounts           | + one space lookup per process for a space name  |
// | read      | GET /api/{spaceId}/accounts/{id}       | 404: gone; drift in name, username, scoping      |
// | update    | PUT /api/{spaceId}/accounts/{id}       | everything but `space`; none if only `connection`|
// | delete    | DELETE /api/{spaceId}/accounts/{id}    | 404: already gone                                |
//
// | argument                                    | on change          |
// |---------------------------------------------|--------------------|
// | space                                       | replace            |
// | every other argument, including privateKey  | update in place    |
// | connection                                  | update (state only)|
//
// The private key goes to Octopus as base64 of the key file text (seed 000: sending the PEM text
// itself "works" and then fails every health check). We accept PEM or OpenSSH text, or that text
// already base64-encoded, and never double-encode. An unchanged key is sent as {HasValue: true} with
// no NewValue, so Octopus keeps it; a rotated key keeps the account id.

import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { warn } from "../core/engine-log";
import { HttpError, InputError, InvalidKeyError, ResponseValidationError, isNotFound } from "../core/errors";
import type { OperationContext, ResourceImpl } from "../core/provider";
import { createOwned } from "../core/ownership";
import { containsUnknown, diffProps, inputsFrom, publicOutputs, sameResolved, schemaFailures } from "../core/provider";
import provider = require("../internal/octopus-ssh-account");
import { comparableKeyText, inspectPrivateKey, keyFileText, toBase64 } from "../ssh/keys";
import { OctopusClient, octopusClientAt, octopusMoved, resolveOctopusSettings } from "./client";
import { OctopusConnectionSchema, TENANTED_PARTICIPATION } from "./schemas";
import type { Account, OctopusConnectionArgs, SensitiveValue, SshAccountBody, TenantedDeploymentParticipation } from "./schemas";

/** Resolved inputs, as the provider receives them. */
export interface SshAccountInputs {
  name: string;
  username: string;
  privateKey: string;
  privateKeyPassphrase?: string;
  description?: string;
  environmentIds?: string[];
  tenantIds?: string[];
  tenantTags?: string[];
  tenantedDeploymentParticipation?: TenantedDeploymentParticipation;
  space?: string;
  adopt?: boolean | string;
  connection?: OctopusConnectionArgs;
}

/** Outputs: the inputs, plus what Octopus and the key say. */
export interface SshAccountOutputs extends SshAccountInputs {
  accountId: string;
  spaceId: string;
  slug: string | null;
  /** The server the account lives on (normalized URL); absent in states written before it was recorded. */
  endpoint?: string;
  publicKey: string;
  fingerprint: string;
  keyType: string;
}

const INPUT_KEYS = [
  "name",
  "username",
  "privateKey",
  "privateKeyPassphrase",
  "description",
  "environmentIds",
  "tenantIds",
  "tenantTags",
  "tenantedDeploymentParticipation",
  "space",
  "adopt",
  "connection",
] as const;

/** Outputs that are secrets (also in additionalSecretOutputs). */
const SECRET_OUTPUTS = ["privateKey", "privateKeyPassphrase", "connection"];

const nonBlank = (what: string) =>
  z.string({ error: `${what} must be a string` }).refine((s) => s.trim().length > 0, { message: `${what} must not be empty` });

const idList = (what: string) =>
  z.array(z.string().refine((s) => s.trim().length > 0, { message: `${what} entries must not be empty` }), { error: `${what} must be a list of strings` });

const ADOPT_RULE = "adopt must be true (adopt the account named `name`) or the id of the account to adopt (Accounts-N)";

const InputsSchema = z.object({
  name: nonBlank("name")
    .refine((s) => s === s.trim(), { message: "name has leading or trailing spaces; Octopus trims names, so it would show as a change on every preview: remove them" })
    .refine((s) => s.length <= 200, { message: "name is longer than 200 characters" })
    .optional(),
  username: nonBlank("username"),
  privateKey: z.string({ error: "privateKey is required: give the private key as PEM or OpenSSH text, or base64 of it" }),
  privateKeyPassphrase: z.string().optional(),
  description: z.string().optional(),
  environmentIds: idList("environmentIds").optional(),
  tenantIds: idList("tenantIds").optional(),
  tenantTags: z
    .array(z.string().regex(/^[^/]+\/[^/]+$/, { message: "tenant tags are canonical names like 'Region/EU' (TagSet/Tag)" }))
    .optional(),
  tenantedDeploymentParticipation: z.enum(TENANTED_PARTICIPATION, { error: `tenantedDeploymentParticipation must be one of ${TENANTED_PARTICIPATION.join(", ")}` }).optional(),
  space: nonBlank("space").optional(),
  adopt: z.union([z.boolean(), z.string().regex(/^Accounts-\d+$/, { message: ADOPT_RULE })], { error: ADOPT_RULE }).optional(),
  connection: OctopusConnectionSchema.optional(),
});

/** The canonical form of the fields Octopus stores, for diffs and request bodies. */
export function remoteFields(p: Partial<SshAccountInputs>) {
  return {
    Name: p.name ?? "",
    Username: p.username ?? "",
    Description: p.description ?? "",
    EnvironmentIds: [...(p.environmentIds ?? [])].sort(),
    TenantIds: [...(p.tenantIds ?? [])].sort(),
    TenantTags: [...(p.tenantTags ?? [])].sort(),
    TenantedDeploymentParticipation: p.tenantedDeploymentParticipation ?? "Untenanted",
  };
}

function listEqual(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (Array.isArray(v) ? [...v].map(String).sort() : []);
  const x = norm(a);
  const y = norm(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function client(inputs: { connection?: OctopusConnectionArgs }, ctx: OperationContext): OctopusClient {
  return new OctopusClient(resolveOctopusSettings(ctx.resource, inputs.connection, ctx));
}

/** Parses the key (again: cheap) and maps key problems to the argument they are about. */
function inspect(inputs: SshAccountInputs) {
  try {
    return inspectPrivateKey(inputs.privateKey, inputs.privateKeyPassphrase || undefined);
  } catch (error) {
    if (InvalidKeyError.isInstance(error)) {
      const problem = (error as InvalidKeyError).problem;
      const property = problem === "wrong-passphrase" || problem === "encrypted-no-passphrase" || problem === "passphrase-not-needed" ? "privateKeyPassphrase" : "privateKey";
      throw new InputError(property, error.message, [inputs.privateKey, inputs.privateKeyPassphrase]);
    }
    throw error;
  }
}

function sensitiveNew(value: string): SensitiveValue {
  return { HasValue: true, NewValue: value };
}

export function outputsFrom(inputs: SshAccountInputs, account: Account, spaceId: string, key: { publicKey: string; fingerprint: string; keyType: string }, endpoint?: string): SshAccountOutputs {
  return {
    ...inputs,
    // Where the account lives (the server URL), recorded so a move is never a silent state update.
    ...(endpoint ? { endpoint } : {}),
    accountId: account.Id,
    spaceId: account.SpaceId ?? spaceId,
    slug: account.Slug ?? null,
    publicKey: key.publicKey,
    fingerprint: key.fingerprint,
    keyType: key.keyType,
  };
}

function inputsOf(props: Record<string, any>): SshAccountInputs {
  return inputsFrom<SshAccountInputs>(props, INPUT_KEYS);
}

/** The account `adopt` names: by id, or by name in the space. It must be an SSH key pair account. */
async function accountToAdopt(octopus: OctopusClient, spaceId: string, inputs: SshAccountInputs, ctx: OperationContext): Promise<Account | undefined> {
  const byId = typeof inputs.adopt === "string";
  const found = byId ? await octopus.getAccount(spaceId, inputs.adopt as string) : await octopus.findAccountByName(spaceId, inputs.name);
  // By name, nothing to adopt means create (`adopt: true` may stay in a program); a given id must
  // exist, unless this run deleted it (a replacement that deletes first: the account is replaced).
  if (!found && !byId) return undefined;
  if (!found && ctx.deletedInRun?.(inputs.adopt as string)) return undefined;
  if (!found) {
    throw new InputError("adopt", `there is no account '${String(inputs.adopt)}' in ${spaceId} that these credentials can see; give the id of an existing account, or remove adopt to create a new one`);
  }
  if (found.AccountType !== "SshKeyPair") {
    throw new InputError("adopt", `account ${found.Id} ('${found.Name}') is a ${found.AccountType} account, not an SSH key pair: adopt an SSH key pair account, or choose another name`);
  }
  return found;
}

/** The account's stored fields in the canonical form of `remoteFields`. */
function storedFields(account: Account) {
  return remoteFields({
    name: account.Name,
    username: account.Username ?? "",
    description: account.Description ?? "",
    environmentIds: account.EnvironmentIds ?? [],
    tenantIds: account.TenantIds ?? [],
    tenantTags: account.TenantTags ?? [],
    tenantedDeploymentParticipation: (account.TenantedDeploymentParticipation ?? "Untenanted") as TenantedDeploymentParticipation,
  });
}

/**
 * Why an account found under the declared name does not hold what a create with these inputs sends
 * (undefined when it does): the one judgement of "is this the create's work" that create (after an
 * ambiguous POST) and recovery (after a killed `pulumi up`) share. Octopus never returns the key, so
 * the type, name and settings are compared.
 */
export function accountMismatch(account: Account, inputs: SshAccountInputs): string | undefined {
  if (account.AccountType !== "SshKeyPair") return `it is a ${account.AccountType} account`;
  const stored = storedFields(account);
  const declared = remoteFields(inputs);
  const differ = (Object.keys(declared) as (keyof typeof declared)[]).filter((k) => JSON.stringify(stored[k]) !== JSON.stringify(declared[k]));
  return differ.length ? `its ${differ.join(", ")} differ` : undefined;
}

function takenMessage(account: Account, spaceId: string): string {
  return (
    `the name is taken by ${account.AccountType === "SshKeyPair" ? "the SSH key pair account" : `the ${account.AccountType} account`} ${account.Id} in ${spaceId}. ` +
    (account.AccountType === "SshKeyPair" ? `To manage that account with this resource, set \`adopt: true\` (or \`adopt: "${account.Id}"\`); or choose another name` : "Choose another name") +
    `. If it is the account this resource is replacing, names are unique in a space: leave \`name\` out (the new account gets a new name and is made first), or let the replacement delete the old account first (the default with an explicit name; remove \`deleteBeforeReplace: false\`)`
  );
}

/** The provider implementation, run in the Pulumi provider host. */
export const sshAccountImpl: ResourceImpl = {
  resource: "OctopusSshAccount",
  autoName: { maxLength: 200, clean: (logical) => logical.trim() || "account" },

  secretsOf(props) {
    return [props.privateKey, comparableKeyText(props.privateKey) ?? undefined, props.privateKeyPassphrase, props.connection?.apiKey, props.connection?.password];
  },

  async check(_olds, news) {
    const failures = schemaFailures(InputsSchema, news);
    const bad = new Set(failures.map((f) => f.property.split(".")[0]));
    const inputs = news as SshAccountInputs;
    // The key and its passphrase, checked together, unless either is not known yet.
    if (!bad.has("privateKey") && !bad.has("privateKeyPassphrase") && !containsUnknown(inputs.privateKey) && !containsUnknown(inputs.privateKeyPassphrase)) {
      try {
        inspect(inputs);
      } catch (error) {
        if (!InputError.isInstance(error)) throw error;
        failures.push({ property: (error as InputError).property, reason: (error as InputError).reason });
      }
    }
    // Tenants and tags only make sense on a tenanted account; Octopus would store them and ignore them.
    const tenanted = inputs.tenantedDeploymentParticipation ?? "Untenanted";
    const scoped = (Array.isArray(inputs.tenantIds) && inputs.tenantIds.length > 0) || (Array.isArray(inputs.tenantTags) && inputs.tenantTags.length > 0);
    if (scoped && tenanted === "Untenanted" && !containsUnknown(inputs.tenantedDeploymentParticipation)) {
      failures.push({
        property: "tenantedDeploymentParticipation",
        reason: "tenantIds or tenantTags are set but the account is Untenanted; set tenantedDeploymentParticipation to \"Tenanted\" or \"TenantedOrUntenanted\"",
      });
    }
    return failures.length ? { inputs: news, failures } : { inputs: news };
  },

  async diff(_id, olds, news, ctx) {
    // Naming the same space by id, by name or not at all (the default) is not a move.
    const sameSpace = await sameResolved(olds.space, news.space, olds.spaceId, (space) => client(news, ctx).resolveSpaceId(space));
    const moved = await octopusMoved(ctx.resource, _id, olds, news, ctx);
    const result = diffProps(olds, news, [
      { name: "name" },
      { name: "username" },
      { name: "privateKey", equal: (a, b) => comparableKeyText(a) === comparableKeyText(b) },
      { name: "privateKeyPassphrase", equal: (a, b) => (a || null) === (b || null) },
      { name: "description", equal: (a, b) => (a ?? "") === (b ?? "") },
      { name: "environmentIds", equal: listEqual },
      { name: "tenantIds", equal: listEqual },
      { name: "tenantTags", equal: listEqual },
      { name: "tenantedDeploymentParticipation", equal: (a, b) => (a ?? "Untenanted") === (b ?? "Untenanted") },
      { name: "space", replaces: true, equal: () => sameSpace },
      { name: "connection" },
    ]);
    // Another server in the `connection` argument: a new account there, the old one deleted here.
    if (moved) return { ...result, changes: true, replaces: [...new Set([...(result.replaces ?? []), "connection"])] };
    return result;
  },

  async create(raw, ctx) {
    const inputs = inputsOf(raw);
    const key = inspect(inputs);
    const octopus = client(inputs, ctx);
    const spaceId = await octopus.resolveSpaceId(inputs.space);
    const body: SshAccountBody = {
      SpaceId: spaceId,
      AccountType: "SshKeyPair",
      ...remoteFields(inputs),
      PrivateKeyFile: sensitiveNew(toBase64(keyFileText(key.text))),
      PrivateKeyPassphrase: inputs.privateKeyPassphrase ? sensitiveNew(inputs.privateKeyPassphrase) : null,
    };
    let account: Account;
    // Names are unique in a space: claim this one in this process, then decide from what existed.
    const names = octopus.accountNames(spaceId);
    const release = names.claim(inputs.name, `an account in ${spaceId}`);
    try {
      // A replacement sees `adopt` again (the engine checks it without the old inputs): deleting first,
      // it finds nothing and creates; creating first, it takes over the old account, which the
      // replacement's delete then leaves alone (core/provider.ts).
      const existing = inputs.adopt !== undefined && inputs.adopt !== false ? await accountToAdopt(octopus, spaceId, inputs, ctx) : undefined;
      if (inputs.adopt !== undefined && inputs.adopt !== false && !existing) {
        await warn(
          inputs.adopt === true
            ? `OctopusSshAccount: adopt is set, but there is no account named '${inputs.name}' in ${spaceId} to adopt: creating it`
            : `OctopusSshAccount: the account adopt names, ${String(inputs.adopt)}, was deleted by this replacement: creating a new one`,
        );
      }
      if (existing) {
        // Octopus cannot show the key it holds, so the declared one is always written.
        account = await octopus.updateAccount(spaceId, existing.Id, {
          ...body,
          Id: existing.Id,
          ...(existing.Slug ? { Slug: existing.Slug } : {}),
          PrivateKeyPassphrase: inputs.privateKeyPassphrase ? sensitiveNew(inputs.privateKeyPassphrase) : { HasValue: false },
        });
        await names.renamed(account.Id, account.Name);
        return { id: account.Id, outs: outputsFrom(inputs, account, spaceId, key, octopus.settings.serverUrl), adopted: true };
      }
      // Octopus refuses a taken name itself (400, handled below); the listing only has to know what
      // existed, for the proof after an ambiguous POST.
      try {
        await names.named(inputs.name);
        account = await createOwned(() => octopus.postAccount(spaceId, body), {
          kind: "Octopus account",
          find: () => octopus.findAccountByName(spaceId, body.Name),
          existedBefore: (a) => names.knows(a.Id),
          mismatch: (a) => accountMismatch(a, inputs),
          describe: (a) => `${a.Id} ('${a.Name}') in ${spaceId}`,
          adoptHint: (a) => (a.AccountType === "SshKeyPair" ? `set \`adopt: "${a.Id}"\`` : "delete it first (it is not an SSH key pair account)"),
          record: (a) => ({ id: a.Id, properties: publicOutputs(outputsFrom(inputs, a, spaceId, key, octopus.settings.serverUrl), SECRET_OUTPUTS) }),
        });
      } catch (error) {
        // A taken name: say which account has it and how to take it over.
        if (HttpError.isInstance(error) && error.status === 400) {
          const taken = await octopus.findAccountByName(spaceId, body.Name).catch(() => undefined);
          if (taken) error.message += ` (${takenMessage(taken, spaceId)})`;
        }
        // A made account whose answer was unreadable carries its id (createOwned): nothing to add here.
        if (ResponseValidationError.isInstance(error)) throw error;
        // Space ids are used as given (no lookup): an unknown one surfaces here, before anything exists.
        if (isNotFound(error)) {
          throw new InputError("space", `Octopus space '${spaceId}' does not exist, or these credentials cannot see it (${(error as Error).message})`);
        }
        throw error;
      }
      await names.added({ id: account.Id, name: account.Name, type: account.AccountType });
    } finally {
      release();
    }
    return { id: account.Id, outs: outputsFrom(inputs, account, spaceId, key, octopus.settings.serverUrl) };
  },

  async read(id, props, ctx) {
    const old = props as Partial<SshAccountOutputs>;
    const octopus = octopusClientAt(ctx.resource, id, old.endpoint, old.connection, ctx);
    const spaceId = old.spaceId ?? (await octopus.resolveSpaceId(old.space));
    const account = await octopus.getAccount(spaceId, id);
    if (!account || account.AccountType !== "SshKeyPair") {
      // A lookup (`OctopusSshAccount.get`) of an account that is not there is an error; a refresh forgets it.
      if (!old.accountId) throw new InputError("id", account ? `account ${id} in ${spaceId} is a ${account.AccountType} account, not an SSH key pair` : `there is no account ${id} in ${spaceId} that these credentials can see`);
      // A refresh forgets it only when the 404 provably means "deleted", not "cannot see the space".
      if (!account) await octopus.confirmAccountGone(spaceId, id);
      return {};
    }
    const inputs = inputsOf(old);
    // Take what Octopus stores; keep the old spelling where it means the same (no false drift).
    const remote = remoteFields(inputs);
    const next: SshAccountInputs = { ...inputs };
    if (account.Name !== remote.Name) next.name = account.Name;
    if ((account.Username ?? "") !== remote.Username) next.username = account.Username ?? "";
    if ((account.Description ?? "") !== remote.Description) next.description = account.Description ?? "";
    if (!listEqual(account.EnvironmentIds, remote.EnvironmentIds)) next.environmentIds = account.EnvironmentIds;
    if (!listEqual(account.TenantIds, remote.TenantIds)) next.tenantIds = account.TenantIds;
    if (!listEqual(account.TenantTags, remote.TenantTags)) next.tenantTags = account.TenantTags;
    const participation = (account.TenantedDeploymentParticipation ?? "Untenanted") as TenantedDeploymentParticipation;
    if (participation !== remote.TenantedDeploymentParticipation) next.tenantedDeploymentParticipation = participation;
    // Octopus never returns secrets, only whether it holds one. A cleared key shows as a change, so
    // the next `up` sends the key again.
    if (account.PrivateKeyFile && account.PrivateKeyFile.HasValue === false) (next as Partial<SshAccountInputs>).privateKey = "";
    if (account.PrivateKeyPassphrase && account.PrivateKeyPassphrase.HasValue === false && next.privateKeyPassphrase) delete next.privateKeyPassphrase;
    const outs: SshAccountOutputs = {
      ...(old as SshAccountOutputs),
      ...next,
      accountId: account.Id,
      spaceId: account.SpaceId ?? spaceId,
      slug: account.Slug ?? old.slug ?? null,
    };
    if (next.privateKeyPassphrase === undefined) delete outs.privateKeyPassphrase;
    return { id: account.Id, props: outs, inputs: next };
  },

  async update(id, olds, news, ctx) {
    const inputs = inputsOf(news);
    // A create that made the account and then failed left only what it knew (or, before this
    // version, nothing): where the account is comes from the new inputs then.
    const old = { ...(olds as SshAccountOutputs) };
    const octopus = octopusClientAt(ctx.resource, id, old.endpoint, inputs.connection, ctx);
    if (!old.spaceId) old.spaceId = await octopus.resolveSpaceId(inputs.space);
    const key = inspect(inputs);
    const remoteChanged =
      JSON.stringify(remoteFields(inputsOf(old))) !== JSON.stringify(remoteFields(inputs)) ||
      comparableKeyText(old.privateKey) !== comparableKeyText(inputs.privateKey) ||
      (old.privateKeyPassphrase || null) !== (inputs.privateKeyPassphrase || null);
    let account: Account = { Id: id, SpaceId: old.spaceId, AccountType: "SshKeyPair", Name: inputs.name, Slug: old.slug, EnvironmentIds: [], TenantIds: [], TenantTags: [] };
    if (remoteChanged) {
      const keyRotated = comparableKeyText(old.privateKey) !== comparableKeyText(inputs.privateKey);
      let passphrase: SensitiveValue | null = null;
      if (inputs.privateKeyPassphrase) {
        passphrase = inputs.privateKeyPassphrase !== old.privateKeyPassphrase ? sensitiveNew(inputs.privateKeyPassphrase) : { HasValue: true };
      } else if (old.privateKeyPassphrase) {
        passphrase = { HasValue: false };
      }
      const body: SshAccountBody = {
        Id: id,
        SpaceId: old.spaceId,
        AccountType: "SshKeyPair",
        ...remoteFields(inputs),
        ...(old.slug ? { Slug: old.slug } : {}),
        PrivateKeyFile: keyRotated ? sensitiveNew(toBase64(keyFileText(key.text))) : { HasValue: true },
        PrivateKeyPassphrase: passphrase,
      };
      try {
        account = await octopus.updateAccount(old.spaceId, id, body);
        await octopus.accountNames(old.spaceId).renamed(id, account.Name);
      } catch (error) {
        if (isNotFound(error)) {
          (error as Error).message += ` (account ${id} no longer exists in ${old.spaceId}: run \`pulumi refresh\` to forget it, then \`pulumi up\` to create it again)`;
        }
        throw error;
      }
    }
    return { outs: outputsFrom(inputs, account, old.spaceId, key, octopus.settings.serverUrl) };
  },

  async delete(id, props, ctx) {
    const old = props as SshAccountOutputs;
    const octopus = octopusClientAt(ctx.resource, id, old.endpoint, old.connection, ctx);
    const spaceId = old.spaceId ?? (await octopus.resolveSpaceId(old.space));
    await octopus.deleteAccount(spaceId, id);
    await octopus.accountNames(spaceId).removed(id);
  },
};


/** @internal Exposed for tests: the object Pulumi serializes. */
export const octopusSshAccountProvider: pulumi.dynamic.ResourceProvider = provider;
