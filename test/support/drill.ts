// What the reliability drills with the real CLI share (fault drill, interrupt drill): one program
// with N of each resource, the three emulators it runs against, and the checks that the services hold
// exactly what the program declares and what the state says.

import { strict as assert } from "node:assert";
import { startAllEmulators } from "../../src/emulators/cli";
import type { RunningEmulators } from "../../src/emulators/cli";
import * as fs from "node:fs";
import { comparableKeyText, inspectPrivateKey } from "../../src/ssh/keys";
import { PulumiStack, makeProjectDir } from "./pulumi";

/** How a NovaKeypair of the drill gets its key. */
export type NovaMode = "import" | "server" | "local";

export interface DrillProgramOptions {
  /** Resources of each type. */
  count: number;
  /** NovaKeypair `i` uses `novaModes[i % length]`. @default ["import"] */
  novaModes?: readonly NovaMode[];
}

/**
 * The drill program: `count` of each resource, named `drill-<i>` on every service, with one private
 * key (config `privateKey`, secret) and one public key to import (config `publicKey`). It exports the
 * secrets the services hand out once, so a drill can check them against the services.
 */
export function drillProgram(options: DrillProgramOptions): string {
  const modes = options.novaModes ?? ["import"];
  const nova = (mode: NovaMode) => (mode === "import" ? "publicKey" : `generate: "${mode}" as const`);
  return `
import * as pulumi from "@pulumi/pulumi";
import { NovaKeypair, OctopusApiKey, OctopusSshAccount, TfcSshKey } from "pulumi-access-keys";

const c = new pulumi.Config();
const key = c.requireSecret("privateKey");
const publicKey = c.require("publicKey");
const apiKeys: OctopusApiKey[] = [];
const keypairs: NovaKeypair[] = [];
for (let i = 0; i < ${options.count}; i++) {
  new OctopusSshAccount(\`account-\${i}\`, { name: \`drill-\${i}\`, username: "deploy", privateKey: key, space: "Spaces-1" });
  apiKeys.push(new OctopusApiKey(\`apikey-\${i}\`, { purpose: \`drill-\${i}\` }));
  new TfcSshKey(\`tfc-\${i}\`, { name: \`drill-\${i}\`, privateKey: key });
  const modes = [${modes.map((m) => `{ ${nova(m)} }`).join(", ")}];
  keypairs.push(new NovaKeypair(\`nova-\${i}\`, { name: \`drill-\${i}\`, ...modes[i % modes.length] }));
}
export const apiKeyValues = apiKeys.map((k) => ({ id: k.apiKeyId, key: k.apiKey }));
export const novaPrivateKeys = keypairs.map((k) => ({ name: k.name, privateKey: k.privateKey }));
`;
}

/** The three emulators a drill runs against, and the environment that points the program at them. */
export type DrillServices = RunningEmulators;

/**
 * Octopus as a new server (programs log in with username and password, so the login path is drilled
 * too) and no HCP Terraform rate limit (the drills inject their own 429s, at the rate they choose).
 */
export function startDrillServices(): Promise<DrillServices> {
  return startAllEmulators({ seedApiKeys: false, tfcRateLimitPerSecond: 0 });
}

/** A drill's stack: the program in its own project directory, the stack made, the drill keys set as config. */
export interface DrillStack {
  stack: PulumiStack;
  projectDir: string;
}

/** Makes the drill stack for `program` against `services` (plus `env`), with `privateKey` (secret) and `publicKey` config. */
export async function openDrillStack(bin: string, name: string, program: string, services: DrillServices, keys: { privateKey: string; publicKey: string }, env: Record<string, string> = {}): Promise<DrillStack> {
  const projectDir = makeProjectDir(name, program);
  const stack = new PulumiStack(bin, projectDir, { ...services.env, ...env });
  await stack.init();
  await stack.setConfig("privateKey", keys.privateKey, true);
  await stack.setConfig("publicKey", keys.publicKey);
  return { stack, projectDir };
}

/** Destroys and removes a drill stack and its project directory, then stops the services (whatever of them exists). */
export async function closeDrill(drill: Partial<DrillStack> | undefined, services: DrillServices | undefined): Promise<void> {
  await drill?.stack?.destroyAndRemove();
  if (drill?.projectDir) fs.rmSync(drill.projectDir, { recursive: true, force: true });
  await services?.close();
}

/** Empties every emulator's request log. */
export function clearRequests(s: DrillServices): void {
  s.octopus.requests.clear();
  s.tfc.requests.clear();
  s.nova.requests.clear();
}

/** Faults injected so far on every emulator. */
export function faultsInjected(s: DrillServices): number {
  return s.octopus.faults.injected.length + s.tfc.faults.injected.length + s.nova.faults.injected.length;
}

/** Resource state as `pulumi stack export` shows it (the fields the checks read). */
export interface StateResource {
  type: string;
  urn: string;
  id?: string;
}

const TYPES = {
  account: "pulumi-nodejs:dynamic/octopus:SshAccount",
  apiKey: "pulumi-nodejs:dynamic/octopus:ApiKey",
  tfc: "pulumi-nodejs:dynamic/tfc:SshKey",
  nova: "pulumi-nodejs:dynamic/nova:Keypair",
};

/**
 * The services hold exactly `drill-0` .. `drill-<count-1>` of each kind: no duplicates, no orphans.
 * With the state's resources, also each service's ids are exactly those the state tracks.
 */
export function assertExactlyDeclared(s: DrillServices, count: number, resources?: readonly StateResource[]): void {
  const sorted = (list: string[]) => [...list].sort();
  const want = sorted(Array.from({ length: count }, (_, i) => `drill-${i}`));
  const accounts = [...s.octopus.state.accounts.values()];
  const apiKeys = [...s.octopus.state.apiKeys.values()];
  const tfcKeys = [...s.tfc.state.sshKeys.values()];
  const keypairs = [...s.nova.state.keypairs.values()];
  assert.deepEqual(sorted(accounts.map((a) => a.Name)), want, "Octopus accounts: no duplicates, no orphans");
  assert.deepEqual(sorted(apiKeys.map((k) => k.Purpose)), want, "Octopus API keys");
  assert.deepEqual(sorted(tfcKeys.map((k) => k.name)), want, "TFC SSH keys");
  assert.deepEqual(sorted(keypairs.map((k) => k.name)), want, "Nova key pairs");
  if (!resources) return;
  const ids = (type: string) => sorted(resources.filter((r) => r.type === type).map((r) => r.id ?? "(no id)"));
  assert.deepEqual(ids(TYPES.account), sorted(accounts.map((a) => a.Id)), "the state tracks exactly the Octopus accounts that exist");
  assert.deepEqual(ids(TYPES.apiKey), sorted(apiKeys.map((k) => k.Id)), "the state tracks exactly the Octopus API keys that exist");
  assert.deepEqual(ids(TYPES.tfc), sorted(tfcKeys.map((k) => k.id)), "the state tracks exactly the TFC keys that exist");
  assert.deepEqual(ids(TYPES.nova), sorted(keypairs.map((k) => k.name)), "the state tracks exactly the Nova key pairs that exist");
}

/** Every key the services hold is the one declared: the private key in Octopus accounts and TFC keys, the public key in imported key pairs. */
export function assertKeysAsDeclared(s: DrillServices, privateKey: string, publicKey: string, novaModes: readonly NovaMode[], count: number): void {
  const file = comparableKeyText(privateKey);
  for (const a of s.octopus.state.accounts.values()) assert.equal(comparableKeyText(Buffer.from(a.PrivateKeyFile ?? "", "base64").toString("utf8")), file, `account ${a.Name} holds the declared key`);
  for (const k of s.tfc.state.sshKeys.values()) assert.equal(comparableKeyText(k.value), file, `TFC key ${k.name} holds the declared key`);
  const blob = (line: string) => line.trim().split(/\s+/)[1];
  for (let i = 0; i < count; i++) {
    if (novaModes[i % novaModes.length] !== "import") continue;
    const kp = [...s.nova.state.keypairs.values()].find((k) => k.name === `drill-${i}`);
    assert.equal(blob(kp?.publicKey ?? ""), blob(publicKey), `key pair drill-${i} holds the imported key`);
  }
}

/**
 * The secrets the services handed out once, as the stack outputs hold them, still match: every
 * Octopus API key authenticates (as the key with the id the state has), every generated Nova private
 * key belongs to the public key Nova holds under its name.
 */
export async function assertSecretsMatch(s: DrillServices, outputs: Record<string, any>): Promise<void> {
  for (const { id, key } of outputs.apiKeyValues as { id: string; key: string }[]) {
    assert.equal(s.octopus.findApiKey(key)?.Id, id, `the API key in state for ${id} is the one Octopus holds`);
    const res = await fetch(`${s.octopus.url}/api/users/me`, { headers: { "x-octopus-apikey": key } });
    assert.equal(res.status, 200, `the API key in state for ${id} authenticates`);
    await res.arrayBuffer();
  }
  const blob = (line: string) => line.trim().split(/\s+/)[1];
  for (const { name, privateKey } of outputs.novaPrivateKeys as { name: string; privateKey: string | null }[]) {
    if (privateKey === null) continue;
    const kp = [...s.nova.state.keypairs.values()].find((k) => k.name === name);
    assert.ok(kp, `key pair ${name} exists`);
    assert.equal(blob(inspectPrivateKey(privateKey).publicKey), blob(kp.publicKey), `the private key in state for ${name} belongs to the key pair Nova holds`);
  }
}

export function assertNothingLeft(s: DrillServices): void {
  assert.equal(s.octopus.state.accounts.size, 0, "no Octopus account left");
  assert.equal(s.octopus.state.apiKeys.size, 0, "no Octopus API key left");
  assert.equal(s.tfc.state.sshKeys.size, 0, "no TFC key left");
  assert.equal(s.nova.state.keypairs.size, 0, "no Nova key pair left");
}

/**
 * Objects on the services beyond the declared ones: `duplicates`, extra objects with a name already
 * taken by another of their kind; `orphans`, objects whose id the state does not track.
 */
export function strayObjects(s: DrillServices, resources: readonly StateResource[]): { duplicates: number; orphans: number } {
  const kinds = [
    { type: TYPES.account, objects: [...s.octopus.state.accounts.values()].map((a) => ({ id: a.Id, name: a.Name })) },
    { type: TYPES.apiKey, objects: [...s.octopus.state.apiKeys.values()].map((k) => ({ id: k.Id, name: k.Purpose })) },
    { type: TYPES.tfc, objects: [...s.tfc.state.sshKeys.values()].map((k) => ({ id: k.id, name: k.name })) },
    { type: TYPES.nova, objects: [...s.nova.state.keypairs.values()].map((k) => ({ id: k.name, name: k.name })) },
  ];
  let duplicates = 0;
  let orphans = 0;
  for (const { type, objects } of kinds) {
    const tracked = new Set(resources.filter((r) => r.type === type).map((r) => r.id));
    duplicates += objects.length - new Set(objects.map((o) => o.name)).size;
    orphans += objects.filter((o) => !tracked.has(o.id)).length;
  }
  return { duplicates, orphans };
}
