// Field drill (issue 13), with the real Pulumi CLI, beside the fault drill: half of the stack's names
// are already taken on every service by objects made with plain API calls (as another team or
// Terraform would), while every emulator injects faults into 20% of requests, including 503s that
// were never processed and answers dropped after the work was done; then a refresh with a token that
// may not see SSH keys. At the end every pre-existing object is byte for byte as it was, the stack
// holds exactly its own objects, and there are no duplicates and no orphans.

import { strict as assert } from "node:assert";
import type { Fault, FaultInjector } from "../../src/emulators/server";
import { generateKeyPair } from "../../src/ssh/keys";
import { drillProgram, faultsInjected, closeDrill, openDrillStack, startDrillServices } from "../support/drill";
import type { DrillServices, StateResource } from "../support/drill";
import { novaKeypairMadeElsewhere, tfcKeyMadeElsewhere } from "../support/outside";
import { PulumiStack, requirePulumiCli } from "../support/pulumi";

const COUNT = 8;
const RATE = 0.2;
const TAKEN = Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 2 === 1);

const ANY: Fault[] = [{ kind: "status", status: 429, retryAfter: 1 }, { kind: "status", status: 502 }, { kind: "status", status: 503 }, { kind: "reset" }];

const TYPES = {
  account: "pulumi-nodejs:dynamic/octopus:SshAccount",
  tfc: "pulumi-nodejs:dynamic/tfc:SshKey",
  nova: "pulumi-nodejs:dynamic/nova:Keypair",
  apiKey: "pulumi-nodejs:dynamic/octopus:ApiKey",
};

describe("field drill: names taken by strangers, 20% faults, an under-privileged refresh", function () {
  this.timeout(600_000);
  const bin = requirePulumiCli();
  const key = generateKeyPair({ algorithm: "ed25519" });
  const strangerKey = generateKeyPair({ algorithm: "ed25519" });
  let services: DrillServices;
  let stack: PulumiStack;
  let projectDir: string;
  /** Every stranger's object, as the service held it before the stack ran: kind, id, JSON. */
  const strangers: { kind: "account" | "tfc" | "nova"; id: string; json: string }[] = [];

  const record = (kind: "account" | "tfc" | "nova", id: string): unknown => {
    if (kind === "account") return services.octopus.state.accounts.get(id);
    if (kind === "tfc") return services.tfc.state.sshKeys.get(id);
    return [...services.nova.state.keypairs.values()].find((k) => String(k.id) === id);
  };

  const injectFaults = (seed: number) => {
    const { octopus, tfc, nova } = services;
    const all = (f: FaultInjector, s: number, path?: RegExp) => f.setRate({ rate: RATE, faults: [...ANY, { kind: "drop-after" }], seed: s, ...(path ? { path } : {}) });
    // An API key's create cannot survive a lost answer (DESIGN: its value is only in that answer).
    all(octopus.faults, seed, /^(?!.*\/apikeys$)/);
    all(tfc.faults, seed + 1);
    all(nova.faults, seed + 2, /os-keypairs/);
  };

  before(async () => {
    services = await startDrillServices();
    const { octopus, tfc, nova } = services;
    // Octopus starts without API keys (the program logs in): the strangers' accounts are made as the admin would, by API.
    const adminKey = octopus.createUser({ username: "stranger-admin", isAdmin: true, apiKey: true }).apiKey!;
    for (const i of TAKEN) {
      const res = await fetch(`${octopus.url}/api/Spaces-1/accounts`, {
        method: "POST",
        headers: { "x-octopus-apikey": adminKey, "content-type": "application/json" },
        body: JSON.stringify({ AccountType: "SshKeyPair", Name: `drill-${i}`, Username: "deploy", PrivateKeyFile: { HasValue: true, NewValue: Buffer.from(strangerKey.privateKey).toString("base64") }, EnvironmentIds: [] }),
      });
      assert.equal(res.status, 201, await res.clone().text());
      strangers.push({ kind: "account", id: ((await res.json()) as { Id: string }).Id, json: "" });
      strangers.push({ kind: "tfc", id: await tfcKeyMadeElsewhere(tfc, `drill-${i}`, strangerKey.privateKey), json: "" });
      await novaKeypairMadeElsewhere(nova, `drill-${i}`, strangerKey.publicKey);
      strangers.push({ kind: "nova", id: String([...nova.state.keypairs.values()].find((k) => k.name === `drill-${i}`)!.id), json: "" });
    }
    for (const s of strangers) s.json = JSON.stringify(record(s.kind, s.id));
    ({ stack, projectDir } = await openDrillStack(bin(), "field-drill", drillProgram({ count: COUNT }), services, key, { PULUMI_ACCESS_KEYS_MAX_RETRIES: "8", PULUMI_ACCESS_KEYS_RETRY_BASE_MS: "50" }));
  });
  after(async () => closeDrill({ stack, projectDir }, services));

  const resources = async () => ((await stack.exportJson()).deployment.resources ?? []) as StateResource[];

  /** Strangers untouched; the stack tracks exactly the objects that are not strangers'; no duplicates. */
  const assertOwnership = async () => {
    for (const s of strangers) assert.equal(JSON.stringify(record(s.kind, s.id)), s.json, `the stranger's ${s.kind} ${s.id} is byte for byte as it was`);
    const state = await resources();
    const tracked = (type: string) => new Set(state.filter((r) => r.type === type).map((r) => r.id));
    const strangerIds = (kind: string) => new Set(strangers.filter((s) => s.kind === kind).map((s) => s.id));
    const kinds = [
      { type: TYPES.account, kind: "account", objects: [...services.octopus.state.accounts.values()].map((a) => ({ id: a.Id, key: a.Id, name: a.Name })) },
      { type: TYPES.tfc, kind: "tfc", objects: [...services.tfc.state.sshKeys.values()].map((k) => ({ id: k.id, key: k.id, name: k.name })) },
      { type: TYPES.nova, kind: "nova", objects: [...services.nova.state.keypairs.values()].map((k) => ({ id: String(k.id), key: k.name, name: k.name })) },
    ];
    let duplicates = 0;
    let orphans = 0;
    for (const { type, kind, objects } of kinds) {
      const ours = objects.filter((o) => !strangerIds(kind).has(o.id));
      duplicates += objects.length - new Set(objects.map((o) => o.name)).size;
      orphans += ours.filter((o) => !tracked(type).has(o.key)).length;
      for (const id of tracked(type)) assert.ok(ours.some((o) => o.key === id), `the state's ${type} ${String(id)} is the stack's own, and exists`);
    }
    const keys = [...services.octopus.state.apiKeys.values()].filter((k) => k.Purpose.startsWith("drill-"));
    orphans += keys.filter((k) => !tracked(TYPES.apiKey).has(k.Id)).length;
    assert.equal(duplicates, 0, "no duplicates");
    assert.equal(orphans, 0, "no orphans");
    return state;
  };

  it("up under faults: every free name is made, every taken one fails clearly, no stranger is touched", async () => {
    injectFaults(5);
    // Besides the random ones: the first creates of each kind answer 503 without being processed,
    // taken names among them (what used to make a create take, or delete, the stranger's object).
    services.octopus.faults.script({ method: "POST", path: /\/accounts$/, fault: { kind: "status", status: 503 }, times: COUNT });
    services.nova.faults.script({ method: "POST", path: /\/os-keypairs$/, fault: { kind: "status", status: 503 }, times: COUNT });
    services.tfc.faults.script({ method: "POST", path: /\/ssh-keys$/, fault: { kind: "status", status: 503 }, times: COUNT / 2 });
    // --continue-on-error: every resource is tried, not only those before the first failure.
    const first = await stack.run(["up", "--yes", "--skip-preview", "--continue-on-error"]);
    assert.notEqual(first.code, 0, "the taken names fail the up");
    injectFaults(7);
    const second = await stack.run(["up", "--yes", "--skip-preview", "--continue-on-error"]);
    assert.notEqual(second.code, 0);
    for (const i of TAKEN) assert.match(second.output, new RegExp(`drill-${i}`), `the failure names drill-${i}`);
    const state = await assertOwnership();
    const made = (type: string) => state.filter((r) => r.type === type).length;
    for (const type of [TYPES.account, TYPES.tfc, TYPES.nova]) assert.equal(made(type), COUNT - TAKEN.length, `${type}: every free name made`);
    assert.equal(made(TYPES.apiKey), COUNT, "API keys have no names to take");
    console.log(`      field drill: ${faultsInjected(services)} faults injected, ${strangers.length} strangers untouched`);
  });

  it("a refresh with an organization token (it may not see SSH keys) fails and forgets nothing", async () => {
    services.octopus.faults.clear();
    services.tfc.faults.clear();
    services.nova.faults.clear();
    const before = (await resources()).map((r) => r.urn).sort();
    const refresh = await stack.run(["refresh", "--yes", "--skip-preview"], { env: { TFE_TOKEN: services.tfc.tokens.organization } });
    assert.notEqual(refresh.code, 0, "the refresh fails");
    assert.match(refresh.output, /organization token/);
    assert.deepEqual((await resources()).map((r) => r.urn).sort(), before, "every resource is still in the state");
    await assertOwnership();
  });

  it("destroy removes exactly the stack's objects; the strangers stay as they were", async () => {
    await stack.must(["destroy", "--yes", "--skip-preview"]);
    for (const s of strangers) assert.equal(JSON.stringify(record(s.kind, s.id)), s.json);
    assert.equal(services.octopus.state.accounts.size, TAKEN.length);
    assert.equal(services.tfc.state.sshKeys.size, TAKEN.length);
    assert.equal(services.nova.state.keypairs.size, TAKEN.length);
  });
});
