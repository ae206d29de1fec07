// What loading this package costs, for `npm run bench`. A fresh process first loads what the
// dynamic provider host and a program have loaded before they need us (@pulumi/pulumi), then times:
// - "provider": each heavy dependency, in this order, then the package's dispatcher with the rest of
//   its own code (what the provider host loads at the first call);
// - "program": `require("pulumi-access-keys")`, what a program loads to declare our resources.
// All resolved from the installed copy.
//
// Input: a LoadSpec as JSON in BENCH_LOAD_SPEC; output: a LoadResult as JSON on stdout.

import { createRequire } from "node:module";
import * as path from "node:path";

export interface LoadSpec {
  /** The bench workspace, where the package is installed. */
  resolveFrom: string;
  mode: "provider" | "program";
}

/** Milliseconds to load each part, on top of what was loaded before it. */
export interface LoadResult {
  undici: number;
  zod: number;
  sshpk: number;
  /** The dispatcher and the rest of this package's code. */
  ours: number;
  total: number;
}

function main(): void {
  const spec = JSON.parse(process.env.BENCH_LOAD_SPEC ?? "") as LoadSpec;
  const fromWorkspace = createRequire(path.join(spec.resolveFrom, "index.js"));
  fromWorkspace("@pulumi/pulumi");
  // The package's dependencies as the package itself resolves them.
  const fromPackage = createRequire(fromWorkspace.resolve("pulumi-access-keys/internal/providers"));
  const time = (load: () => unknown): number => {
    const started = performance.now();
    load();
    return performance.now() - started;
  };
  if (spec.mode === "program") {
    const ms = time(() => fromWorkspace("pulumi-access-keys"));
    process.stdout.write(`${JSON.stringify({ program: ms })}\n`);
    return;
  }
  const undici = time(() => fromPackage("undici"));
  const zod = time(() => fromPackage("zod"));
  const sshpk = time(() => fromPackage("sshpk"));
  const ours = time(() => fromWorkspace("pulumi-access-keys/internal/providers"));
  const result: LoadResult = { undici, zod, sshpk, ours, total: undici + zod + sshpk + ours };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) main();
