// The second front door (issue 16, first part): the same resources as a Pulumi provider plugin, for
// programs in every Pulumi language. One implementation: each operation goes to the dispatcher the
// dynamic resources use (internal/providers.ts), by the kind in the resource's type token
// (`access-keys:octopus:SshAccount` serves kind `octopus:SshAccount`), with the stack-wide host state.
// What the dynamic host cannot give and a plugin can: the URN, so auto-naming takes the logical name
// from it rather than from a hidden input.

import type * as provider from "@pulumi/pulumi/provider";
import { LOGICAL_NAME } from "../core/resource-options";
import { dispatch, sharedHost } from "../internal/providers";

/** The package name of the plugin, the first part of every type token. */
export const PACKAGE = "access-keys";

/** The type tokens the plugin serves, and the kind each one runs. */
export const TOKENS: Readonly<Record<string, string>> = {
  "access-keys:octopus:SshAccount": "octopus:SshAccount",
  "access-keys:octopus:ApiKey": "octopus:ApiKey",
  "access-keys:tfc:SshKey": "tfc:SshKey",
  "access-keys:nova:Keypair": "nova:Keypair",
  "access-keys:index:SshKeyPair": "index:SshKeyPair",
};

/** Kinds whose `name` is auto-named from the logical name. */
const AUTO_NAMED = new Set(["octopus:SshAccount", "tfc:SshKey", "nova:Keypair"]);

/** `urn:pulumi:<stack>::<project>::<type>::<name>`: the resource's own type (after any parent types) and its name. */
export function parseUrn(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  if (parts.length < 4) throw new Error(`pulumi-access-keys: '${urn}' is not a resource URN`);
  return { type: parts[2]!.split("$").pop()!, name: parts.slice(3).join("::") };
}

function kindOf(urn: string): string {
  const { type } = parseUrn(urn);
  const kind = TOKENS[type];
  if (!kind) throw new Error(`pulumi-access-keys: this plugin has no resource type '${type}'; it serves ${Object.keys(TOKENS).join(", ")}`);
  return kind;
}

async function run(urn: string, op: Parameters<typeof dispatch>[1], args: unknown[]): Promise<any> {
  return dispatch(kindOf(urn), op, sharedHost, args);
}

/** The plugin's provider: every operation of every resource type, from the one implementation. */
export function accessKeysProvider(version: string, schema?: string): provider.Provider {
  return {
    version,
    ...(schema !== undefined ? { schema } : {}),
    check: async (urn, olds, news) => {
      const kind = kindOf(urn);
      const named = AUTO_NAMED.has(kind) && news?.[LOGICAL_NAME] === undefined ? { ...news, [LOGICAL_NAME]: parseUrn(urn).name } : news;
      return run(urn, "check", [olds ?? {}, named ?? {}]);
    },
    diff: (id, urn, olds, news) => run(urn, "diff", [id, olds ?? {}, news ?? {}]),
    create: (urn, inputs) => run(urn, "create", [inputs ?? {}]),
    // `pulumi import` reads with the id alone: every resource's read works from its id and the
    // ambient connection (what `.get` does in TypeScript).
    read: (id, urn, props) => run(urn, "read", [id, props ?? {}]),
    update: (id, urn, olds, news) => run(urn, "update", [id, olds ?? {}, news ?? {}]),
    delete: (id, urn, props) => run(urn, "delete", [id, props ?? {}]),
  };
}
