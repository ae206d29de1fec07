// The entry point the serialized providers `require` at run time, in the Pulumi provider host
// (subpath `pulumi-access-keys/internal/providers`). Not public API, but stable: states written by
// every earlier version call `dispatch(kind, op, host, args)` with this signature, and a kind once
// published must stay here.

import { readStackConfig } from "../core/connection";
import type { ConfigureRequestLike } from "../core/connection";
import { runOperation } from "../core/provider";
import type { Operation, ProviderHostState, ResourceImpl } from "../core/provider";
import { apiKeyImpl } from "../octopus/api-key";
import { sshAccountImpl } from "../octopus/ssh-account";
import { tfcSshKeyImpl } from "../tfc/ssh-key";
import { novaKeypairImpl } from "../nova/keypair";
import { sshKeyPairImpl } from "../local/ssh-key-pair";

const IMPLEMENTATIONS: Readonly<Record<string, ResourceImpl>> = {
  "octopus:SshAccount": sshAccountImpl,
  "octopus:ApiKey": apiKeyImpl,
  "tfc:SshKey": tfcSshKeyImpl,
  "nova:Keypair": novaKeypairImpl,
  "index:SshKeyPair": sshKeyPairImpl,
};

/**
 * Called by every method of every serialized provider. `configure` keeps the stack config on the
 * provider object, in the host process only (it is never serialized); the other operations run the
 * resource's implementation with it.
 */
export async function dispatch(kind: string, op: Operation | "configure", host: ProviderHostState | undefined, args: unknown[]): Promise<unknown> {
  if (op === "configure") {
    if (host) host.stackConfig = readStackConfig(args[0] as ConfigureRequestLike);
    return undefined;
  }
  const impl = IMPLEMENTATIONS[kind];
  if (!impl) {
    return Promise.reject(
      new Error(`pulumi-access-keys: this installed version has no resource kind '${kind}'; install the version that created this stack's resources (or newer)`),
    );
  }
  return runOperation(impl, op, host, args);
}
