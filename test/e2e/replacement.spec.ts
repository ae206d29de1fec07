// Layer 5 (issue 14, items 1 and 2): every replacement path, for every resource, with the real CLI.
// One stack holds one of each resource; each step takes one path and checks, from the emulators'
// request logs (`applied`: one order across the three services), that each object was replaced, in
// the order its names allow: auto-named objects are made first and the old ones deleted after; an
// explicit name (or `deleteBeforeReplace: true`) deletes first; a replacement that cannot be made
// leaves the old object where it was, and in state.

import { strict as assert } from "node:assert";
import type { RecordedRequest } from "../../src/emulators/server";
import { generateKeyPair } from "../../src/ssh/keys";
import { clearRequests, closeDrill, openDrillStack, startDrillServices } from "../support/drill";
import type { DrillServices } from "../support/drill";
import { PulumiStack, requirePulumiCli, scanForSecrets } from "../support/pulumi";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { NovaKeypair, OctopusApiKey, OctopusSshAccount, SshKeyPair, TfcSshKey } from "pulumi-access-keys";

const c = new pulumi.Config();
const b = c.get("variant") === "b";          // a change to a replace-only argument of each resource
const tweak = c.get("tweak") === "b";        // a change to an in-place argument listed in replaceOnChanges
const explicit = c.getBoolean("explicit") === true;
const dbr = c.get("dbr");
const opts = (replaceOnChanges: string[]): pulumi.CustomResourceOptions => ({
  ...(dbr ? { deleteBeforeReplace: dbr === "true" } : {}),
  replacementTrigger: c.get("trigger") ?? "0",
  replaceOnChanges,
});
const named = (name: string) => (explicit ? { name } : {});
const key = c.requireSecret(b ? "keyB" : "privateKey");

const account = new OctopusSshAccount("account", { ...named("fixed-account"), username: "deploy", privateKey: key, space: b ? "Second" : "Default", description: tweak ? "two" : "one" }, opts(["description"]));
const apiKey = new OctopusApiKey("apikey", { purpose: b ? "purpose-b" : "purpose-a", rotateAfter: tweak ? "3651d" : "3650d" }, opts(["rotateAfter"]));
// The same organization, named in the argument: a change of the connection argument only (in place).
const tfc = new TfcSshKey("tfc", { ...named("fixed-tfc"), privateKey: key, connection: tweak ? { organization: process.env.TFE_ORGANIZATION } : {} }, opts(["connection"]));
const nova = new NovaKeypair("nova", { ...named("fixed-nova"), generate: "local", keyAlgorithm: b ? "rsa" : "ed25519", rotateAfter: tweak ? "3651d" : "3650d" }, opts(["rotateAfter"]));
const pair = new SshKeyPair("pair", { keyAlgorithm: b ? "ecdsa" : "ed25519", comment: tweak ? "two" : "one" }, opts(["comment"]));
export const ids = { account: account.id, apiKey: apiKey.id, tfc: tfc.id, nova: nova.id, pair: pair.id };
export const names = { account: account.name, tfc: tfc.name, nova: nova.name };
`;

type Service = "account" | "apiKey" | "tfc" | "nova";
const SERVICES: readonly Service[] = ["account", "apiKey", "tfc", "nova"];

/** The create and delete requests of each kind of object, as the emulators saw them. */
const PATTERNS: Record<Service, { create: RegExp; delete: RegExp }> = {
  account: { create: /^POST \/api\/Spaces-\d+\/accounts$/, delete: /^DELETE \/api\/Spaces-\d+\/accounts\/[^/]+$/ },
  apiKey: { create: /^POST \/api\/users\/[^/]+\/apikeys$/, delete: /^DELETE \/api\/users\/[^/]+\/apikeys\/[^/]+$/ },
  tfc: { create: /^POST \/api\/v2\/organizations\/[^/]+\/ssh-keys$/, delete: /^DELETE \/api\/v2\/ssh-keys\/[^/]+$/ },
  nova: { create: /^POST \/.*\/os-keypairs$/, delete: /^DELETE \/.*\/os-keypairs\/[^/]+$/ },
};

describe("end to end: every replacement path, for every resource", function () {
  this.timeout(600_000);
  const bin = requirePulumiCli();
  const keyA = generateKeyPair({ algorithm: "ed25519" });
  const keyB = generateKeyPair({ algorithm: "ed25519" });
  let services: DrillServices;
  let stack: PulumiStack;
  let projectDir: string;
  /** Per path and service: how the replacement ordered its requests (for the closing note). */
  const orders: string[] = [];

  const logs = (): RecordedRequest[] => [...services.octopus.requests, ...services.tfc.requests, ...services.nova.requests];
  const clearLogs = () => clearRequests(services);
  /** Each resource's id in state (not its pending deletes): after a failed up, stack outputs may hold unknowns. */
  const ids = async (): Promise<Record<Service | "pair", string>> => {
    const resources = ((await stack.exportJson()).deployment.resources ?? []) as { type: string; id?: string; delete?: boolean }[];
    const id = (type: string) => resources.find((r) => r.type === `pulumi-nodejs:dynamic/${type}` && !r.delete)?.id ?? "";
    return { account: id("octopus:SshAccount"), apiKey: id("octopus:ApiKey"), tfc: id("tfc:SshKey"), nova: id("nova:Keypair"), pair: id("index:SshKeyPair") };
  };
  const exists = (service: Service, id: string): boolean => {
    if (service === "account") return services.octopus.state.accounts.has(id);
    if (service === "apiKey") return services.octopus.state.apiKeys.has(id);
    if (service === "tfc") return services.tfc.state.sshKeys.has(id);
    return [...services.nova.state.keypairs.values()].some((k) => k.name === id);
  };
  const count = (service: Service): number => {
    if (service === "account") return services.octopus.state.accounts.size;
    if (service === "apiKey") return [...services.octopus.state.apiKeys.values()].filter((k) => k.Purpose !== undefined && /^purpose-/.test(k.Purpose)).length;
    if (service === "tfc") return services.tfc.state.sshKeys.size;
    return services.nova.state.keypairs.size;
  };

  /** The position (applied) of the successful create and delete of each service since the logs were cleared. */
  const order = (service: Service): { created?: number; deleted?: number } => {
    const done = logs().filter((r) => r.applied !== undefined && r.status !== undefined && r.status < 300);
    const at = (re: RegExp) => done.find((r) => re.test(`${r.method} ${r.path}`))?.applied;
    return { created: at(PATTERNS[service].create), deleted: at(PATTERNS[service].delete) };
  };

  /** Runs one replacement path and checks every resource was replaced in the expected order. */
  type Order = "create first" | "delete first";
  async function replaced(path: string, expectedOrder: Order | ((service: Service) => Order), run: () => Promise<unknown>, options: { pairReplaced?: boolean } = {}): Promise<void> {
    const expectedFor = (service: Service) => (typeof expectedOrder === "string" ? expectedOrder : expectedOrder(service));
    const before = await ids();
    clearLogs();
    await run();
    const after = await ids();
    for (const service of SERVICES) {
      const o = order(service);
      assert.ok(o.created !== undefined && o.deleted !== undefined, `${path}: ${service} was created and deleted (${JSON.stringify(o)})`);
      const got = o.created! < o.deleted! ? "create first" : "delete first";
      orders.push(`${path} | ${service} | ${got}`);
      const expected = expectedFor(service);
      assert.equal(got, expected, `${path}: ${service}`);
      if (service !== "nova" || expected === "create first") assert.notEqual(after[service], before[service], `${path}: ${service} has a new id`);
      assert.ok(exists(service, after[service]), `${path}: the new ${service} exists`);
      if (after[service] !== before[service]) assert.ok(!exists(service, before[service]), `${path}: the old ${service} is gone`);
      assert.equal(count(service), 1, `${path}: exactly one ${service} left`);
    }
    if (options.pairReplaced !== false) assert.notEqual(after.pair, before.pair, `${path}: the SshKeyPair is a new pair`);
    await stack.must(["preview", "--expect-no-changes"]);
  }

  /** Every object the services hold is one the state holds (pending deletes included), and the reverse. */
  async function assertStateMatchesServices(when: string): Promise<void> {
    const resources = (await stack.exportJson()).deployment.resources ?? [];
    const inState = (type: string) => resources.filter((r) => r.type === `pulumi-nodejs:dynamic/${type}`).map((r) => r.id!).sort();
    const held = {
      account: [...services.octopus.state.accounts.keys()].sort(),
      apiKey: [...services.octopus.state.apiKeys.values()].filter((k) => /^purpose-/.test(k.Purpose ?? "")).map((k) => k.Id).sort(),
      tfc: [...services.tfc.state.sshKeys.keys()].sort(),
      nova: [...services.nova.state.keypairs.values()].map((k) => k.name).sort(),
    };
    assert.deepEqual(inState("octopus:SshAccount"), held.account, `${when}: accounts`);
    assert.deepEqual(inState("octopus:ApiKey"), held.apiKey, `${when}: API keys`);
    assert.deepEqual(inState("tfc:SshKey"), held.tfc, `${when}: HCP Terraform keys`);
    assert.deepEqual(inState("nova:Keypair"), held.nova, `${when}: key pairs`);
  }

  before(async () => {
    services = await startDrillServices();
    services.octopus.createSpace("Second");
    ({ stack, projectDir } = await openDrillStack(bin(), "replacement", PROGRAM, services, keyA));
    await stack.setConfig("keyB", keyB.privateKey, true);
  });
  after(async () => {
    console.log(`      replacement order per path and resource:\n${orders.map((o) => `        ${o}`).join("\n")}`);
    await closeDrill({ stack, projectDir }, services);
  });

  it("auto-names every named resource after its logical name, once", async () => {
    await stack.up();
    const names = (await stack.outputs()).names as Record<string, string>;
    assert.match(names.account!, /^account-[0-9a-f]{7}$/);
    assert.match(names.tfc!, /^tfc-[0-9a-f]{7}$/);
    assert.match(names.nova!, /^nova-[0-9a-f]{7}$/);
    await stack.must(["preview", "--expect-no-changes"]);
    await stack.must(["refresh", "--yes", "--skip-preview"]);
    assert.deepEqual((await stack.outputs()).names, names, "kept by refresh and the next up");
  });

  it("a changed replace-only argument: the new object first, then the old one deleted", async () => {
    await replaced("replace-only argument", "create first", async () => {
      await stack.setConfig("variant", "b");
      await stack.up();
    });
  });

  it("pulumi up --replace (no diff: the engine only checks the inputs again): the new object first", async () => {
    const urns = ((await stack.exportJson()).deployment.resources ?? []).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/")).map((r) => r.urn);
    assert.equal(urns.length, 5);
    await replaced("--replace", "create first", () => stack.must(["up", "--yes", "--skip-preview", ...urns.flatMap((u) => ["--replace", u])]));
  });

  it("replaceOnChanges on an argument that otherwise updates in place: the new object first", async () => {
    await replaced("replaceOnChanges", "create first", async () => {
      await stack.setConfig("tweak", "b");
      await stack.up();
    });
  });

  it("replacementTrigger: the new object first", async () => {
    await replaced("replacementTrigger", "create first", async () => {
      await stack.setConfig("trigger", "1");
      await stack.up();
    });
  });

  it("deleteBeforeReplace: true: the old object first", async () => {
    await replaced("deleteBeforeReplace: true", "delete first", async () => {
      await stack.setConfig("dbr", "true");
      await stack.setConfig("trigger", "2");
      await stack.up();
    });
  });

  it("explicit names: the replacement deletes first by default, and keeps the name", async () => {
    await stack.must(["config", "rm", "dbr"]);
    await stack.setConfig("explicit", "true");
    await stack.up(); // renames in place (a Nova name is a new pair)
    // The API key has no name: it is made first whatever the others do.
    await replaced("explicit name (default order)", (service) => (service === "apiKey" ? "create first" : "delete first"), async () => {
      await stack.setConfig("trigger", "3");
      await stack.up();
    });
    assert.deepEqual((await stack.outputs()).names, { account: "fixed-account", tfc: "fixed-tfc", nova: "fixed-nova" });
  });

  it("explicit names with deleteBeforeReplace: false: the create is refused, the old object stays, in state", async () => {
    await stack.setConfig("dbr", "false");
    await stack.setConfig("trigger", "4");
    const before = await ids();
    // --continue-on-error: each resource's outcome, not only the first failure's.
    const run = await stack.run(["up", "--yes", "--skip-preview", "--continue-on-error"]);
    assert.notEqual(run.code, 0);
    assert.match(run.output, /If it is the account this resource is replacing/);
    assert.match(run.output, /If it is the key this resource is replacing/);
    assert.match(run.output, /fixed-nova/);
    const after = await ids();
    for (const service of ["account", "tfc", "nova"] as const) {
      assert.equal(after[service], before[service], `${service}: the state still holds the old object`);
      assert.ok(exists(service, before[service]), `${service}: the old object is still there`);
      assert.equal(count(service), 1);
    }
    await assertStateMatchesServices("after the refused creates");
  });

  it("a replacement whose create fails: the old object is still there and still in state; the next up completes", async () => {
    await stack.must(["config", "rm", "dbr"]);
    await stack.must(["config", "rm", "explicit"]);
    await stack.setConfig("trigger", "5");
    const before = await ids();
    const refuse = { kind: "status" as const, status: 400, body: { ErrorMessage: "refused by the test" } };
    services.octopus.faults.script({ method: "POST", path: /\/accounts$/, fault: refuse }, { method: "POST", path: /\/apikeys$/, fault: refuse });
    services.tfc.faults.script({ method: "POST", path: /\/ssh-keys$/, fault: { kind: "status", status: 422 } });
    services.nova.faults.script({ method: "POST", path: /\/os-keypairs$/, fault: { kind: "status", status: 400, body: { badRequest: { code: 400, message: "refused by the test" } } } });
    const run = await stack.run(["up", "--yes", "--skip-preview", "--continue-on-error"]);
    assert.notEqual(run.code, 0);
    const after = await ids();
    for (const service of SERVICES) {
      assert.equal(after[service], before[service], `${service}: the state still holds the old object`);
      assert.ok(exists(service, before[service]), `${service}: the old object is still there`);
    }
    await assertStateMatchesServices("after the failed creates");
    // (The SshKeyPair, which sends nothing, was replaced by the failed up already.)
    await replaced("after a failed create, the next up", "create first", () => stack.up(), { pairReplaced: false });
    await assertStateMatchesServices("after the next up");
    const names = (await stack.outputs()).names as Record<string, string>;
    assert.match(names.account!, /^account-[0-9a-f]{7}$/, "auto-named again");
  });

  it("destroy leaves nothing, and no secret is in state, the backend or the CLI's output", async () => {
    await stack.must(["destroy", "--yes", "--skip-preview"]);
    for (const service of SERVICES) assert.equal(count(service), 0, service);
    assert.deepEqual(await scanForSecrets(stack, [keyA.privateKey, keyB.privateKey]), []);
  });
});
