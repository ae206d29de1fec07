// The machinery under `npm run bench`: a workspace in which this package is *installed* (as a user's
// program sees it), Pulumi stacks on a throwaway file backend driven by the real CLI, wall-clock
// timing of each command, and peak memory of the processes the CLI starts.

import { execFileSync, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isolatedCliEnv } from "../test/support/cli-env";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The directory holding the Pulumi CLI, as scripts/ensure-pulumi-cli finds (or builds) it. */
export function pulumiBin(): string {
  return execFileSync("bash", [path.join(REPO_ROOT, "scripts", "ensure-pulumi-cli")], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}

/**
 * A throwaway directory with one `node_modules` shared by every bench program under it:
 * `pulumi-access-keys` as a real copy of package.json and dist/src (so Pulumi serializes our providers
 * as a `require` of the installed package, as it does for users, not by value as it does for a
 * symlinked checkout), a copy of `@pulumi/pulumi`, extra packages written by the bench, and every
 * other dependency linked from this checkout. Programs live in `<dir>/p/<name>`: Node finds the shared modules by walking up, and
 * so does the dynamic provider host, which resolves `require` from its working directory.
 */
export class Workspace {
  readonly dir: string;
  readonly modules: string;
  readonly backend: string;
  readonly home: string;
  readonly passphrase = crypto.randomBytes(12).toString("hex");

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "pak-bench-"));
    this.modules = path.join(this.dir, "node_modules");
    this.backend = path.join(this.dir, "state");
    this.home = path.join(this.dir, "home");
    fs.mkdirSync(this.backend);
    const pkg = path.join(this.modules, "pulumi-access-keys");
    fs.mkdirSync(path.join(pkg, "dist"), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, "package.json"), path.join(pkg, "package.json"));
    fs.cpSync(path.join(REPO_ROOT, "dist", "src"), path.join(pkg, "dist", "src"), { recursive: true });
    // @pulumi/pulumi is copied too: its serializer resolves a captured module's package from its own
    // location, and from a link into this checkout it would find the checkout instead of the copy.
    fs.cpSync(path.join(REPO_ROOT, "node_modules", "@pulumi"), path.join(this.modules, "@pulumi"), { recursive: true });
    for (const entry of fs.readdirSync(path.join(REPO_ROOT, "node_modules"))) {
      if (entry === "pulumi-access-keys" || entry === "@pulumi" || entry === ".bin" || entry.startsWith(".")) continue;
      fs.symlinkSync(path.join(REPO_ROOT, "node_modules", entry), path.join(this.modules, entry), "dir");
    }
  }

  /** Writes a package into the shared node_modules: `files` maps names to contents. */
  addPackage(name: string, files: Record<string, string>): void {
    const dir = path.join(this.modules, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  }

  /** A project directory with Pulumi.yaml, package.json and the given files (index.js or index.ts). */
  addProject(name: string, files: Record<string, string>): string {
    const dir = path.join(this.dir, "p", name);
    fs.mkdirSync(dir, { recursive: true });
    const main = files["index.ts"] !== undefined ? "index.ts" : "index.js";
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: ${main === "index.ts"}\n`);
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, private: true, main, dependencies: { "@pulumi/pulumi": "3.248.0", "pulumi-access-keys": "0.1.0" } }, null, 2));
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
    return dir;
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Peak resident memory (VmHWM) of the processes one command started, by role, in bytes; and the CPU
 * time (user + system) each role used, in ms, as last seen before the process ended.
 */
export interface MemoryPeaks {
  /** The Node.js dynamic provider host (`@pulumi/pulumi/cmd/dynamic-provider`). */
  providerHost?: number;
  /** The Node.js process running the program (under the nodejs language host). */
  program?: number;
  /** The CLI itself (the Go engine). */
  cli?: number;
  cpuMs?: { providerHost?: number; program?: number; cli?: number };
}

export type Role = "providerHost" | "program" | "cli";

export interface CommandResult {
  code: number;
  /** Wall time from spawn to exit, in ms. */
  ms: number;
  output: string;
  memory: MemoryPeaks;
}

/** One stack of a project, on the workspace's file backend. */
export class BenchStack {
  private readonly env: Record<string, string>;

  constructor(
    readonly workspace: Workspace,
    readonly bin: string,
    readonly projectDir: string,
    readonly name: string,
    extraEnv: Record<string, string>,
  ) {
    this.env = isolatedCliEnv(
      { bin, home: workspace.home, backend: workspace.backend, passphrase: workspace.passphrase },
      { PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true", ...extraEnv },
    );
  }

  /** Runs `pulumi <args> --stack <name> --non-interactive`, timing it and sampling its processes' memory. */
  run(args: string[], options: { input?: string } = {}): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const child = spawn("pulumi", [...args, "--stack", this.name, "--non-interactive"], { cwd: this.projectDir, env: this.env });
      const sampler = child.pid === undefined ? undefined : new MemorySampler(child.pid);
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      child.on("error", (error) => {
        sampler?.stop();
        reject(error);
      });
      child.on("exit", (code) => {
        const ms = performance.now() - started;
        resolve({ code: code ?? 1, ms, output, memory: sampler?.stop() ?? {} });
      });
      child.stdin.end(options.input ?? "");
    });
  }

  /** Like `run`, but fails with the output's tail when the command fails. */
  async must(args: string[], options: { input?: string } = {}): Promise<CommandResult> {
    const result = await this.run(args, options);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} (stack ${this.name}) exited with ${result.code}:\n${result.output.slice(-4000)}`);
    return result;
  }

  async init(): Promise<void> {
    await this.must(["stack", "init", "--secrets-provider", "passphrase"]);
  }

  async setConfig(key: string, value: string, secret = false): Promise<void> {
    // Through stdin, so no secret appears in a process list.
    await this.must(["config", "set", ...(secret ? ["--secret"] : []), key], { input: value });
  }

  async exportJson(): Promise<StackExport> {
    return JSON.parse((await this.must(["stack", "export"])).output) as StackExport;
  }

  async remove(): Promise<void> {
    await this.run(["destroy", "--yes", "--skip-preview"]);
    await this.run(["stack", "rm", "--yes", "--force"]);
  }
}

export interface StateResource {
  type: string;
  urn: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export interface StackExport {
  deployment: { resources?: StateResource[] };
}

// --- memory --------------------------------------------------------------------------------------

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ: 100 on every Linux we know of). */
const TICKS_PER_SECOND = 100;

/** Parent pid and CPU time (ms) of a process, from /proc/<pid>/stat (the command name may hold spaces and parentheses). */
function statOf(pid: string): { ppid: number; cpuMs: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command: state, ppid, ..., utime and stime are fields 14 and 15 of the whole line.
    return { ppid: Number(fields[1]), cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined; // gone since the directory was listed
  }
}

function roleOf(pid: number, root: number): Role | undefined {
  if (pid === root) return "cli";
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return undefined;
  }
  if (!/(^|\/)node /.test(cmdline) && !cmdline.startsWith("node ")) return undefined;
  if (cmdline.includes("dynamic-provider")) return "providerHost";
  if (/@pulumi\/pulumi\/cmd\/run|cmd\/run\/index\.js|\brun-plugin\b/.test(cmdline) || cmdline.includes("@pulumi/pulumi/cmd/run")) return "program";
  return undefined;
}

function highWaterMark(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Samples the process tree under one pid every `intervalMs`: for each descendant, its role (from
 * its command line) and VmHWM, the kernel's own record of that process's peak resident set. So a
 * peak between two samples is not missed; only growth in a process's last interval before it exits
 * can be. Linux only; elsewhere it reports nothing.
 */
export class MemorySampler {
  private readonly peaks = new Map<number, { role: Role; hwm: number; cpuMs: number }>();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly root: number,
    intervalMs = 100,
  ) {
    if (!fs.existsSync("/proc/self/status")) return;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    let pids: string[];
    try {
      pids = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p));
    } catch {
      return;
    }
    const parents = new Map<number, number>();
    const cpu = new Map<number, number>();
    for (const p of pids) {
      const stat = statOf(p);
      if (stat === undefined) continue;
      parents.set(Number(p), stat.ppid);
      cpu.set(Number(p), stat.cpuMs);
    }
    const inTree = (pid: number): boolean => {
      for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 20; p = parents.get(p), hops++) if (p === this.root) return true;
      return false;
    };
    for (const pid of parents.keys()) {
      if (!inTree(pid)) continue;
      const known = this.peaks.get(pid);
      const role = known?.role ?? roleOf(pid, this.root);
      if (role === undefined) continue;
      const hwm = highWaterMark(pid);
      if (hwm !== undefined) this.peaks.set(pid, { role, hwm: Math.max(hwm, known?.hwm ?? 0), cpuMs: Math.max(cpu.get(pid) ?? 0, known?.cpuMs ?? 0) });
    }
  }

  /** Stops sampling; the largest peak seen per role, and the CPU time of each role's processes. */
  stop(): MemoryPeaks {
    if (this.timer) clearInterval(this.timer);
    const out: MemoryPeaks = {};
    const cpuMs: NonNullable<MemoryPeaks["cpuMs"]> = {};
    for (const { role, hwm, cpuMs: ms } of this.peaks.values()) {
      out[role] = Math.max(out[role] ?? 0, hwm);
      cpuMs[role] = (cpuMs[role] ?? 0) + ms;
    }
    if (Object.keys(cpuMs).length) out.cpuMs = cpuMs;
    return out;
  }
}

// --- statistics ----------------------------------------------------------------------------------

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
