// The provider objects Pulumi serializes. Each resource's module (octopus-ssh-account.ts, ...) exports,
// as its whole `module.exports`, the object made here.
//
// Installed under node_modules, Pulumi's serializer stores an object that is a module's exports as a
// reference, `require("pulumi-access-keys/internal/<resource>")` (under 300 bytes in state), instead
// of by value. Run from a checkout, the methods below are captured by value; each only names the
// dispatcher, which is `require`d by package name in the provider host at call time. Either way
// `__provider` never holds a credential or the module graph. Keep the module names, the kinds and
// the dispatcher's signature: states written by every version refer to them.
//
// Names here are deliberately unusual: Pulumi's serializer treats a free variable that also exists as
// a global (mocha defines `run`) as that global, and would not capture it.

import type * as pulumi from "@pulumi/pulumi";

function dispatchProviderCall(providerKind: string, self: unknown, op: string, args: unknown[]): Promise<any> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("pulumi-access-keys/internal/providers").dispatch(providerKind, op, self, args);
}

/** The provider object for one resource kind ("octopus:SshAccount"). */
export function providerObject(providerKind: string): pulumi.dynamic.ResourceProvider {
  return {
    configure(...a: unknown[]) { return dispatchProviderCall(providerKind, this, "configure", a); },
    check(...a: unknown[]) { return dispatchProviderCall(providerKind, this, "check", a); },
    diff(...a: unknown[]) { return dispatchProviderCall(providerKind, this, "diff", a); },
    create(...a: unknown[]) { return dispatchProviderCall(providerKind, this, "create", a); },
    read(...a: unknown[]) { return dispatchProviderCall(providerKind, this, "read", a); },
    update(...a: unknown[]) { return dispatchProviderCall(providerKind, this, "update", a); },
    delete(...a: unknown[]) { return dispatchProviderCall(providerKind, this, "delete", a); },
  } as pulumi.dynamic.ResourceProvider;
}
