// What recovery decides for each interrupted create, shared by the per-service finders
// (src/<service>/recovery.ts) and the command that applies the decisions (recover.ts).

import type { SettingsContext } from "../core/connection";
import type { PendingOperation, ResourceName } from "./state";

/** A create the engine began and never heard the end of. */
export interface PendingCreate {
  urn: string;
  /** The resource class: "OctopusSshAccount", ... */
  resource: ResourceName;
  /** The inputs the create was called with, secrets in plain text, without `__provider`. */
  inputs: Record<string, any>;
  /** The state already holds a live resource with this URN: the create was making its replacement. */
  replacing: boolean;
  operation: PendingOperation;
}

/** What a finder needs besides the pending creates. */
export interface FinderContext {
  /** Stack config and environment, as the provider would see them. */
  settings: SettingsContext;
  /** Ids of the resources of the same type that the state tracks: never candidates. */
  tracked: ReadonlySet<string>;
  /**
   * Objects of a kind that has a creation time and may repeat (API keys), or whose secret died with
   * the create (generated key pairs), count as made by the interrupted update only if created at or
   * after this (epoch ms). Undefined: no bound.
   */
  since: number | undefined;
}

/** An object to delete or revoke because the state cannot hold it (its secret was lost). */
export interface Removal {
  /** For the plan: "Octopus API key apikeys-… (purpose 'ci') of Users-1". */
  what: string;
  run(): Promise<void>;
}

/**
 * The decision for one pending create:
 * - `not-created`: nothing on the service is the create's work; the pending create is dropped and the
 *   next `pulumi up` creates the resource;
 * - `adopted`: the object exists and is complete; it goes into the state as if the create had returned;
 * - `discarded`: the object exists but the state cannot hold it (a secret was in the lost answer, or it
 *   was a replacement); it is deleted and the next `pulumi up` creates it again;
 * - `foreign`: something with the name exists but is not what this create would have made; it is left
 *   alone and the pending create dropped (`pulumi up` then reports the conflict as it would have);
 * - `ambiguous`: recovery cannot tell which object is the create's; nothing is changed anywhere.
 */
export type Outcome = "not-created" | "adopted" | "discarded" | "foreign" | "ambiguous";

export interface Resolution {
  urn: string;
  resource: ResourceName;
  outcome: Outcome;
  /** One line for the user, naming the object (never a secret). */
  detail: string;
  /** For `adopted`: the id and the outputs the create would have returned (plain). */
  id?: string;
  outputs?: Record<string, unknown>;
  /** For `discarded` (and shared within a group): what to delete. */
  removals: Removal[];
}

/** Finds what the pending creates of one resource type left behind. */
export type Finder = (pending: readonly PendingCreate[], ctx: FinderContext) => Promise<Resolution[]>;

/** Builders for the common outcomes. */
export const resolution = {
  notCreated: (p: PendingCreate, detail: string): Resolution => ({ urn: p.urn, resource: p.resource, outcome: "not-created", detail, removals: [] }),
  foreign: (p: PendingCreate, detail: string): Resolution => ({ urn: p.urn, resource: p.resource, outcome: "foreign", detail, removals: [] }),
  ambiguous: (p: PendingCreate, detail: string): Resolution => ({ urn: p.urn, resource: p.resource, outcome: "ambiguous", detail, removals: [] }),
  adopted: (p: PendingCreate, id: string, outputs: Record<string, unknown>, detail: string): Resolution => ({
    urn: p.urn,
    resource: p.resource,
    outcome: "adopted",
    detail,
    id,
    outputs,
    removals: [],
  }),
  discarded: (p: PendingCreate, removals: Removal[], detail: string): Resolution => ({ urn: p.urn, resource: p.resource, outcome: "discarded", detail, removals }),
};

export { parseServiceTime } from "../core/duration";

/** Groups items by a key, keeping first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}
