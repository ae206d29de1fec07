// "Our code without Pulumi", for `npm run bench`: loads the installed package's provider dispatcher
// in a fresh process, exactly as the dynamic provider host does, and runs check + create for every
// resource (then, in a second process, delete) with the same parallelism as `pulumi up`. Set beside
// the HTTP floor (same requests, no code of ours) and the engine floor (Pulumi, no code of ours), it
// tells which of the three a gap comes from.
//
// Input: a DirectSpec as JSON in BENCH_DIRECT_SPEC; output: a DirectResult as JSON on stdout.

import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { inParallel } from "./http-floor";
import type { ResourceType } from "./programs";

export interface DirectSpec {
  phase: "create" | "delete";
  /** The environment the bench gives Pulumi (service URLs and credentials), read by the providers. */
  env: Record<string, string>;
  type: ResourceType;
  count: number;
  parallel: number;
  /** Where the package is installed (the bench workspace), so the copy Pulumi uses is the one loaded. */
  resolveFrom: string;
  /** create writes the created ids and outputs here; delete reads them. */
  stateFile: string;
  privateKey: string;
  publicKey: string;
}

export interface DirectResult {
  /** Loading the dispatcher and everything it imports (once per provider process), ms. */
  loadMs: number;
  /** check + create of every resource, or delete of every resource, ms. */
  phaseMs: number;
}

const KINDS: Record<ResourceType, string> = {
  OctopusSshAccount: "octopus:SshAccount",
  OctopusApiKey: "octopus:ApiKey",
  TfcSshKey: "tfc:SshKey",
  NovaKeypair: "nova:Keypair",
};

type Dispatch = (kind: string, op: string, host: object, args: unknown[]) => Promise<any>;

function inputs(spec: DirectSpec, i: number): Record<string, unknown> {
  switch (spec.type) {
    case "OctopusSshAccount":
      return { name: `direct-${i}`, username: "deploy", privateKey: spec.privateKey, space: "Spaces-1", description: "variant a" };
    case "OctopusApiKey":
      return { purpose: `direct-${i}` };
    case "TfcSshKey":
      return { name: `direct-${i}`, privateKey: spec.privateKey };
    case "NovaKeypair":
      return { name: `direct-${i}`, publicKey: spec.publicKey };
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.BENCH_DIRECT_SPEC ?? "") as DirectSpec;
  Object.assign(process.env, spec.env);
  const kind = KINDS[spec.type];
  let started = performance.now();
  // Required as if from the workspace: from here, Node would resolve the package's name to this
  // checkout (a package may refer to itself by name).
  const { dispatch } = createRequire(path.join(spec.resolveFrom, "index.js"))("pulumi-access-keys/internal/providers") as { dispatch: Dispatch };
  const host = {};
  // The implementation of the kind loads at its first operation (internal/providers.ts): an empty
  // check loads it here, so loading stays apart from the timed work.
  await dispatch(kind, "check", host, [{}, {}]);
  const loadMs = performance.now() - started;
  started = performance.now();
  if (spec.phase === "create") {
    const created = await inParallel(spec.count, spec.parallel, async (i) => {
      const checked = await dispatch(kind, "check", host, [{}, inputs(spec, i)]);
      if (checked.failures?.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
      return (await dispatch(kind, "create", host, [checked.inputs])) as { id: string; outs: Record<string, unknown> };
    });
    const phaseMs = performance.now() - started;
    fs.writeFileSync(spec.stateFile, JSON.stringify(created));
    process.stdout.write(`${JSON.stringify({ loadMs, phaseMs } satisfies DirectResult)}\n`);
  } else {
    const created = JSON.parse(fs.readFileSync(spec.stateFile, "utf8")) as { id: string; outs: Record<string, unknown> }[];
    await inParallel(created.length, spec.parallel, (i) => dispatch(kind, "delete", host, [created[i]!.id, created[i]!.outs]));
    const phaseMs = performance.now() - started;
    process.stdout.write(`${JSON.stringify({ loadMs, phaseMs } satisfies DirectResult)}\n`);
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0), // undici keeps idle connections open; a provider host is simply ended too
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exit(1);
    },
  );
}
