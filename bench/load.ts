// What loading this package costs, for `npm run bench`, each in a fresh process:
// - "program": @pulumi/pulumi, then `require("pulumi-access-keys")`, what a program loads to declare
//   our resources (the goal: at most 5% of @pulumi/pulumi's own time);
// - "provider": with @pulumi/pulumi loaded (the dynamic provider host has it), the package's
//   dispatcher, then the implementation of the one kind served, with what it loads (undici, zod,
//   sshpk as it uses them): what the provider host loads at the first call.
// All resolved from the installed copy.
//
// Input: a LoadSpec as JSON in BENCH_LOAD_SPEC; output: a LoadResult as JSON on stdout.

import { createRequire } from "node:module";
import * as path from "node:path";
import type { ResourceType } from "./programs";

export interface LoadSpec {
  /** The bench workspace, where the package is installed. */
  resolveFrom: string;
  mode: "provider" | "program";
  /** "provider": the kind served. */
  type?: ResourceType;
}

/** Milliseconds to load each part, on top of what was loaded before it. */
export interface LoadResult {
  /** "program": @pulumi/pulumi in a fresh process. */
  pulumi?: number;
  /** "program": the package's public entry, after @pulumi/pulumi. */
  program?: number;
  /** "provider": the dispatcher (internal/providers). */
  dispatcher?: number;
  /** "provider": the kind's implementation and what it loads. */
  implementation?: number;
  /** "provider": the packages the implementation loaded. */
  dependencies?: string[];
  /** "provider": dispatcher + implementation; "program": program. */
  total: number;
}

/** Each kind's implementation, relative to the dispatcher. */
const IMPLEMENTATION: Record<ResourceType, string> = {
  OctopusSshAccount: "../octopus/ssh-account",
  OctopusApiKey: "../octopus/api-key",
  TfcSshKey: "../tfc/ssh-key",
  NovaKeypair: "../nova/keypair",
};

function main(): void {
  const spec = JSON.parse(process.env.BENCH_LOAD_SPEC ?? "") as LoadSpec;
  const fromWorkspace = createRequire(path.join(spec.resolveFrom, "index.js"));
  const time = (load: () => unknown): number => {
    const started = performance.now();
    load();
    return performance.now() - started;
  };
  const pulumi = time(() => fromWorkspace("@pulumi/pulumi"));
  if (spec.mode === "program") {
    const program = time(() => fromWorkspace("pulumi-access-keys"));
    process.stdout.write(`${JSON.stringify({ pulumi, program, total: program } satisfies LoadResult)}\n`);
    return;
  }
  const providers = fromWorkspace.resolve("pulumi-access-keys/internal/providers");
  const dispatcher = time(() => fromWorkspace("pulumi-access-keys/internal/providers"));
  const before = new Set(Object.keys(require.cache));
  const implementation = time(() => createRequire(providers)(IMPLEMENTATION[spec.type!]));
  const dependencies = [
    ...new Set(
      Object.keys(require.cache)
        .filter((k) => !before.has(k))
        .map((k) => /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(k)?.[1])
        .filter((d): d is string => d !== undefined && d !== "pulumi-access-keys"),
    ),
  ].sort();
  process.stdout.write(`${JSON.stringify({ dispatcher, implementation, dependencies, total: dispatcher + implementation } satisfies LoadResult)}\n`);
}

if (require.main === module) main();
