// The dispatcher the provider objects of this version call (subpath `pulumi-access-keys/op`), by
// package name, in the provider host: `op(kind, operation number (provider-object.ts OPERATIONS), args)`. Stable like `providers.dispatch`,
// which states written before it call with the provider object as host state: the stack config from
// `configure` is kept here for the process instead (one stack per provider host).

import { OPERATIONS } from "./provider-object";
import { dispatch, sharedHost } from "./providers";

export = (kind: string, op: number, args: unknown[]): Promise<unknown> => {
  const operation = OPERATIONS[op];
  if (operation === undefined) return Promise.reject(new Error(`pulumi-access-keys: this installed version has no provider operation ${op}; install the version that created this stack's resources (or newer)`));
  return dispatch(kind, operation, sharedHost, args);
};
