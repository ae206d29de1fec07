// The provider object of OctopusApiKey: this module's exports ARE the provider Pulumi serializes.
//
// Installed under node_modules, Pulumi's serializer stores a module it finds there as a reference,
// `require("pulumi-access-keys/internal/octopus-api-key")` (a few hundred bytes in state), instead
// of by value. Run from a checkout, the functions below are captured by value; each only names the
// dispatcher, which is `require`d by package name in the provider host at call time. Either way
// `__provider` never holds a credential or the module graph. Keep the file name and exports: states
// written by every version refer to them. Names here are deliberately unusual: Pulumi's serializer
// treats a free variable that also exists as a global (mocha defines `run`) as that global.

const PROVIDER_KIND = "octopus:ApiKey";

function dispatchKind(self: unknown, op: string, args: unknown[]): Promise<any> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("pulumi-access-keys/internal/providers").dispatch(PROVIDER_KIND, op, self, args);
}

export function configure(this: unknown, ...a: unknown[]) { return dispatchKind(this, "configure", a); }
export function check(this: unknown, ...a: unknown[]) { return dispatchKind(this, "check", a); }
export function diff(this: unknown, ...a: unknown[]) { return dispatchKind(this, "diff", a); }
export function create(this: unknown, ...a: unknown[]) { return dispatchKind(this, "create", a); }
export function read(this: unknown, ...a: unknown[]) { return dispatchKind(this, "read", a); }
export function update(this: unknown, ...a: unknown[]) { return dispatchKind(this, "update", a); }
function remove(this: unknown, ...a: unknown[]) { return dispatchKind(this, "delete", a); }
export { remove as delete };
