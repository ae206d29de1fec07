// What the resource classes need from the provider side, and nothing heavier: a program that only
// declares resources loads this, not the implementations (see src/index.ts).

import type * as pulumi from "@pulumi/pulumi";

/** The input through which a resource class hands its logical name to `check`, which consumes it. */
export const LOGICAL_NAME = "__logicalName";

/**
 * The replacement order a resource with a `name` argument defaults to: an explicit name, on services
 * where names are unique, cannot be held by the old and the new object at once, so the old one is
 * deleted first; an auto-name creates the new object first. The user's own `deleteBeforeReplace`
 * always wins.
 */
export function replacementOrder(name: unknown, opts: pulumi.CustomResourceOptions | undefined): pulumi.CustomResourceOptions {
  if (opts?.deleteBeforeReplace !== undefined || name === undefined) return {};
  return { deleteBeforeReplace: true };
}
