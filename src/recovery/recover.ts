// Recovery after an interrupted `pulumi up` (the CLI killed, the machine lost): what docs/RELIABILITY.md
// calls "Interruptions".
//
// Why the CLI's own flow is not enough (Pulumi 3.248, checked with the real CLI):
// - the checkpoint keeps a pending `creating` operation for every create that had started; the object
//   may or may not exist on the service, and the state has no id for it;
// - `pulumi up` warns and creates again: HCP Terraform keys and Octopus API keys are duplicated (the
//   first ones orphaned), Octopus accounts and Nova key pairs fail on their taken names;
// - `pulumi refresh` leaves pending creates alone when not interactive;
// - `pulumi refresh --import-pending-creates URN ID` drops the pending create without importing the
//   object (it never reaches the state), and `pulumi import` cannot import dynamic resources.
//
// So, after repairing what the kill left in a file backend (backend.ts: truncated sidecars, the stale
// lock), this looks each pending create of this package's resources up on its service, by the inputs
// recorded in the pending operation, and decides (src/<service>/recovery.ts): adopt it into the state
// as if the create had returned, delete it when the state cannot hold it (its secret was in the lost
// answer), or find that nothing was created. Then it writes the state back with `pulumi stack import`
// (which also drops the pending operations) and runs `pulumi refresh` when that can change anything
// (objects were adopted, or updates or deletes were pending). The next `pulumi up` creates
// whatever is missing. Every step can be repeated: run it again after any failure.

import { execFileSync, spawn } from "node:child_process";
import { STACK_CONFIG_KEYS } from "../core/connection";
import type { StackConfig } from "../core/connection";
import { findNovaKeypairs } from "../nova/recovery";
import { findApiKeys, findSshAccounts } from "../octopus/recovery";
import { findTfcSshKeys } from "../tfc/recovery";
import { fileBackendRoot, repairTruncatedSidecars, stackLocks } from "./backend";
import { adoptedResource, hasLiveResource, plainValue, resourceNameOf, trackedIds } from "./state";
import type { ExportedDeployment, ResourceName } from "./state";
import type { Finder, PendingCreate, Resolution } from "./types";

const FINDERS: Record<ResourceName, Finder> = {
  OctopusSshAccount: findSshAccounts,
  OctopusApiKey: findApiKeys,
  TfcSshKey: findTfcSshKeys,
  NovaKeypair: findNovaKeypairs,
};

/**
 * Service clocks and this machine's clock differ: an object created just after the last successful
 * update may carry a time a little before it. Objects that old are still counted as the interrupted
 * update's (the other rules still apply).
 */
export const CLOCK_SLACK_MS = 5 * 60_000;

export interface RecoverOptions {
  /** The project directory (`pulumi --cwd`). @default the current directory */
  cwd?: string;
  /** The stack (`pulumi --stack`). @default the selected stack */
  stack?: string;
  /** Apply without asking. Without it, only a plan is shown unless `confirm` says yes. */
  yes?: boolean;
  /** Show the plan and change nothing (no refresh either). */
  dryRun?: boolean;
  /** Asked with the plan when `yes` is not set; resolve true to apply. */
  confirm?: (plan: string) => Promise<boolean>;
  /**
   * Objects that can repeat (Octopus API keys) or whose secret died with the create (generated Nova
   * key pairs) count as the interrupted update's only if created at or after this. @default the end
   * of the stack's last successful `update` or `destroy`, less CLOCK_SLACK_MS (no bound without one)
   */
  since?: Date;
  /**
   * Run `pulumi refresh` at the end. @default when it can change anything: objects were adopted, or
   * operations other than creates were pending
   */
  refresh?: boolean;
  /** The Pulumi CLI. @default "pulumi" on PATH */
  pulumi?: string;
  /** Environment for the CLI and for connection settings. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where progress lines go. @default stdout */
  log?: (line: string) => void;
}

export interface RecoveryReport {
  /** Pending operations found, by type ("creating": 3, ...). */
  pendingOperations: Record<string, number>;
  resolutions: Resolution[];
  /** True when the recovery ran to its end (the state written back, and refreshed when that was due). */
  applied: boolean;
  /** The plan, as shown. */
  plan: string;
}

/** Recovery stopped without changing anything; the message says why and what to do. */
export class RecoveryError extends Error {
  readonly report: RecoveryReport | undefined;
  constructor(message: string, report?: RecoveryReport) {
    super(message);
    this.name = "RecoveryError";
    this.report = report;
  }
}

/** Runs the whole recovery for one stack. Throws RecoveryError when it cannot proceed safely. */
export async function recoverInterruptedCreates(options: RecoverOptions = {}): Promise<RecoveryReport> {
  const log = options.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const cli = new PulumiCli(options);

  const who = JSON.parse((await cli.run(["whoami", "--json"], { noStack: true })).stdout || "{}") as { url?: string };
  const root = fileBackendRoot(who.url);
  if (root) {
    // Before anything reads the stack: a kill can leave it unreadable (see backend.ts).
    for (const file of repairTruncatedSidecars(root)) log(`Removed ${file}: the kill left it empty, and Pulumi could not read the stack past it.`);
  }
  warnAboutOrphanedPlugins(log);

  const exported = JSON.parse((await cli.run(["stack", "export", "--show-secrets"], { secretOutput: true })).stdout) as ExportedDeployment;
  const pendingOps = exported.deployment.pending_operations ?? [];
  const pendingOperations: Record<string, number> = {};
  for (const op of pendingOps) pendingOperations[op.type] = (pendingOperations[op.type] ?? 0) + 1;

  const foreign = pendingOps.filter((op) => op.type === "creating" && !resourceNameOf(op.resource.type));
  if (foreign.length) {
    // `pulumi stack import` would drop them silently: they need their own providers' judgement.
    throw new RecoveryError(
      `the stack has interrupted creates of resources that are not pulumi-access-keys': ${foreign.map((op) => op.resource.urn).join(", ")}. ` +
        "Resolve those first (`pulumi refresh` in a terminal asks about each one), then run this again.",
    );
  }
  const creates: PendingCreate[] = pendingOps
    .filter((op) => op.type === "creating")
    .map((op) => {
      const { __provider: _code, ...inputs } = plainValue(op.resource.inputs ?? {}) as Record<string, any>;
      return { urn: op.resource.urn, resource: resourceNameOf(op.resource.type)!, inputs, replacing: hasLiveResource(exported, op.resource.urn), operation: op };
    });
  const summary = Object.entries(pendingOperations).map(([type, n]) => `${n} ${type}`).join(", ") || "none";
  log(`Pending operations in the state: ${summary}.`);

  let resolutions: Resolution[] = [];
  if (creates.length) {
    const settings = { stackConfig: await stackConfig(cli), env: options.env ?? process.env };
    const since = options.since?.getTime() ?? (await lastSuccessfulUpdateEnd(cli, liveSince(exported, creates)));
    if (since !== undefined) log(`Objects that can repeat count as the interrupted update's if created after ${new Date(since).toISOString()}.`);
    for (const [type, finder] of Object.entries(FINDERS) as [ResourceName, Finder][]) {
      const mine = creates.filter((c) => c.resource === type);
      if (!mine.length) continue;
      const typeToken = mine[0]!.operation.resource.type;
      resolutions.push(...(await finder(mine, { settings, tracked: trackedIds(exported, typeToken), since })));
    }
    resolutions = creates.map((c) => resolutions.find((r) => r.urn === c.urn)!);
  }

  const plan = describePlan(resolutions);
  const report: RecoveryReport = { pendingOperations, resolutions, applied: false, plan };
  log(plan);
  if (resolutions.some((r) => r.outcome === "ambiguous")) {
    throw new RecoveryError("recovery cannot tell which objects the interrupted creates made (see above); nothing was changed", report);
  }
  if (options.dryRun) return report;
  if (creates.length) {
    const go = options.yes || (options.confirm ? await options.confirm(plan) : false);
    if (!go) return report;
  }
  if (root) await releaseStaleLock(cli, root, exported, log);
  if (creates.length) {

    // Deletions first: if one fails, the pending creates stay in the state and a rerun finds the rest.
    for (const removal of resolutions.flatMap((r) => r.removals)) {
      log(`Deleting ${removal.what}`);
      await removal.run();
    }
    const next = structuredClone(exported);
    for (const r of resolutions) {
      if (r.outcome !== "adopted") continue;
      const create = creates.find((c) => c.urn === r.urn)!;
      next.deployment.resources = [...(next.deployment.resources ?? []), adoptedResource(create.operation.resource, r.id!, r.outputs!)];
    }
    // Every pending operation goes: creates are resolved above, the others are what refresh settles.
    next.deployment.pending_operations = [];
    await cli.run(["stack", "import"], { input: JSON.stringify(next) });
    log("State written back: adopted objects added, pending operations cleared.");
  }
  const settles = resolutions.some((r) => r.outcome === "adopted") || pendingOps.some((op) => op.type !== "creating");
  if (options.refresh ?? settles) {
    log("Running `pulumi refresh`...");
    log((await cli.run(["refresh", "--yes", "--skip-preview"])).stdout.trim());
  }
  report.applied = true;
  log(creates.length ? "Recovered. Run `pulumi up` to create what is missing." : "Nothing to recover. Run `pulumi up`.");
  return report;
}

/** The plan as lines a person can check. */
export function describePlan(resolutions: readonly Resolution[]): string {
  if (!resolutions.length) return "No interrupted creates of pulumi-access-keys resources.";
  const verbs: Record<Resolution["outcome"], string> = {
    "not-created": "not created      ",
    adopted: "adopt            ",
    discarded: "delete, recreate ",
    foreign: "not ours, keep   ",
    ambiguous: "AMBIGUOUS        ",
  };
  const lines = resolutions.map((r) => `  ${verbs[r.outcome]} ${r.urn.split("::").slice(-1)[0]} (${r.resource}): ${r.detail}`);
  return [`Interrupted creates (${resolutions.length}):`, ...lines].join("\n");
}

/** The stack config keys this package reads, in plain text. */
async function stackConfig(cli: PulumiCli): Promise<StackConfig> {
  const all = JSON.parse((await cli.run(["config", "--json", "--show-secrets"], { secretOutput: true })).stdout || "{}") as Record<string, { value?: unknown }>;
  const out: Record<string, string> = {};
  for (const key of STACK_CONFIG_KEYS) {
    const value = all[key]?.value;
    if (typeof value === "string" && value !== "") out[key] = value;
  }
  return out;
}

/**
 * When the stack's last successful update or destroy ended (before `before`), less CLOCK_SLACK_MS:
 * operations on a stack do not overlap, so the interrupted one started after it. Refreshes do not
 * count: the CLI suggests one after an interruption, and it creates nothing.
 */
async function lastSuccessfulUpdateEnd(cli: PulumiCli, before: number | undefined): Promise<number | undefined> {
  const history = JSON.parse((await cli.run(["stack", "history", "--json"])).stdout || "[]") as { kind?: string; result?: string; endTime?: string }[];
  const ends = history
    .filter((h) => (h.kind === "update" || h.kind === "destroy") && h.result === "succeeded" && h.endTime)
    .map((h) => Date.parse(h.endTime!))
    .filter((t) => !Number.isNaN(t) && (before === undefined || t < before));
  return ends.length ? Math.max(...ends) - CLOCK_SLACK_MS : undefined;
}

/**
 * The earliest creation time of a live resource at the URN of an interrupted create, if any. Such a
 * resource is either the one being replaced (made before the interrupted update) or one a later
 * `pulumi up` made again after the kill; either way the interrupted update began before the last
 * successful update that ended before it was made, which is the bound to use. (Without this, an `up`
 * run after the kill and before the recovery would make the orphans look older than the interrupted
 * update.)
 */
export function liveSince(exported: ExportedDeployment, creates: readonly PendingCreate[]): number | undefined {
  const urns = new Set(creates.map((c) => c.urn));
  const times = (exported.deployment.resources ?? [])
    .filter((r) => urns.has(r.urn) && r.delete !== true && typeof r.created === "string")
    .map((r) => Date.parse(r.created as string))
    .filter((t) => !Number.isNaN(t));
  return times.length ? Math.min(...times) : undefined;
}

/**
 * On a file backend a killed CLI leaves its lock, and every command that writes the stack refuses to
 * run. A lock whose process is gone (same host) is released with `pulumi cancel`; any other lock stops
 * recovery before it changes anything. (Other backends refuse `stack import` with their own message.)
 */
async function releaseStaleLock(cli: PulumiCli, root: string, exported: ExportedDeployment, log: (line: string) => void): Promise<void> {
  const urn = (exported.deployment.resources ?? []).find((r) => r.type === "pulumi:pulumi:Stack")?.urn ?? exported.deployment.pending_operations?.[0]?.resource.urn;
  const match = urn?.match(/^urn:pulumi:([^:]+)::([^:]+)::/);
  if (!match) return;
  const locks = stackLocks(root, match[2]!, match[1]!);
  if (!locks.length) return;
  const live = locks.filter((l) => l.stale !== true);
  if (live.length) {
    const who = live.map((l) => `${l.file} (pid ${l.pid ?? "?"} on ${l.hostname ?? "?"} since ${l.timestamp ?? "?"})`).join(", ");
    throw new RecoveryError(
      `the stack is locked by an update that may still be running: ${who}. Make sure no pulumi process for it runs, on any machine ` +
        "(its plugins, pulumi-language-nodejs and pulumi-resource-pulumi-nodejs, can outlive a killed CLI), then run `pulumi cancel` and run this again.",
    );
  }
  log(`Releasing the lock of the interrupted update (pid ${locks.map((l) => l.pid).join(", ")} on this host is gone): \`pulumi cancel\`.`);
  await cli.run(["cancel", "--yes"]);
}

/**
 * Plugins of a killed CLI keep running in process groups of their own, and a provider host may still
 * be sending the requests it had started. They cannot be tied to a stack, so this only warns.
 */
function warnAboutOrphanedPlugins(log: (line: string) => void): void {
  if (process.platform === "win32") return;
  let lines: string[];
  try {
    lines = execFileSync("ps", ["-A", "-o", "pid=,ppid=,args="], { encoding: "utf8" }).split("\n");
  } catch {
    return;
  }
  const orphans = lines
    .map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => !!m && m[2] === "1" && /pulumi-language-nodejs|pulumi-resource-pulumi-nodejs|cmd\/dynamic-provider/.test(m[3]!))
    .map((m) => m[1]);
  if (orphans.length) {
    log(`Warning: Pulumi plugin processes are running without their CLI (pids ${orphans.join(", ")}). If they belong to the interrupted update, stop them first: they may still be sending requests.`);
  }
}

/** The Pulumi CLI for one project and stack. */
class PulumiCli {
  private readonly options: RecoverOptions;
  constructor(options: RecoverOptions) {
    this.options = options;
  }

  /**
   * Runs `pulumi <args>` non-interactively. `secretOutput`: stdout holds secrets, so it is never shown,
   * not even in an error.
   */
  run(args: string[], opts: { input?: string; secretOutput?: boolean; noStack?: boolean } = {}): Promise<{ stdout: string; stderr: string }> {
    const stack = this.options.stack && !opts.noStack ? ["--stack", this.options.stack] : [];
    const full = [...args, "--non-interactive", ...stack, ...(this.options.cwd ? ["--cwd", this.options.cwd] : [])];
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.pulumi ?? "pulumi", full, { env: this.options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", (error) => reject(new RecoveryError(`could not run ${this.options.pulumi ?? "pulumi"}: ${error.message}`)));
      child.on("close", (code) => {
        if (code === 0) return resolve({ stdout, stderr });
        const shown = opts.secretOutput ? stderr : `${stdout}${stderr}`;
        reject(new RecoveryError(`\`pulumi ${args.join(" ")}\` failed (exit ${code}):\n${shown.trim().slice(-3000)}`));
      });
      child.stdin.end(opts.input ?? "");
    });
  }
}
