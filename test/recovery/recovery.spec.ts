// Recovery of interrupted creates, per resource, against the emulators (no CLI): for each kind of
// object an interrupted create can leave, what recovery decides, and that an adopted object's outputs
// are exactly what the create would have returned. The whole procedure with the real CLI is drilled in
// test/reliability/interrupt-drill.spec.ts.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startNovaEmulator } from "../../src/emulators/nova";
import type { NovaEmulator } from "../../src/emulators/nova";
import { startOctopusEmulator } from "../../src/emulators/octopus";
import type { OctopusEmulator } from "../../src/emulators/octopus";
import { startTfcEmulator } from "../../src/emulators/tfc";
import type { TfcEmulator } from "../../src/emulators/tfc";
import { novaKeypairProvider } from "../../src/nova/keypair";
import { findNovaKeypairs } from "../../src/nova/recovery";
import { octopusSshAccountProvider } from "../../src/octopus/ssh-account";
import { findApiKeys, findSshAccounts } from "../../src/octopus/recovery";
import { fileBackendRoot, repairTruncatedSidecars, stackLocks } from "../../src/recovery/backend";
import { parseArgs } from "../../src/recovery/cli";
import { RecoveryError, describePlan, liveSince } from "../../src/recovery/recover";
import { SECRET_SIG_KEY, SECRET_SIG_VALUE, adoptedResource, plainValue, secretEnvelope } from "../../src/recovery/state";
import type { FinderContext, PendingCreate, Resolution } from "../../src/recovery/types";
import { parseServiceTime } from "../../src/recovery/types";
import { generateKeyPair } from "../../src/ssh/keys";
import { tfcSshKeyProvider } from "../../src/tfc/ssh-key";
import { findTfcSshKeys } from "../../src/tfc/recovery";
import { tfcKeyMadeElsewhere } from "../support/outside";
import type { Provider } from "../support/provider";

const TYPES = {
  OctopusSshAccount: "pulumi-nodejs:dynamic/octopus:SshAccount",
  OctopusApiKey: "pulumi-nodejs:dynamic/octopus:ApiKey",
  TfcSshKey: "pulumi-nodejs:dynamic/tfc:SshKey",
  NovaKeypair: "pulumi-nodejs:dynamic/nova:Keypair",
} as const;

let n = 0;
function pending(resource: keyof typeof TYPES, inputs: Record<string, any>, replacing = false): PendingCreate {
  const urn = `urn:pulumi:dev::p::${TYPES[resource]}::r-${++n}`;
  return { urn, resource, inputs, replacing, operation: { type: "creating", resource: { urn, type: TYPES[resource], inputs: {} } } };
}

function ctx(tracked: string[] = [], since?: number): FinderContext {
  // Connections come from the inputs: nothing ambient.
  return { settings: { stackConfig: {}, env: {} }, tracked: new Set(tracked), since };
}

/** Outputs as they reach the state (JSON), for comparing with what a create returned. */
const asJson = (v: unknown) => JSON.parse(JSON.stringify(v));

async function removeAll(r: Resolution): Promise<void> {
  for (const removal of r.removals) await removal.run();
}

describe("recovery of interrupted creates (emulators)", () => {
  let octopus: OctopusEmulator;
  let tfc: TfcEmulator;
  let nova: NovaEmulator;
  const key = generateKeyPair({ algorithm: "ed25519" });
  const other = generateKeyPair({ algorithm: "ed25519" });

  before(async () => {
    [octopus, tfc, nova] = await Promise.all([startOctopusEmulator(), startTfcEmulator({ rateLimitPerSecond: 0 }), startNovaEmulator()]);
  });
  after(async () => {
    await Promise.all([octopus?.close(), tfc?.close(), nova?.close()]);
  });

  describe("OctopusSshAccount", () => {
    const provider = octopusSshAccountProvider as Provider;
    const inputs = (over: Record<string, unknown> = {}) => ({ name: `acct-${++n}`, username: "deploy", privateKey: key.privateKey, space: "Spaces-1", connection: { serverUrl: octopus.url, apiKey: octopus.admin.apiKey! }, ...over });

    it("an account the create made is adopted with exactly the outputs the create returned", async () => {
      const args = inputs({ description: "d", environmentIds: ["Environments-2", "Environments-1"] });
      const created = await provider.create(args);
      const [r] = await findSshAccounts([pending("OctopusSshAccount", args)], ctx());
      assert.equal(r!.outcome, "adopted", r!.detail);
      assert.equal(r!.id, created.id);
      assert.deepEqual(asJson(r!.outputs), asJson(created.outs));
      assert.deepEqual(r!.removals, []);
    });

    it("no account with the name, or only one the state tracks: not created", async () => {
      const absent = inputs();
      const [none] = await findSshAccounts([pending("OctopusSshAccount", absent)], ctx());
      assert.equal(none!.outcome, "not-created");
      const args = inputs();
      const created = await provider.create(args);
      const [tracked] = await findSshAccounts([pending("OctopusSshAccount", args)], ctx([created.id]));
      assert.equal(tracked!.outcome, "not-created");
    });

    it("an account with the name but other settings was there before: left alone", async () => {
      const args = inputs();
      await provider.create({ ...args, username: "someone-else" });
      const before = octopus.state.accounts.size;
      const [r] = await findSshAccounts([pending("OctopusSshAccount", args)], ctx());
      assert.equal(r!.outcome, "foreign", r!.detail);
      assert.deepEqual(r!.removals, []);
      assert.equal(octopus.state.accounts.size, before);
    });

    it("the account of an interrupted replacement is deleted, so that `pulumi up` replaces again", async () => {
      const args = inputs();
      const created = await provider.create(args);
      const [r] = await findSshAccounts([pending("OctopusSshAccount", args, true)], ctx());
      assert.equal(r!.outcome, "discarded");
      await removeAll(r!);
      assert.ok(!octopus.state.accounts.has(created.id));
    });
  });

  describe("OctopusApiKey", () => {
    const connection = () => ({ serverUrl: octopus.url, apiKey: octopus.admin.apiKey! });
    const keysWith = (purpose: string) => [...octopus.state.apiKeys.values()].filter((k) => k.Purpose === purpose);

    it("a key the create made (its value lost) is revoked", async () => {
      const purpose = `ci-${++n}`;
      octopus.createApiKey(octopus.admin.id, purpose);
      const [r] = await findApiKeys([pending("OctopusApiKey", { purpose, connection: connection() })], ctx());
      assert.equal(r!.outcome, "discarded", r!.detail);
      assert.equal(r!.removals.length, 1);
      await removeAll(r!);
      assert.deepEqual(keysWith(purpose), []);
    });

    it("keys with the purpose that the state tracks, or made before the interrupted update, are left alone", async () => {
      const purpose = `ci-${++n}`;
      octopus.createApiKey(octopus.admin.id, purpose);
      const tracked = keysWith(purpose)[0]!.Id;
      const [r1] = await findApiKeys([pending("OctopusApiKey", { purpose, connection: connection() })], ctx([tracked]));
      assert.equal(r1!.outcome, "not-created");
      const [r2] = await findApiKeys([pending("OctopusApiKey", { purpose, connection: connection() })], ctx([], Date.now() + 60_000));
      assert.equal(r2!.outcome, "not-created");
      assert.match(r2!.detail, /1 older untracked key/);
      assert.equal(keysWith(purpose).length, 1);
    });

    it("more untracked keys with the purpose than interrupted creates: ambiguous, nothing revoked", async () => {
      const purpose = `ci-${++n}`;
      octopus.createApiKey(octopus.admin.id, purpose);
      octopus.createApiKey(octopus.admin.id, purpose);
      const [r] = await findApiKeys([pending("OctopusApiKey", { purpose, connection: connection() })], ctx());
      assert.equal(r!.outcome, "ambiguous");
      assert.deepEqual(r!.removals, []);
      assert.equal(keysWith(purpose).length, 2);
    });

    it("two interrupted creates with one purpose, one key made: one revoked, one not created", async () => {
      const purpose = `ci-${++n}`;
      octopus.createApiKey(octopus.admin.id, purpose);
      const rs = await findApiKeys([pending("OctopusApiKey", { purpose, connection: connection() }), pending("OctopusApiKey", { purpose, connection: connection() })], ctx());
      assert.deepEqual(rs.map((r) => r.outcome).sort(), ["discarded", "not-created"]);
    });
  });

  describe("TfcSshKey", () => {
    const provider = tfcSshKeyProvider as Provider;
    const inputs = (over: Record<string, unknown> = {}) => ({ name: `mods-${++n}`, privateKey: key.privateKey, organization: tfc.organization, connection: { address: tfc.url, token: tfc.tokens.user }, ...over });
    const keysNamed = (name: string) => [...tfc.state.sshKeys.values()].filter((k) => k.name === name);

    it("the one untracked key with the name is adopted with exactly the outputs the create returned", async () => {
      const args = inputs();
      const created = await provider.create(args);
      const [r] = await findTfcSshKeys([pending("TfcSshKey", args)], ctx());
      assert.equal(r!.outcome, "adopted", r!.detail);
      assert.equal(r!.id, created.id);
      assert.deepEqual(asJson(r!.outputs), asJson(created.outs));
    });

    it("more untracked keys with the name than interrupted creates: ambiguous, nothing deleted", async () => {
      const args = inputs();
      // Made elsewhere: this package refuses a second key with a taken name.
      await tfcKeyMadeElsewhere(tfc, args.name, key.privateKey);
      await tfcKeyMadeElsewhere(tfc, args.name, key.privateKey);
      const [r] = await findTfcSshKeys([pending("TfcSshKey", args)], ctx());
      assert.equal(r!.outcome, "ambiguous");
      assert.equal(keysNamed(args.name).length, 2);
    });

    it("two interrupted creates with one name: which key holds which value cannot be told, so both are deleted", async () => {
      const a = inputs();
      const b = { ...a, privateKey: other.privateKey };
      // Two creates racing in one up (both saw the name free) make two keys with one name.
      await tfcKeyMadeElsewhere(tfc, a.name, a.privateKey);
      await tfcKeyMadeElsewhere(tfc, b.name, b.privateKey);
      const rs = await findTfcSshKeys([pending("TfcSshKey", a), pending("TfcSshKey", b)], ctx());
      assert.deepEqual(rs.map((r) => r.outcome), ["discarded", "discarded"]);
      for (const r of rs) await removeAll(r);
      assert.deepEqual(keysNamed(a.name), []);
    });

    it("a tracked key with the name is not a candidate", async () => {
      const args = inputs();
      const created = await provider.create(args);
      const [r] = await findTfcSshKeys([pending("TfcSshKey", args)], ctx([created.id]));
      assert.equal(r!.outcome, "not-created");
    });
  });

  describe("NovaKeypair", () => {
    const provider = novaKeypairProvider as Provider;
    const connection = () => {
      const c = nova.credentials;
      return { authUrl: c.authUrl, username: c.username, password: c.password, userDomainName: c.userDomainName, projectName: c.projectName, projectDomainName: c.projectDomainName };
    };
    const inputs = (over: Record<string, unknown> = {}) => ({ name: `kp-${++n}`, connection: connection(), ...over });
    const stored = (name: string) => [...nova.state.keypairs.values()].find((k) => k.name === name);

    it("an imported pair holding the imported key is adopted with the outputs of the create after a refresh", async () => {
      const args = inputs({ publicKey: key.publicKey });
      const created = await provider.create(args);
      // Nova's create answer has no created_at; the first refresh fills it in from a read, which is
      // where adoption takes it from.
      const refreshed = await provider.read!(created.id, created.outs);
      const [r] = await findNovaKeypairs([pending("NovaKeypair", args)], ctx());
      assert.equal(r!.outcome, "adopted", r!.detail);
      assert.equal(r!.id, created.id);
      assert.deepEqual(asJson(r!.outputs), asJson(refreshed.props));
    });

    it("a pair imported from a private key you hold is adopted with that key as its private key output", async () => {
      // The pending op records the checked inputs: the private key, and the public key derived from it.
      const args = (await provider.check({}, inputs({ privateKey: key.privateKey }))).inputs!;
      const created = await provider.create(args);
      const refreshed = await provider.read!(created.id, created.outs);
      const [r] = await findNovaKeypairs([pending("NovaKeypair", args)], ctx());
      assert.equal(r!.outcome, "adopted", r!.detail);
      assert.equal((r!.outputs as Record<string, unknown>).privateKey, key.privateKey);
      assert.deepEqual(asJson(r!.outputs), asJson(refreshed.props));
    });

    it("a pair under the name with another key was there before: left alone", async () => {
      const args = inputs({ publicKey: key.publicKey });
      await provider.create({ ...args, publicKey: other.publicKey });
      const [r] = await findNovaKeypairs([pending("NovaKeypair", args)], ctx());
      assert.equal(r!.outcome, "foreign");
      assert.ok(stored(args.name));
    });

    for (const generate of ["server", "local"] as const) {
      it(`a pair generated (${generate}) by the create is deleted: its private key was lost`, async () => {
        const args = inputs({ generate });
        await provider.create(args);
        const [r] = await findNovaKeypairs([pending("NovaKeypair", args)], ctx());
        assert.equal(r!.outcome, "discarded", r!.detail);
        await removeAll(r!);
        assert.equal(stored(args.name), undefined);
      });
    }

    it("a generated pair made before the interrupted update is left alone", async () => {
      const args = inputs({ generate: "server" });
      await provider.create(args);
      const [r] = await findNovaKeypairs([pending("NovaKeypair", args)], ctx([], Date.now() + 60_000));
      assert.equal(r!.outcome, "foreign");
      assert.ok(stored(args.name));
    });

    it("no pair with the name: not created", async () => {
      const [r] = await findNovaKeypairs([pending("NovaKeypair", inputs({ publicKey: key.publicKey }))], ctx());
      assert.equal(r!.outcome, "not-created");
    });
  });
});

describe("recovery: state, plan and command line", () => {
  it("plainValue unwraps secrets at any depth, and refuses ciphertext", () => {
    const value = { a: secretEnvelope("s"), b: [secretEnvelope({ c: 1 })], d: "plain" };
    assert.deepEqual(plainValue(value), { a: "s", b: [{ c: 1 }], d: "plain" });
    assert.throws(() => plainValue({ x: { [SECRET_SIG_KEY]: SECRET_SIG_VALUE, ciphertext: "v1:abc" } }), /--show-secrets/);
  });

  it("an adopted resource keeps the pending create's fields, gets the id, and stores secret outputs as secrets", () => {
    const resource = {
      urn: "urn:pulumi:dev::p::pulumi-nodejs:dynamic/tfc:SshKey::k",
      type: "pulumi-nodejs:dynamic/tfc:SshKey",
      custom: true,
      inputs: { __provider: "exports.handler = ...", name: "k", privateKey: secretEnvelope("PRIVATE") },
      parent: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev",
      provider: "urn:pulumi:dev::p::pulumi:providers:pulumi-nodejs::default::1",
      additionalSecretOutputs: ["privateKey", "connection"],
    };
    const adopted = adoptedResource(resource, "sshkey-1", { name: "k", privateKey: "PRIVATE", connection: { token: "T" }, publicKey: "ssh-ed25519 AAA", gone: undefined });
    assert.equal(adopted.id, "sshkey-1");
    assert.equal(adopted.parent, resource.parent);
    assert.equal(adopted.provider, resource.provider);
    assert.deepEqual(adopted.outputs, {
      name: "k",
      privateKey: secretEnvelope("PRIVATE"),
      connection: secretEnvelope({ token: "T" }),
      publicKey: "ssh-ed25519 AAA",
      __provider: "exports.handler = ...",
    });
  });

  it("the plan names each interrupted create and what will happen to it", () => {
    const plan = describePlan([
      { urn: "urn:pulumi:dev::p::t::a", resource: "TfcSshKey", outcome: "adopted", detail: "key x adopted", removals: [] },
      { urn: "urn:pulumi:dev::p::t::b", resource: "OctopusApiKey", outcome: "discarded", detail: "key y revoked", removals: [] },
    ]);
    assert.match(plan, /Interrupted creates \(2\)/);
    assert.match(plan, /adopt +a \(TfcSshKey\): key x adopted/);
    assert.match(plan, /delete, recreate +b \(OctopusApiKey\)/);
    assert.equal(describePlan([]), "No interrupted creates of pulumi-access-keys resources.");
  });

  it("command line: options, --since as a time, and mistakes named", () => {
    assert.deepEqual(parseArgs(["--stack", "dev", "--cwd", "/p", "--yes", "--no-refresh"]), { stack: "dev", cwd: "/p", yes: true, refresh: false });
    assert.equal(parseArgs(["--since", "2026-05-01T12:00:00Z"])!.since!.toISOString(), "2026-05-01T12:00:00.000Z");
    assert.equal(parseArgs(["--refresh"])!.refresh, true);
    assert.equal(parseArgs(["--help"]), undefined);
    assert.throws(() => parseArgs(["--since", "yesterday"]), (e: unknown) => e instanceof RecoveryError && /not a date/.test(e.message));
    assert.throws(() => parseArgs(["--stack"]), /needs a value/);
    assert.throws(() => parseArgs(["--force"]), /unknown argument '--force'/);
  });

  it("an `up` run after the kill moves the time bound back to before the resource it made again", () => {
    const urn = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/octopus:ApiKey::k";
    const create = { ...pending("OctopusApiKey", {}), urn };
    const exported = (resources: Record<string, unknown>[]) => ({ version: 3, deployment: { resources: resources as never[] } });
    assert.equal(liveSince(exported([]), [create]), undefined);
    const made = exported([
      { urn, type: "t", created: "2026-05-01T10:00:00Z" },
      { urn, type: "t", created: "2026-05-01T09:00:00Z", delete: true },
      { urn: "urn:other", type: "t", created: "2026-05-01T08:00:00Z" },
    ]);
    assert.equal(liveSince(made, [create]), Date.parse("2026-05-01T10:00:00Z"));
  });

  it("service times: with a zone, and Nova's without one (UTC)", () => {
    assert.equal(parseServiceTime("2021-02-18T14:25:49.000+00:00"), Date.UTC(2021, 1, 18, 14, 25, 49));
    assert.equal(parseServiceTime("2014-05-07T12:06:13.681238"), Date.UTC(2014, 4, 7, 12, 6, 13, 681));
    assert.equal(parseServiceTime(null), undefined);
    assert.equal(parseServiceTime("soon"), undefined);
  });

  describe("a file backend after a kill", () => {
    let root: string;
    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), "pak-backend-"));
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    };

    it("sidecar files left empty or cut short are removed, readable ones and the blobs are kept", () => {
      write(".pulumi/stacks/p/dev.json", "{}");
      write(".pulumi/stacks/p/dev.json.attrs", "");
      write(".pulumi/stacks/p/dev.json.bak.attrs", '{"user.content_type":"text/pl');
      write(".pulumi/meta.yaml.attrs", '{"md5":"x"}');
      assert.deepEqual(repairTruncatedSidecars(root).sort(), [".pulumi/stacks/p/dev.json.attrs", ".pulumi/stacks/p/dev.json.bak.attrs"]);
      assert.ok(fs.existsSync(path.join(root, ".pulumi/stacks/p/dev.json")));
      assert.ok(fs.existsSync(path.join(root, ".pulumi/meta.yaml.attrs")));
      assert.deepEqual(repairTruncatedSidecars(root), []);
    });

    it("a lock is stale only when it was taken on this host by a process that is gone", () => {
      const lock = (pid: number, hostname: string) => JSON.stringify({ pid, username: "u", hostname, timestamp: "2026-01-01T00:00:00Z" });
      write(".pulumi/locks/organization/p/dev/a.json", lock(2 ** 22 + 12345, os.hostname()));
      write(".pulumi/locks/organization/p/dev/b.json", lock(process.pid, os.hostname()));
      write(".pulumi/locks/organization/p/dev/c.json", lock(2 ** 22 + 12345, "elsewhere"));
      const byFile = Object.fromEntries(stackLocks(root, "p", "dev").map((l) => [path.basename(l.file), l.stale]));
      assert.deepEqual(byFile, { "a.json": true, "b.json": false, "c.json": undefined });
      assert.deepEqual(stackLocks(root, "p", "prod"), []);
    });

    it("file:// URLs, with a query and with ~; other backends have no directory", () => {
      assert.equal(fileBackendRoot("file:///var/state?no_tmp_dir=true"), "/var/state");
      assert.equal(fileBackendRoot("file://~"), os.homedir());
      assert.equal(fileBackendRoot("https://api.pulumi.com"), undefined);
      assert.equal(fileBackendRoot("s3://bucket"), undefined);
    });
  });
});
