// The entry point the serialized providers `require` at run time, in the Pulumi provider host
// (subpath `pulumi-access-keys/internal/providers`). Not public API, but stable: states written by
// every earlier version call `dispatch(kind, op, host, args)` with this signature, and a kind once
// published must stay here.

import { readStackConfig } from "../core/connection";
import type { ConfigureRequestLike } from "../core/connection";
import type { Operation, ProviderHostState, ResourceImpl } from "../core/provider";

// Each kind's implementation is loaded the first time the host serves that kind, with what it needs
// (the HTTP core and undici, zod, sshpk where it uses them): a stack of TfcSshKeys never loads the
// Nova or Octopus code. `require` at call time, not `import`, so that nothing loads before.
/* eslint-disable @typescript-eslint/no-require-imports */
const IMPLEMENTATIONS: Readonly<Record<string, () => ResourceImpl>> = {
  "octopus:SshAccount": () => require("../octopus/ssh-account").sshAccountImpl,
  "octopus:ApiKey": () => require("../octopus/api-key").apiKeyImpl,
  "tfc:SshKey": () => require("../tfc/ssh-key").tfcSshKeyImpl,
  "nova:Keypair": () => require("../nova/keypair").novaKeypairImpl,
  "index:SshKeyPair": () => require("../local/ssh-key-pair").sshKeyPairImpl,
};

/** Every resource kind this version serves (`<module>:<Type>`). */
export const KINDS: readonly string[] = Object.keys(IMPLEMENTATIONS);

/** The dispatcher, loaded with the first operation (it brings the redaction and error handling). */
function runOperation(...args: Parameters<typeof import("../core/provider").runOperation>): Promise<unknown> {
  return require("../core/provider").runOperation(...args);
}
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The host state of the provider objects that call through `op` (this version's): one per provider
 * host process, which serves one stack, so every kind's `configure` brings the same stack config.
 */
export const sharedHost: ProviderHostState = {};

/** Forgets the stack config `configure` gave (tests, which run many stacks' operations in one process). */
export function resetSharedHost(): void {
  delete sharedHost.stackConfig;
}

/**
 * Called by every method of every serialized provider (through `op` since it exists). `configure`
 * keeps the stack config on `host`, in the host process only (it is never serialized): the provider
 * object itself for states written before `op`, `sharedHost` after; the other operations run the
 * resource's implementation with it.
 */
export async function dispatch(kind: string, op: Operation | "configure", host: ProviderHostState | undefined, args: unknown[]): Promise<unknown> {
  if (op === "configure") {
    if (host) host.stackConfig = readStackConfig(args[0] as ConfigureRequestLike);
    return undefined;
  }
  const load = IMPLEMENTATIONS[kind];
  if (!load) {
    return Promise.reject(
      new Error(`pulumi-access-keys: this installed version has no resource kind '${kind}'; install the version that created this stack's resources (or newer)`),
    );
  }
  return runOperation(load(), op, host, args);
}
