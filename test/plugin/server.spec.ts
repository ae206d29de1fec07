// The provider plugin as the Pulumi CLI runs it (issue 16, first part): its entry point started as a
// process, spoken to over Pulumi's provider protocol (gRPC): the schema it serves, and a check, create,
// read and delete of a TfcSshKey against the emulator, from the one implementation.

import { strict as assert } from "node:assert";
import * as path from "node:path";
import { startTfcEmulator } from "../../src/emulators/tfc";
import type { TfcEmulator } from "../../src/emulators/tfc";
import { generateKeyPair } from "../../src/ssh/keys";
import { ProviderHost } from "../support/host";

const ENTRY = path.join(__dirname, "..", "..", "src", "plugin", "main.js");

describe("provider plugin over gRPC", function () {
  this.timeout(60_000);
  let tfc: TfcEmulator;
  let host: ProviderHost;
  const key = generateKeyPair({ algorithm: "ed25519" });

  before(async () => {
    tfc = await startTfcEmulator();
    host = await ProviderHost.start({ TFE_ADDRESS: tfc.url, TFE_TOKEN: tfc.tokens.user, TFE_ORGANIZATION: tfc.organization }, ENTRY);
  });
  after(async () => {
    await host?.stop();
    await tfc?.close();
  });

  it("serves the generated schema", async () => {
    const schema = JSON.parse(await host.getSchema());
    assert.equal(schema.name, "access-keys");
    assert.ok(schema.resources["access-keys:tfc:SshKey"]);
  });

  it("checks (auto-naming from the URN), creates, reads and deletes a TfcSshKey", async () => {
    const urn = "urn:pulumi:dev::keys::access-keys:tfc:SshKey::modules";
    const checked = await host.check(urn, {}, { privateKey: key.privateKey });
    assert.deepEqual(checked.failures, []);
    assert.match(checked.inputs.name, /^modules-[0-9a-f]{7}$/);
    const created = await host.create(urn, checked.inputs);
    assert.equal(tfc.state.sshKeys.get(created.id)!.name, checked.inputs.name);
    const read = await host.read(urn, created.id, created.properties);
    assert.equal(read.id, created.id);
    // What `pulumi import` sends: the id, no properties (the 3.248 server alone fails on it).
    const imported = await host.read(urn, created.id);
    assert.equal(imported.id, created.id);
    assert.equal(imported.properties.name, checked.inputs.name);
    assert.equal(imported.properties.organization, tfc.organization);
    assert.equal(imported.inputs.name, checked.inputs.name);
    await host.delete(urn, created.id, created.properties);
    assert.equal(tfc.state.sshKeys.has(created.id), false);
  });

  it("a half-made create (the key made, its answer unusable) fails with the key's id, not a hang", async () => {
    const urn = "urn:pulumi:dev::keys::access-keys:tfc:SshKey::half";
    const checked = await host.check(urn, {}, { privateKey: key.privateKey });
    tfc.faults.script({ method: "POST", fault: { kind: "rewrite-after", rewrite: () => ({ unexpected: true }) } });
    const failure = await host.create(urn, checked.inputs).then(
      () => assert.fail("the create succeeded"),
      (e: { code?: number; details?: string; metadata?: { get(k: string): unknown[] } }) => e,
    );
    const made = [...tfc.state.sshKeys.values()].find((k) => k.name === checked.inputs.name);
    assert.ok(made, "the key was made");
    // The engine records the object from the detail the server packs with its id (ErrorResourceInitFailed).
    const detail = Buffer.concat((failure.metadata?.get("grpc-status-details-bin") ?? []) as Buffer[]).toString("latin1");
    assert.ok(detail.includes("pulumirpc.ErrorResourceInitFailed") && detail.includes(made.id), `no init-failed detail with ${made.id}: ${failure.details}`);
    assert.doesNotMatch(detail, /PRIVATE KEY/);
    tfc.state.sshKeys.delete(made.id);
  });
});
