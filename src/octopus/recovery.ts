// Recovery of interrupted Octopus creates (see src/recovery/recover.ts for the whole procedure).
//
// OctopusSshAccount: names are unique in a space, so the account with the pending create's name is
// the create's work exactly when it holds what that create sends (same type, username, description,
// scoping). Then it is adopted: the state gets the outputs the create would have returned. An account
// with the name but other settings was there before (the create failed on the name) and is left alone.
//
// OctopusApiKey: the key's value was only in the lost answer, so an orphan can only be revoked. Keys are
// found by user and purpose, which are not unique: a key counts as the create's only if this stack does
// not track it and it was created at or after `since` (the end of the stack's last successful update,
// before which the interrupted update cannot have started). When there are more such keys than pending
// creates with that user and purpose, something else is making them too, and nothing is revoked.

import { inspectPrivateKey } from "../ssh/keys";
import type { Finder, FinderContext, Resolution } from "../recovery/types";
import { groupBy, parseServiceTime, resolution } from "../recovery/types";
import { OctopusClient, resolveOctopusSettings } from "./client";
import type { ApiKey } from "./schemas";
import { accountMismatch, outputsFrom } from "./ssh-account";
import type { SshAccountInputs } from "./ssh-account";

function clientFor(resource: string, inputs: Record<string, any>, ctx: FinderContext): OctopusClient {
  return new OctopusClient(resolveOctopusSettings(resource, inputs.connection, ctx.settings));
}

export const findSshAccounts: Finder = async (pending, ctx) =>
  Promise.all(
    pending.map(async (p): Promise<Resolution> => {
      const inputs = p.inputs as SshAccountInputs;
      const octopus = clientFor("OctopusSshAccount", inputs, ctx);
      const spaceId = await octopus.resolveSpaceId(inputs.space);
      const account = await octopus.findAccountByName(spaceId, inputs.name);
      const where = `account '${inputs.name}' in ${spaceId}`;
      if (!account || ctx.tracked.has(account.Id)) return resolution.notCreated(p, `no untracked ${where}`);
      const mismatch = accountMismatch(account, inputs);
      if (mismatch) return resolution.foreign(p, `${where} (${account.Id}) has other settings than this create sends (${mismatch}): it was there before; left alone`);
      if (p.replacing) {
        return resolution.discarded(p, [{ what: `Octopus ${where} (${account.Id})`, run: async () => void (await octopus.deleteAccount(spaceId, account.Id)) }], `${where} (${account.Id}) was a replacement: deleted, \`pulumi up\` replaces again`);
      }
      const key = inspectPrivateKey(inputs.privateKey, inputs.privateKeyPassphrase || undefined);
      return resolution.adopted(p, account.Id, { ...outputsFrom(inputs, account, spaceId, key, octopus.settings.serverUrl) }, `${where} (${account.Id}) adopted`);
    }),
  );

export const findApiKeys: Finder = async (pending, ctx) => {
  // Who each key belongs to decides where to look; resolve it the way create did.
  const located = await Promise.all(
    pending.map(async (p) => {
      const octopus = clientFor("OctopusApiKey", p.inputs, ctx);
      const userId = await octopus.resolveUserId(p.inputs.user);
      return { p, octopus, userId, purpose: String(p.inputs.purpose) };
    }),
  );
  const results: Resolution[] = [];
  const listed = new Map<string, Promise<ApiKey[]>>();
  for (const group of groupBy(located, (l) => `${l.octopus.settings.serverUrl}|${l.userId}|${l.purpose}`)) {
    const { octopus, userId, purpose } = group[0]!;
    const cacheKey = `${octopus.settings.serverUrl}|${userId}`;
    if (!listed.has(cacheKey)) listed.set(cacheKey, octopus.listApiKeys(userId));
    const untracked = (await listed.get(cacheKey)!).filter((k) => k.Purpose === purpose && !ctx.tracked.has(k.Id));
    const created = (k: ApiKey) => parseServiceTime(k.Created);
    const recent = untracked.filter((k) => ctx.since === undefined || (created(k) ?? -Infinity) >= ctx.since);
    const older = untracked.length - recent.length;
    const olderNote = older ? ` (${older} older untracked key(s) with this purpose left alone: they predate the interrupted update)` : "";
    const label = `API key(s) with purpose '${purpose}' of ${userId}`;
    if (recent.length > group.length) {
      const ids = recent.map((k) => `${k.Id} (created ${k.Created ?? "?"})`).join(", ");
      for (const { p } of group) {
        results.push(resolution.ambiguous(p, `${recent.length} untracked ${label} were created since the last successful update, for ${group.length} interrupted create(s): ${ids}. Revoke the ones that are not in use, then run recovery again`));
      }
      continue;
    }
    group.forEach(({ p }, i) => {
      const key = recent[i];
      if (!key) {
        results.push(resolution.notCreated(p, `no untracked ${label} created since the last successful update${olderNote}`));
        return;
      }
      results.push(
        resolution.discarded(
          p,
          [{ what: `Octopus API key ${key.Id} (purpose '${purpose}', created ${key.Created ?? "?"}) of ${userId}`, run: async () => void (await octopus.deleteApiKey(userId, key.Id)) }],
          `API key ${key.Id} (purpose '${purpose}') of ${userId}: its value was only in the lost answer; revoked, \`pulumi up\` makes a new one${olderNote}`,
        ),
      );
    });
  }
  return results;
};
