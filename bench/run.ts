// npm run bench: measures this package against the bundled emulators with a fixed service latency,
// and writes docs/BENCHMARKS.md, docs/benchmarks.svg and docs/benchmarks.json. Not part of the tests.
//
// Every time is framed by two floors measured in the same session (the machine is shared and noisy,
// so only figures measured side by side are compared):
// - the engine floor: the same program, the same resources and inputs, with a dynamic provider that
//   answers at once and sends nothing (what Pulumi itself costs);
// - the HTTP floor: the same requests from a plain Node script with the same parallelism (what the
//   services cost).
// Between them, "our code without Pulumi" runs the package's providers in a bare process, to tell
// which part a gap comes from.
//
// Settings (environment, or --name=value with the same name in lower case without BENCH_):
//   BENCH_RUNS=3               runs of every timed figure; medians are reported
//   BENCH_SIZES=1,10,50,100    resources per `pulumi up`
//   BENCH_LATENCY_MS=5         the emulators' service latency
//   BENCH_TYPES=OctopusSshAccount,OctopusApiKey,TfcSshKey,NovaKeypair
//   BENCH_PARALLEL             `pulumi up --parallel` and the floors' parallelism (default: the CLI's, 4 per CPU)
//   BENCH_COUNT_N=10           resources per type when counting requests and bytes
//   BENCH_RATE_N=100           TfcSshKeys in the rate-limit run
//   BENCH_PHASES=requests,naive,time,rate
//   BENCH_OUT=docs             where the report goes
// A quick smoke run: BENCH_RUNS=1 BENCH_SIZES=1,10 BENCH_TYPES=TfcSshKey BENCH_RATE_N=30 BENCH_OUT=/tmp/bench npm run bench

import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as sshpk from "sshpk";
import { startNovaEmulator, startOctopusEmulator, startTfcEmulator } from "pulumi-access-keys/emulators";
import type { NovaEmulator, OctopusEmulator, RecordedRequest, TfcEmulator } from "pulumi-access-keys/emulators";
import type { DirectResult, DirectSpec } from "./direct";
import { BenchStack, REPO_ROOT, Workspace, pulumiBin } from "./harness";
import type { CommandResult, StackExport } from "./harness";
import type { FloorResult, FloorSpec } from "./http-floor";
import type { LoadResult, LoadSpec } from "./load";
import { NAIVE_PROGRAM, NAIVE_TSCONFIG, NULL_PROVIDER_PACKAGE, RESOURCE_TYPES, UPDATE_CHANGE, program } from "./programs";
import type { ResourceType } from "./programs";
import { writeReport } from "./report";
import type { BenchData, BytesFigure, OpCount, Operation, RateRun } from "./report";

export interface BenchOptions {
  runs: number;
  sizes: number[];
  latencyMs: number;
  types: ResourceType[];
  parallel: number;
  countN: number;
  rateN: number;
  phases: string[];
  out: string;
}

const PHASES = ["requests", "naive", "time", "rate"];

function readOptions(argv: string[]): BenchOptions {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument ${a}`);
    args.set(m[1]!.replace(/-/g, "_"), m[2] ?? argv[++i] ?? "");
  }
  const get = (name: string): string | undefined => args.get(name) ?? process.env[`BENCH_${name.toUpperCase()}`];
  const num = (name: string, fallback: number): number => {
    const raw = get(name);
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`BENCH_${name.toUpperCase()} must be a non-negative number, got ${raw}`);
    return n;
  };
  const list = (name: string, fallback: readonly string[]): string[] => {
    const raw = get(name);
    return raw ? raw.split(",").map((s) => s.trim()).filter(Boolean) : [...fallback];
  };
  const types = list("types", RESOURCE_TYPES);
  for (const t of types) if (!(RESOURCE_TYPES as readonly string[]).includes(t)) throw new Error(`unknown type ${t}: one of ${RESOURCE_TYPES.join(", ")}`);
  const phases = list("phases", PHASES);
  for (const p of phases) if (!PHASES.includes(p)) throw new Error(`unknown phase ${p}: one of ${PHASES.join(", ")}`);
  const sizes = list("sizes", ["1", "10", "50", "100"]).map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("BENCH_SIZES must be positive integers");
  return {
    runs: Math.max(1, Math.round(num("runs", 3))),
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    latencyMs: num("latency_ms", 5),
    types: types as ResourceType[],
    // The CLI's default --parallel is 4 x GOMAXPROCS (pkg/cmd/pulumi/operations/up.go, defaultParallel).
    parallel: Math.max(1, Math.round(num("parallel", 4 * os.availableParallelism()))),
    countN: Math.max(1, Math.round(num("count_n", 10))),
    rateN: Math.max(1, Math.round(num("rate_n", 100))),
    phases,
    out: path.resolve(REPO_ROOT, get("out") ?? "docs"),
  };
}

// --- the services -------------------------------------------------------------------------------

interface Services {
  octopus: OctopusEmulator;
  tfc: TfcEmulator;
  nova: NovaEmulator;
  env: Record<string, string>;
  seededApiKeys: number;
}

async function startServices(latencyMs: number, tfcRateLimit: number): Promise<Services> {
  const [octopus, tfc, nova] = await Promise.all([
    startOctopusEmulator({ latencyMs }),
    startTfcEmulator({ latencyMs, rateLimitPerSecond: tfcRateLimit }),
    // No key pair quota: the largest run holds more than Nova's default 100 for a moment.
    startNovaEmulator({ latencyMs, keypairQuota: -1 }),
  ]);
  const env: Record<string, string> = {
    OCTOPUS_URL: octopus.url,
    OCTOPUS_API_KEY: octopus.admin.apiKey!,
    TFE_ADDRESS: tfc.url,
    TFE_TOKEN: tfc.tokens.user,
    TFE_ORGANIZATION: tfc.organization,
    ...nova.environment({ auth: "password", user: "user" }),
  };
  return { octopus, tfc, nova, env, seededApiKeys: octopus.state.apiKeys.size };
}

function closeServices(s: Services): Promise<unknown> {
  return Promise.all([s.octopus.close(), s.tfc.close(), s.nova.close()]);
}

/** How many objects of a type the emulators hold. */
function objectCount(s: Services, type: ResourceType): number {
  switch (type) {
    case "OctopusSshAccount":
      return s.octopus.state.accounts.size;
    case "OctopusApiKey":
      return s.octopus.state.apiKeys.size - s.seededApiKeys;
    case "TfcSshKey":
      return s.tfc.state.sshKeys.size;
    case "NovaKeypair":
      return s.nova.state.keypairs.size;
  }
}

function allRequests(s: Services): RecordedRequest[] {
  return [...s.octopus.requests, ...s.tfc.requests, ...s.nova.requests];
}

function clearRequests(s: Services): void {
  s.octopus.requests.clear();
  s.tfc.requests.clear();
  s.nova.requests.clear();
}

// --- requests per operation -----------------------------------------------------------------------

/** Requests a provider process makes once, whatever the number of resources: logins, tokens, lookups. */
const SETUP_PATHS = [/^\/api\/?$/, /^\/api\/users\/me$/i, /^\/api\/users\/login$/i, /^\/api\/spaces(\/all)?$/i, /\/auth\/tokens$/, /^\/compute(\/v2(\.1)?)?\/?$/, /^\/\.well-known\//];

/**
 * The listing of a scope's names a create makes once per provider process (GET only): the proof of
 * what existed before, without which a create whose answer is lost cannot tell its own object from a
 * stranger's (DESIGN.md, "Ownership"; issue 13). Part of the minimum of a safe create.
 */
const LISTING_PATHS = [/^\/api\/Spaces-\d+\/accounts$/i, /^\/api\/v2\/organizations\/[^/]+\/ssh-keys$/, /\/os-keypairs$/];
const isSetup = (r: RecordedRequest) => SETUP_PATHS.some((p) => p.test(r.path)) || (r.method === "GET" && LISTING_PATHS.some((p) => p.test(r.path)));

/** The least any client needs: per resource, and per provider process (a login or token; a create's one listing of names). */
const MINIMUM: Record<ResourceType, Record<Operation, { perResource: number; perProcess: number }>> = {
  OctopusSshAccount: { create: { perResource: 1, perProcess: 1 }, read: { perResource: 1, perProcess: 0 }, update: { perResource: 1, perProcess: 0 }, delete: { perResource: 1, perProcess: 0 } },
  // The key's owner must be known to create one (GET /api/users/me); read and delete have it in state.
  OctopusApiKey: { create: { perResource: 1, perProcess: 1 }, read: { perResource: 1, perProcess: 0 }, update: { perResource: 0, perProcess: 0 }, delete: { perResource: 1, perProcess: 0 } },
  TfcSshKey: { create: { perResource: 1, perProcess: 1 }, read: { perResource: 1, perProcess: 0 }, update: { perResource: 1, perProcess: 0 }, delete: { perResource: 1, perProcess: 0 } },
  // Every Nova request needs a Keystone token; a connection-only update needs no request at all.
  NovaKeypair: { create: { perResource: 1, perProcess: 2 }, read: { perResource: 1, perProcess: 1 }, update: { perResource: 0, perProcess: 0 }, delete: { perResource: 1, perProcess: 1 } },
};

function classify(requests: readonly RecordedRequest[], type: ResourceType, op: Operation, n: number): OpCount {
  const setup = requests.filter(isSetup);
  const min = MINIMUM[type][op];
  return {
    n,
    total: requests.length,
    setup: setup.length,
    perResource: (requests.length - setup.length) / n,
    status429: requests.filter((r) => r.status === 429).length,
    minimum: min.perResource * n + min.perProcess,
    setupPaths: [...new Set(setup.map((r) => `${r.method} ${r.path}`))],
  };
}

function bytesOf(exported: StackExport, token: string, label: string): BytesFigure {
  const resources = (exported.deployment.resources ?? []).filter((r) => r.type === token);
  if (resources.length === 0) throw new Error(`no ${token} in the stack`);
  const provider = String(resources[0]!.inputs?.__provider ?? "");
  const copies = ["inputs", "outputs"].filter((k) => (resources[0] as unknown as Record<string, Record<string, unknown> | undefined>)[k]?.__provider !== undefined).length;
  const state = resources.map((r) => Buffer.byteLength(JSON.stringify(r)));
  return {
    label,
    token,
    resources: resources.length,
    providerBytes: Buffer.byteLength(provider),
    providerCopies: copies,
    stateBytesPerResource: state.reduce((a, b) => a + b, 0) / state.length,
    providerHead: provider.split("\n").find((l) => l.includes("require(")) ?? provider.slice(0, 120),
  };
}

const TOKENS: Record<ResourceType, string> = {
  OctopusSshAccount: "pulumi-nodejs:dynamic/octopus:SshAccount",
  OctopusApiKey: "pulumi-nodejs:dynamic/octopus:ApiKey",
  TfcSshKey: "pulumi-nodejs:dynamic/tfc:SshKey",
  NovaKeypair: "pulumi-nodejs:dynamic/nova:Keypair",
};

// --- child processes ----------------------------------------------------------------------------

function runNode<T>(script: string, envName: string, spec: unknown, cwd: string): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, script)], { cwd, env: { ...process.env, [envName]: JSON.stringify(spec) }, encoding: "utf8", timeout: 600_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${script}: ${error.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout.trim().split("\n").pop()!) as T);
      } catch {
        reject(new Error(`${script} printed no result:\n${stdout}\n${stderr}`));
      }
    });
  });
}

// --- the session --------------------------------------------------------------------------------

const slug = (t: string) => t.toLowerCase();
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  const began = Date.now();
  log(`options: ${JSON.stringify({ ...options, out: path.relative(REPO_ROOT, options.out) || "." })}`);
  const bin = pulumiBin();
  const pulumiVersion = (await new Promise<string>((resolve) => execFile(path.join(bin, "pulumi"), ["version"], { encoding: "utf8" }, (_e, out) => resolve(out.trim()))));
  const key = sshpk.generatePrivateKey("ed25519");
  const privateKey = key.toString("openssh");
  const publicKey = key.toPublic().toString("ssh");

  const ws = new Workspace();
  ws.addPackage("bench-null-provider", NULL_PROVIDER_PACKAGE);
  const oursDir = ws.addProject("bench-ours", { "index.js": program("ours") });
  const nullDir = ws.addProject("bench-null", { "index.js": program("null") });
  const shapedDir = ws.addProject("bench-shaped", { "index.js": program("shaped") });
  const services = await startServices(options.latencyMs, 0);
  const data: BenchData = {
    meta: {
      date: new Date().toISOString(),
      command: "npm run bench",
      options: { ...options, out: path.relative(REPO_ROOT, options.out) || "." },
      node: process.version,
      pulumi: pulumiVersion,
      cpu: os.cpus()[0]?.model ?? "unknown",
      cpus: os.availableParallelism(),
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      loadavgStart: os.loadavg(),
      loadavgEnd: [],
      durationS: 0,
    },
    requests: {},
    bytes: [],
    time: [],
    rate: [],
    load: [],
  };

  const newStack = async (dir: string, name: string, type: ResourceType, env: Record<string, string>): Promise<BenchStack> => {
    const stack = new BenchStack(ws, bin, dir, name, env);
    await stack.init();
    await stack.setConfig("type", type);
    await stack.setConfig("privateKey", privateKey, true);
    await stack.setConfig("publicKey", publicKey);
    return stack;
  };
  const up = (s: BenchStack) => s.must(["up", "--yes", "--skip-preview", "--parallel", String(options.parallel)]);
  const destroy = (s: BenchStack) => s.must(["destroy", "--yes", "--skip-preview", "--parallel", String(options.parallel)]);
  const expectObjects = (type: ResourceType, n: number, when: string) => {
    const have = objectCount(services, type);
    if (have !== n) throw new Error(`${type}: the emulator holds ${have} objects ${when}, expected ${n}`);
  };

  try {
    // 1 and 2: requests per operation, and bytes in state (ours).
    if (options.phases.includes("requests")) {
      for (const type of options.types) {
        log(`requests: ${type}, ${options.countN} resources`);
        const stack = await newStack(oursDir, `req-${slug(type)}`, type, services.env);
        await stack.setConfig("count", String(options.countN));
        const counts: Partial<Record<Operation, OpCount>> = {};
        const measure = async (op: Operation, command: () => Promise<CommandResult>) => {
          clearRequests(services);
          await command();
          counts[op] = classify(allRequests(services), type, op, options.countN);
        };
        await measure("create", () => up(stack));
        expectObjects(type, options.countN, "after up");
        data.bytes.push(bytesOf(await stack.exportJson(), TOKENS[type], type));
        await measure("read", () => stack.must(["refresh", "--yes", "--skip-preview", "--parallel", String(options.parallel)]));
        await stack.setConfig("variant", "b");
        await measure("update", () => up(stack));
        await measure("delete", () => destroy(stack));
        expectObjects(type, 0, "after destroy");
        data.requests[type] = { ...(counts as Record<Operation, OpCount>), updateChange: UPDATE_CHANGE[type] };
        await stack.remove();
      }
    }

    // 2: the naive comparison.
    if (options.phases.includes("naive")) {
      log(`naive: ${options.countN} each of NaiveOctopusSshAccount and NaiveTfcSshKey`);
      const files: Record<string, string> = { "index.ts": NAIVE_PROGRAM, "tsconfig.json": NAIVE_TSCONFIG };
      for (const f of ["helpers.ts", "octopus-ssh-account.ts", "tfc-ssh-key.ts"]) files[f] = fs.readFileSync(path.join(REPO_ROOT, "bench", "naive", f), "utf8");
      const dir = ws.addProject("bench-naive", files);
      const stack = new BenchStack(ws, bin, dir, "naive", services.env);
      await stack.init();
      await stack.setConfig("count", String(options.countN));
      await stack.setConfig("privateKey", privateKey, true);
      await up(stack);
      if (services.octopus.state.accounts.size !== options.countN || services.tfc.state.sshKeys.size !== options.countN) throw new Error("the naive program did not create what it declares");
      const exported = await stack.exportJson();
      data.bytes.push(bytesOf(exported, "pulumi-nodejs:dynamic/naive:OctopusSshAccount", "naive OctopusSshAccount"));
      data.bytes.push(bytesOf(exported, "pulumi-nodejs:dynamic/naive:TfcSshKey", "naive TfcSshKey"));
      await destroy(stack);
      if (services.octopus.state.accounts.size !== 0 || services.tfc.state.sshKeys.size !== 0) throw new Error("the naive program's destroy left objects behind");
      await stack.remove();
    }

    // 3 and 5: time and memory, beside the engine floor, the HTTP floor and our code without Pulumi.
    if (options.phases.includes("time")) {
      for (const type of options.types) {
        const ours = await newStack(oursDir, `time-${slug(type)}-ours`, type, services.env);
        const engine = await newStack(nullDir, `time-${slug(type)}-null`, type, services.env);
        const shaped = await newStack(shapedDir, `time-${slug(type)}-shaped`, type, services.env);
        const largest = Math.max(...options.sizes);
        for (const size of options.sizes) {
          await ours.setConfig("count", String(size));
          await engine.setConfig("count", String(size));
          if (size === largest) await shaped.setConfig("count", String(size));
          for (let run = 0; run < options.runs; run++) {
            log(`time: ${type}, ${size} resources, run ${run + 1} of ${options.runs}`);
            // Rotate which side goes first, so a drift in the machine's load does not favour one. The
            // shaped engine floor only runs at the largest N, where the overhead is attributed.
            const all: ("ours" | "engine" | "shaped")[] = size === largest ? ["ours", "engine", "shaped"] : ["ours", "engine"];
            const sides = all.map((_, k) => all[(k + run) % all.length]!);
            for (const side of sides) {
              const stack = side === "ours" ? ours : side === "engine" ? engine : shaped;
              const u = await up(stack);
              if (side === "ours") expectObjects(type, size, "after up");
              const d = await destroy(stack);
              if (side === "ours") expectObjects(type, 0, "after destroy");
              data.time.push({ type, size, run, side, up: u.ms, destroy: d.ms, upMemory: u.memory, destroyMemory: d.memory });
            }
            const floor = await runNode<FloorResult>("http-floor.js", "BENCH_FLOOR_SPEC", { type, count: size, parallel: options.parallel, env: services.env, privateKey, publicKey } satisfies FloorSpec, ws.dir);
            expectObjects(type, 0, "after the HTTP floor");
            data.time.push({ type, size, run, side: "http", up: floor.createMs, destroy: floor.deleteMs });
            const stateFile = path.join(ws.dir, "direct-state.json");
            const spec = { type, count: size, parallel: options.parallel, env: services.env, resolveFrom: ws.dir, stateFile, privateKey, publicKey };
            const created = await runNode<DirectResult>("direct.js", "BENCH_DIRECT_SPEC", { ...spec, phase: "create" } satisfies DirectSpec, ws.dir);
            const deleted = await runNode<DirectResult>("direct.js", "BENCH_DIRECT_SPEC", { ...spec, phase: "delete" } satisfies DirectSpec, ws.dir);
            expectObjects(type, 0, "after our code without Pulumi");
            data.time.push({ type, size, run, side: "direct", up: created.phaseMs, destroy: deleted.phaseMs, loadMs: created.loadMs });
            if (size === Math.max(...options.sizes)) {
              const load = await runNode<LoadResult>("load.js", "BENCH_LOAD_SPEC", { resolveFrom: ws.dir, mode: "provider", type } satisfies LoadSpec, ws.dir);
              const program = await runNode<LoadResult>("load.js", "BENCH_LOAD_SPEC", { resolveFrom: ws.dir, mode: "program" } satisfies LoadSpec, ws.dir);
              data.load.push({ ...load, program: program.program!, pulumi: program.pulumi!, type, run });
            }
          }
        }
        await ours.remove();
        await engine.remove();
        await shaped.remove();
      }
    }

    // 4: rate limits: TfcSshKeys in one up under HCP Terraform's 30 requests per second.
    if (options.phases.includes("rate")) {
      const limited = await startTfcEmulator({ latencyMs: options.latencyMs, rateLimitPerSecond: 30 });
      try {
        const env = { ...services.env, TFE_ADDRESS: limited.url, TFE_TOKEN: limited.tokens.user, TFE_ORGANIZATION: limited.organization };
        const ours = await newStack(oursDir, "rate-ours", "TfcSshKey", env);
        const engine = await newStack(nullDir, "rate-null", "TfcSshKey", env);
        await ours.setConfig("count", String(options.rateN));
        await engine.setConfig("count", String(options.rateN));
        for (let run = 0; run < options.runs; run++) {
          log(`rate: ${options.rateN} TfcSshKeys at 30 requests per second, run ${run + 1} of ${options.runs}`);
          const sides = run % 2 === 0 ? (["ours", "engine"] as const) : (["engine", "ours"] as const);
          for (const side of sides) {
            const stack = side === "ours" ? ours : engine;
            const before = limited.state.rateLimited.length;
            const u = await stack.run(["up", "--yes", "--skip-preview", "--parallel", String(options.parallel)]);
            const mid = limited.state.rateLimited.length;
            const created = limited.state.sshKeys.size;
            const d = await stack.run(["destroy", "--yes", "--skip-preview", "--parallel", String(options.parallel)]);
            const surfaced = (r: CommandResult) => (r.code !== 0 ? 1 : 0) + (r.output.match(/\b429\b|Too Many Requests|rate limit/gi)?.length ?? 0);
            const run1: RateRun = {
              run,
              side,
              n: options.rateN,
              up: u.ms,
              destroy: d.ms,
              upCode: u.code,
              destroyCode: d.code,
              created: side === "ours" ? created : options.rateN,
              answered429Up: mid - before,
              answered429Destroy: limited.state.rateLimited.length - mid,
              surfaced429: surfaced(u) + surfaced(d),
              left: limited.state.sshKeys.size,
            };
            data.rate.push(run1);
            if (u.code !== 0 || d.code !== 0) log(`rate: ${side} run ${run + 1} failed:\n${(u.code ? u.output : d.output).slice(-2000)}`);
          }
        }
        await ours.remove();
        await engine.remove();
      } finally {
        await limited.close();
      }
    }
  } finally {
    await closeServices(services);
    ws.remove();
  }

  data.meta.loadavgEnd = os.loadavg();
  data.meta.durationS = Math.round((Date.now() - began) / 1000);
  writeReport(data, options.out);
  log(`done in ${data.meta.durationS} s: ${path.relative(REPO_ROOT, options.out) || "."}/BENCHMARKS.md, benchmarks.svg, benchmarks.json`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
