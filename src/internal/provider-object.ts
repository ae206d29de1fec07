// The provider objects Pulumi serializes. Each resource's module (octopus-ssh-account.ts, ...) exports,
// as its whole `module.exports`, the object made here.
//
// Installed under node_modules, Pulumi's serializer stores an object that is a module's exports as a
// reference, `require("pulumi-access-keys/internal/<resource>")` (under 300 bytes in state), instead
// of by value. Where Node finds the package outside any node_modules (`npm install ../path`, `file:`
// dependencies, workspaces, `npm link`, a checkout), the methods are captured by value, and every
// state holds that text twice per resource: each method is an arrow that only names one function,
// which names the kind and `require`s the dispatcher (`pulumi-access-keys/op`) by package name in the
// provider host at call time. That keeps the text under 2 KB, without a credential or the module
// graph (test/serialization.spec.ts checks both layouts). Keep the module names, the kinds and the
// dispatchers' signatures: states written by every version refer to them.
//
// Names here are deliberately unusual: Pulumi's serializer treats a free variable that also exists as
// a global (mocha defines `run`) as that global, and would not capture it.

import type * as pulumi from "@pulumi/pulumi";

/**
 * The operations, by the number the provider objects pass for them (a number, not the name: the text
 * is stored twice per resource in every state, and the names would take it past 2 KB). The order is
 * part of every state written since: only append.
 */
export const OPERATIONS = ["configure", "check", "diff", "create", "read", "update", "delete"] as const;

/** The provider object whose methods all go through `$ak(operation number, arguments)`. */
export function providerMethods($ak: (op: number, a: unknown[]) => Promise<any>): pulumi.dynamic.ResourceProvider {
  return {
    configure: (...a: unknown[]) => $ak(0, a),
    check: (...a: unknown[]) => $ak(1, a),
    diff: (...a: unknown[]) => $ak(2, a),
    create: (...a: unknown[]) => $ak(3, a),
    read: (...a: unknown[]) => $ak(4, a),
    update: (...a: unknown[]) => $ak(5, a),
    delete: (...a: unknown[]) => $ak(6, a),
  } as unknown as pulumi.dynamic.ResourceProvider;
}
