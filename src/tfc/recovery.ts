// Recovery of interrupted TfcSshKey creates (see src/recovery/recover.ts for the whole procedure).
//
// HCP Terraform keys have a name and an id, nothing else (no timestamps, the value is write-only), and
// names are not unique. The candidates for a pending create are the organization's keys with its name
// that this stack does not track. With one pending create and one candidate, the candidate is adopted
// (the state gets the outputs the create would have returned). With more candidates than pending
// creates of that name, something else makes keys with that name too, and nothing is changed. With
// several pending creates of one name, which key holds which value cannot be told, so the candidates
// are deleted and `pulumi up` makes them again.
//
// Not guaranteed: when the interrupted create never reached HCP Terraform and another stack (or a
// person) keeps a key with the same name in the organization, that key looks like the create's work.
// Key names unique in the organization (include the stack name) make recovery exact.

import { inspectPrivateKey } from "../ssh/keys";
import type { Finder, Resolution } from "../recovery/types";
import { groupBy, resolution } from "../recovery/types";
import { TfcClient, requireOrganization, resolveTfcSettings, tfcEndpoint } from "./client";
import type { SshKeyData } from "./schemas";
import { outputsFrom } from "./ssh-key";
import type { TfcSshKeyInputs } from "./ssh-key";

export const findTfcSshKeys: Finder = async (pending, ctx) => {
  const located = pending.map((p) => {
    const settings = resolveTfcSettings("TfcSshKey", p.inputs.connection, ctx.settings);
    return { p, client: new TfcClient(settings), organization: requireOrganization("TfcSshKey", p.inputs.organization, settings), name: String(p.inputs.name) };
  });
  const results: Resolution[] = [];
  const listed = new Map<string, Promise<SshKeyData[]>>();
  for (const group of groupBy(located, (l) => `${l.client.settings.apiBase}|${l.organization}|${l.name}`)) {
    const { client, organization, name } = group[0]!;
    const cacheKey = `${client.settings.apiBase}|${organization}`;
    if (!listed.has(cacheKey)) listed.set(cacheKey, client.listSshKeys(organization));
    const candidates = (await listed.get(cacheKey)!).filter((k) => k.attributes.name === name && !ctx.tracked.has(k.id));
    const label = `SSH key(s) named '${name}' in ${organization}`;
    if (candidates.length === 0) {
      for (const { p } of group) results.push(resolution.notCreated(p, `no untracked ${label}`));
      continue;
    }
    if (candidates.length > group.length) {
      const ids = candidates.map((k) => k.id).join(", ");
      for (const { p } of group) {
        results.push(resolution.ambiguous(p, `${candidates.length} untracked ${label} (${ids}) for ${group.length} interrupted create(s): another stack or person may use this name. Delete the ones that are this stack's, then run recovery again`));
      }
      continue;
    }
    const only = group.length === 1 && !group[0]!.p.replacing ? group[0]! : undefined;
    if (only) {
      const key = candidates[0]!;
      const inputs = only.p.inputs as TfcSshKeyInputs;
      results.push(resolution.adopted(only.p, key.id, { ...outputsFrom(inputs, key, organization, inspectPrivateKey(inputs.privateKey), tfcEndpoint(client.settings)) }, `SSH key ${key.id} ('${name}' in ${organization}) adopted`));
      continue;
    }
    // Several creates with one name (which key has which value?), or a replacement: start again.
    const removals = candidates.map((k) => ({ what: `HCP Terraform SSH key ${k.id} ('${name}' in ${organization})`, run: async () => void (await client.deleteSshKey(k.id)) }));
    group.forEach(({ p }, i) => {
      if (i < candidates.length) results.push(resolution.discarded(p, i === 0 ? removals : [], `${label} (${candidates.map((k) => k.id).join(", ")}): deleted, \`pulumi up\` creates again`));
      else results.push(resolution.notCreated(p, `no further untracked ${label}`));
    });
  }
  return results;
};
