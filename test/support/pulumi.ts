// Layer 5 support: the real Pulumi CLI on a throwaway local backend.
//
// The CLI is found on PATH (a v3.248.x one) or in ~/.pulumi/versions/3.248.0/bin, where
// scripts/ensure-pulumi-cli builds it. Without one, end-to-end suites are pending, with a message
// saying how to get it, unless PULUMI_ACCESS_KEYS_REQUIRE_E2E=1 (CI), where that is a failure.

import { execFileSync, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isolatedCliEnv } from "./cli-env";
import { REPO_ROOT } from "./host";

export const PULUMI_VERSION = "3.248.0";

/** The directory holding a usable `pulumi`, or undefined. */
export function findPulumiBin(): string | undefined {
  const candidates = [...(process.env.PATH ?? "").split(path.delimiter), path.join(os.homedir(), ".pulumi", "versions", PULUMI_VERSION, "bin")];
  for (const dir of candidates) {
    const exe = path.join(dir, "pulumi");
    if (!dir || !fs.existsSync(exe)) continue;
    try {
      const version = execFileSync(exe, ["version"], { env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" }, encoding: "utf8", timeout: 20_000 }).trim();
      if (version.startsWith(`v${PULUMI_VERSION.split(".").slice(0, 2).join(".")}.`)) return dir;
    } catch {
      // not runnable: try the next
    }
  }
  return undefined;
}

/**
 * Marks the enclosing suite pending (or failed, in CI) when there is no CLI, or no `hosts` (language
 * hosts such as `pulumi-language-yaml`) beside it; returns a getter for its bin dir.
 */
export function requirePulumiCli(hosts: readonly string[] = []): () => string {
  let bin: string | undefined;
  before(function () {
    bin = findPulumiBin();
    const missing = bin ? hosts.filter((h) => !fs.existsSync(path.join(bin!, h))) : [];
    if (bin && !missing.length) return;
    const how = bin
      ? `${missing.join(", ")} not found beside the Pulumi CLI in ${bin}: run \`bash scripts/ensure-pulumi-cli\` (builds them with Go)`
      : "no Pulumi CLI v3.248.x found on PATH or in ~/.pulumi/versions/3.248.0/bin: run `bash scripts/ensure-pulumi-cli` (builds it with Go) or install it";
    bin = missing.length ? undefined : bin;
    if (process.env.PULUMI_ACCESS_KEYS_REQUIRE_E2E === "1") throw new Error(how);
    console.log(`      end-to-end tests pending: ${how}`);
    this.skip();
  });
  return () => {
    if (!bin) throw new Error("no Pulumi CLI");
    return bin;
  };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for messages. */
  output: string;
}

/** A command running in the background. */
export interface RunningCommand {
  pid: number;
  /** Settles when the process has exited and its output is closed (killed processes too). */
  finished: Promise<CommandResult>;
}

/** The pids of every live descendant of `pid` (children, their children, ...), from `ps`. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of execFileSync("ps", ["-A", "-o", "pid=,ppid="], { encoding: "utf8" }).split("\n")) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (!child || parent === undefined || Number.isNaN(parent)) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

/**
 * SIGKILLs a process and everything it started, as a machine loss or a cancelled CI job does. The
 * Pulumi CLI starts its plugins (the language host, each provider host) in process groups of their
 * own, so killing the CLI's group would leave them running; the tree is frozen first (SIGSTOP on the
 * root, so nothing new is started), then read, then killed. Returns the pids killed.
 */
export function killProcessTree(pid: number): number[] {
  try {
    process.kill(pid, "SIGSTOP");
  } catch {
    return []; // it has exited already
  }
  const all = [pid, ...descendants(pid)];
  for (const p of all) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return all;
}

/** Whether a process exists (a zombie that has not been reaped counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^Z/.test(execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).trim());
  } catch {
    return false;
  }
}

/** A stack in a throwaway project directory and file backend. */
export class PulumiStack {
  readonly projectDir: string;
  readonly workDir: string;
  readonly backendDir: string;
  readonly passphrase = crypto.randomBytes(12).toString("hex");
  /** Every line any command printed: scanned for secrets. */
  readonly transcript: string[] = [];
  /** How long each command took, in order: where a drill's time goes. */
  readonly timings: { command: string; ms: number }[] = [];
  private readonly env: Record<string, string>;

  /**
   * @param projectDir where Pulumi.yaml and the program are (created by the caller).
   * @param extraEnv what the program and provider need (service URLs, credentials).
   */
  constructor(bin: string, projectDir: string, extraEnv: Record<string, string>) {
    this.projectDir = projectDir;
    this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), "pak-e2e-"));
    this.backendDir = path.join(this.workDir, "state");
    fs.mkdirSync(this.backendDir);
    this.env = isolatedCliEnv({ bin, home: path.join(this.workDir, "home"), backend: this.backendDir, passphrase: this.passphrase }, extraEnv);
  }

  /** Runs `pulumi <args> --non-interactive` in the project (asynchronously: emulators in this process keep answering). */
  run(args: string[], options: { input?: string; env?: Record<string, string>; showsSecrets?: boolean } = {}): Promise<CommandResult> {
    return this.start(args, options).finished;
  }

  /** Starts `pulumi <args> --non-interactive` and returns at once, for a test that kills it midway. */
  start(args: string[], options: { input?: string; env?: Record<string, string>; showsSecrets?: boolean } = {}): RunningCommand {
    return this.exec("pulumi", [...args, "--non-interactive"], options);
  }

  /**
   * Starts any command in the project directory with the stack's environment (the CLI on PATH, the
   * backend, the passphrase, the services), as a user's shell would run it. Its output joins the
   * transcript unless `showsSecrets`.
   */
  exec(command: string, args: string[], options: { input?: string; env?: Record<string, string>; showsSecrets?: boolean } = {}): RunningCommand {
    const child = spawn(command, args, { cwd: this.projectDir, env: { ...this.env, ...options.env } });
    const started = Date.now();
    const finished = new Promise<CommandResult>((resolve, reject) => {
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => {
        const output = `${stdout}${stderr}`;
        // Output the user explicitly asked to see in plain text (--show-secrets) is not scanned.
        const shown = command === "pulumi" ? `pulumi ${args.join(" ")}` : `${path.basename(command)} ${args.join(" ")}`;
        this.timings.push({ command: shown, ms: Date.now() - started });
        if (!options.showsSecrets) this.transcript.push(`$ ${shown}\n${output}`);
        resolve({ code: code ?? 1, stdout, stderr, output });
      });
      child.stdin.end(options.input ?? "");
    });
    return { pid: child.pid!, finished };
  }

  /** Like `run`, but fails with the output when the command fails. */
  async must(args: string[], options: { input?: string; env?: Record<string, string>; showsSecrets?: boolean } = {}): Promise<CommandResult> {
    const result = await this.run(args, options);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited with ${result.code}:\n${result.output.slice(-4000)}`);
    return result;
  }

  async init(name = "e2e"): Promise<void> {
    await this.must(["stack", "init", name, "--secrets-provider", "passphrase"]);
  }

  async setConfig(key: string, value: string, secret = false): Promise<void> {
    // Through stdin, so no secret appears in a process list.
    await this.must(["config", "set", ...(secret ? ["--secret"] : []), key], { input: value });
  }

  async up(): Promise<CommandResult> {
    return this.must(["up", "--yes", "--skip-preview"]);
  }

  /** The state, as `pulumi stack export` prints it (secrets encrypted). */
  async exportText(): Promise<string> {
    return (await this.must(["stack", "export"])).stdout;
  }

  async exportJson(): Promise<{ deployment: { resources?: { type: string; urn: string; id?: string; outputs?: Record<string, any>; inputs?: Record<string, any> }[] } }> {
    return JSON.parse(await this.exportText());
  }

  async outputs(showSecrets = false): Promise<Record<string, any>> {
    return JSON.parse((await this.must(["stack", "output", "--json", ...(showSecrets ? ["--show-secrets"] : [])], { showsSecrets: showSecrets })).stdout);
  }

  /** Every file the backend wrote, concatenated (state, history, backups). */
  backendText(): string {
    const texts: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else texts.push(fs.readFileSync(p).toString("utf8"));
      }
    };
    walk(this.backendDir);
    return texts.join("\n");
  }

  async destroyAndRemove(): Promise<void> {
    await this.run(["destroy", "--yes", "--skip-preview"]);
    await this.run(["stack", "rm", "--yes", "--force"]);
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}

/**
 * Looks for every secret, in every form it could leak in (as is, base64, JSON-escaped, any long line of
 * it), in stack export, every file of the backend, and all CLI output except what the test asked to see
 * with --show-secrets. Returns where each one was found (never the secret itself), and logs a summary.
 */
export async function scanForSecrets(stack: PulumiStack, secrets: readonly string[], publicValues: readonly string[] = []): Promise<string[]> {
  const places = { "stack export": await stack.exportText(), "backend files": stack.backendText(), "CLI output": stack.transcript.join("\n") };
  const found: string[] = [];
  for (const [where, text] of Object.entries(places)) {
    for (const secret of secrets) {
      const forms = [secret, Buffer.from(secret).toString("base64"), JSON.stringify(secret).slice(1, -1)];
      // A line of a secret that is also part of a public value (an OpenSSH private key embeds the
      // public key, and a line of it can coincide with the public key line's base64) is no leak.
      for (const line of secret.split("\n")) if (line.length >= 20 && !line.startsWith("-----") && !publicValues.some((p) => p.includes(line))) forms.push(line);
      if (forms.some((f) => f.length >= 8 && text.includes(f))) found.push(`${where}: a secret of ${secret.length} characters`);
    }
  }
  console.log(`      secret scan: ${secrets.length} secrets, ${Object.keys(places).length} places, ${found.length} found`);
  return found;
}

/** An empty project directory inside this checkout (so a program resolves the package and the SDK). */
function newProjectDir(name: string): string {
  const base = path.join(REPO_ROOT, ".e2e");
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, `${name}-`));
}

/** A project directory inside this checkout (so the program resolves the package and the SDK), removed by the caller. */
export function makeProjectDir(name: string, program: string): string {
  const dir = newProjectDir(name);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`);
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, private: true, main: "index.ts" }));
  fs.writeFileSync(path.join(dir, "index.ts"), program);
  return dir;
}

/** The YAML example (examples/yaml) in a project directory of its own, its plugin path pointing at this checkout's bin. */
export function makeYamlProjectDir(name: string, yaml: string = fs.readFileSync(path.join(REPO_ROOT, "examples", "yaml", "Pulumi.yaml"), "utf8")): string {
  const dir = newProjectDir(name);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), yaml.replace(/^(\s*path:\s*)\.\.\/\.\.\/bin\s*$/m, `$1${path.join(REPO_ROOT, "bin")}`));
  return dir;
}
