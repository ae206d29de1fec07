// The entry point the serialized providers `require` at run time, in the Pulumi provider host
// (subpath `pulumi-access-keys/internal/providers`). Not public API, but stable: states written by
// every earlier version call `configure(req)` and `dispatch(kind, op, host, args)` with these
// signatures, and a kind once published must stay here.

import type { ConfigureRequestLike, StackConfig } from "../core/connection";
import { configureHost, runOperation } from "../core/provider";
import type { Operation, ProviderHostState, ResourceImpl } from "../core/provider";
import { apiKeyImpl } from "../octopus/api-key";
import { sshAccountImpl } from "../octopus/ssh-account";

const IMPLEMENTATIONS: Readonly<Record<string, ResourceImpl>> = {
  "octopus:SshAccount": sshAccountImpl,
  "octopus:ApiKey": apiKeyImpl,
};

/** Called from the serialized provider's `configure`: keeps the stack config in the host process only. */
export function configure(req: ConfigureRequestLike): StackConfig {
  return configureHost(req);
}

/** Called from every other method of the serialized provider. */
export function dispatch(kind: string, op: Operation, host: ProviderHostState | undefined, args: unknown[]): Promise<unknown> {
  const impl = IMPLEMENTATIONS[kind];
  if (!impl) {
    return Promise.reject(
      new Error(`pulumi-access-keys: this installed version has no resource kind '${kind}'; install the version that created this stack's resources (or newer)`),
    );
  }
  return runOperation(impl, op, host, args);
}
