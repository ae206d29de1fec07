// Layer 5 (issue 14, item 7): one key rotated across three services without a gap, with the real CLI
// and the demo program itself (examples/demo). The emulators' request logs, replayed in the one order
// they share (`applied`), show every moment of the rotation: at each, Nova holds the key pair, the
// Octopus account holds a key whose pair Nova still holds, and HCP Terraform holds such a key too; at
// the end only the new ones are left. The same holds for an API key renewed by `renewBefore` while the
// account uses it as its connection.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RecordedRequest } from "../../src/emulators/server";
import { inspectPrivateKey } from "../../src/ssh/keys";
import { clearRequests, startDrillServices } from "../support/drill";
import type { DrillServices } from "../support/drill";
import { PulumiStack, makeProjectDir, requirePulumiCli, scanForSecrets } from "../support/pulumi";

const DEMO = fs.readFileSync(path.join(__dirname, "..", "..", "..", "examples", "demo", "index.ts"), "utf8");

/** Nova's MD5 fingerprint of the key a private key text (or base64 of it) holds. */
function md5Of(privateKey: string): string {
  return inspectPrivateKey(privateKey).md5Fingerprint;
}

/** What each service holds at one moment, as fingerprints of the keys. */
interface Holdings {
  nova: Map<string, string>; // pair name -> fingerprint
  tfc: Map<string, string>; // key id -> fingerprint
  account: string; // the fingerprint of the key the account holds
}

describe("end to end: the demo rotates one key across three services without a gap", function () {
  this.timeout(600_000);
  const bin = requirePulumiCli();
  let services: DrillServices;
  let stack: PulumiStack;
  let projectDir: string;
  const secrets: string[] = [];

  const holdingsNow = (): Holdings => {
    const accounts = [...services.octopus.state.accounts.values()];
    assert.equal(accounts.length, 1);
    return {
      nova: new Map([...services.nova.state.keypairs.values()].map((k) => [k.name, k.fingerprint])),
      tfc: new Map([...services.tfc.state.sshKeys.values()].map((k) => [k.id, md5Of(k.value)])),
      account: md5Of(accounts[0]!.PrivateKeyFile!),
    };
  };
  const clearLogs = () => clearRequests(services);
  /** Every request a service acted on with success since the logs were cleared, in the order they acted. */
  const acted = (): RecordedRequest[] =>
    [...services.octopus.requests, ...services.tfc.requests, ...services.nova.requests]
      .filter((r) => r.applied !== undefined && r.status !== undefined && r.status < 300 && r.method !== "GET")
      .sort((a, b) => a.applied! - b.applied!);

  /**
   * Replays the key changes in the order the services made them, from `start`, checking after each
   * that every service holds a working key; returns the holdings at the end and the step list.
   */
  function replay(start: Holdings): { end: Holdings; steps: string[] } {
    const h: Holdings = { nova: new Map(start.nova), tfc: new Map(start.tfc), account: start.account };
    const steps: string[] = [];
    for (const r of acted()) {
      const where = `${r.method} ${r.path}`;
      if (/\/os-keypairs$/.test(r.path) && r.method === "POST") {
        const k = (r.response!.body as { keypair: { name: string; fingerprint: string } }).keypair;
        h.nova.set(k.name, k.fingerprint);
        steps.push(`Nova: new key pair ${k.name}`);
      } else if (/\/os-keypairs\/[^/]+$/.test(r.path) && r.method === "DELETE") {
        const name = decodeURIComponent(r.path.split("/").pop()!);
        h.nova.delete(name);
        steps.push(`Nova: old key pair ${name} deleted`);
      } else if (/\/accounts\/[^/]+$/.test(r.path) && r.method === "PUT") {
        const file = (r.body as { PrivateKeyFile?: { NewValue?: string } }).PrivateKeyFile?.NewValue;
        if (file) {
          h.account = md5Of(file);
          steps.push("Octopus: account updated in place with the new key");
        }
      } else if (/\/ssh-keys$/.test(r.path) && r.method === "POST") {
        const body = r.body as { data: { attributes: { value: string } } };
        const id = (r.response!.body as { data: { id: string } }).data.id;
        h.tfc.set(id, md5Of(body.data.attributes.value));
        steps.push(`HCP Terraform: new key ${id}`);
      } else if (/\/ssh-keys\/[^/]+$/.test(r.path) && r.method === "DELETE") {
        const id = r.path.split("/").pop()!;
        h.tfc.delete(id);
        steps.push(`HCP Terraform: old key ${id} deleted`);
      } else {
        continue;
      }
      const novaKeys = new Set(h.nova.values());
      assert.ok(novaKeys.size >= 1, `after "${where}": Nova holds a key pair`);
      assert.ok(novaKeys.has(h.account), `after "${where}": the Octopus account's key is one Nova holds`);
      assert.ok([...h.tfc.values()].some((f) => novaKeys.has(f)), `after "${where}": HCP Terraform holds a key Nova holds`);
    }
    return { end: h, steps };
  }

  before(async () => {
    services = await startDrillServices();
    projectDir = makeProjectDir("rotation", DEMO);
    stack = new PulumiStack(bin(), projectDir, { ...services.env, OCTOPUS_API_KEY: "", OCTOPUS_APIKEY: "" });
    await stack.init();
    await stack.setConfig("apiKeyExpires", "1h");
    await stack.setConfig("apiKeyRenewBefore", "30m");
  });
  after(async () => {
    await stack?.destroyAndRemove();
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
    await services?.close();
  });

  it("the first up: one key pair, the account holding its key, the same key in HCP Terraform", async () => {
    await stack.up();
    const h = holdingsNow();
    assert.equal(h.nova.size, 1);
    assert.equal(h.tfc.size, 1);
    const fingerprint = [...h.nova.values()][0]!;
    assert.equal(h.account, fingerprint);
    assert.equal([...h.tfc.values()][0], fingerprint);
    const out = await stack.outputs(true);
    secrets.push(out.privateKey, out.apiKey);
    assert.match(out.novaKeypairName, /^deploy-keypair-[0-9a-f]{7}$/);
  });

  async function rotation(how: string, run: () => Promise<unknown>, options: { settles?: boolean } = {}): Promise<void> {
    const start = holdingsNow();
    const before = await stack.outputs();
    clearLogs();
    await run();
    const { end, steps } = replay(start);
    console.log(`      ${how}:\n${steps.map((s) => `        ${s}`).join("\n")}`);
    const after = await stack.outputs(true);
    secrets.push(after.privateKey);
    // The new ones only, and the account is the same account.
    assert.deepEqual([...end.nova.keys()], [after.novaKeypairName]);
    assert.notEqual(after.novaKeypairName, before.novaKeypairName);
    assert.equal(end.tfc.size, 1);
    assert.deepEqual([...end.tfc.keys()], [after.tfcSshKeyId]);
    assert.equal(after.octopusAccountId, before.octopusAccountId, "the account was updated in place");
    const fresh = [...end.nova.values()][0]!;
    assert.equal(end.account, fresh);
    assert.equal([...end.tfc.values()][0], fresh);
    assert.deepEqual(holdingsNow(), end, "the replay ends where the services are");
    // The order the issue asks for: both deletes after the account and the new HCP Terraform key.
    const at = (re: RegExp) => steps.findIndex((s) => re.test(s));
    const lastNew = Math.max(at(/^Nova: new/), at(/^Octopus: account updated/), at(/^HCP Terraform: new/));
    assert.ok(at(/^Nova: new/) === 0, "the new key pair comes first");
    assert.ok(lastNew < at(/^HCP Terraform: old key/) && lastNew < at(/^Nova: old key pair/), `the old keys go last: ${steps.join("; ")}`);
    if (options.settles !== false) await stack.must(["preview", "--expect-no-changes"]);
  }

  it("a rotation with pulumi up --replace on the key pair: new pair, account in place, new HCP Terraform key, then the old ones deleted", async () => {
    const urn = ((await stack.exportJson()).deployment.resources ?? []).find((r) => r.type === "pulumi-nodejs:dynamic/nova:Keypair")!.urn;
    await rotation("pulumi up --replace <key pair>", () => stack.must(["up", "--yes", "--skip-preview", "--replace", urn]));
  });

  it("a rotation on schedule (rotateAfter falls due): the same order, and the reason shown", async () => {
    await new Promise((r) => setTimeout(r, 1_100));
    await stack.setConfig("keyRotateAfter", "1s");
    await rotation("rotateAfter due", async () => {
      const preview = await stack.must(["preview"]);
      assert.match(preview.output, /NovaKeypair deploy-keypair-[0-9a-f]{7}: rotation due since/);
      await stack.up();
    }, { settles: false }); // "1s": the new pair is due again a second later
    // A period not yet due again: nothing changes.
    await stack.setConfig("keyRotateAfter", "90d");
    await stack.up();
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("an API key renewed by renewBefore while the account uses it: new key first, the account moved to it, the old one revoked last", async () => {
    const before = await stack.outputs(true);
    clearLogs();
    await stack.setConfig("apiKeyRenewBefore", "59m59s"); // due one second after the key was made
    const up = await stack.up();
    assert.match(up.output, /renewal due since/);
    const after = await stack.outputs(true);
    secrets.push(after.apiKey);
    assert.notEqual(after.apiKeyId, before.apiKeyId);
    const octopus = acted().filter((r) => r.path.includes("/apikeys"));
    const made = octopus.findIndex((r) => r.method === "POST");
    const revoked = octopus.findIndex((r) => r.method === "DELETE" && r.path.endsWith(`/${before.apiKeyId}`));
    assert.ok(made >= 0 && revoked > made, "the new key is made before the old one is revoked");
    assert.equal(services.octopus.state.apiKeys.has(before.apiKeyId), false, "the old key is revoked");
    assert.ok(services.octopus.state.apiKeys.has(after.apiKeyId));
    await stack.setConfig("apiKeyRenewBefore", "30m"); // else the new key is due again a second later
    await stack.up();
    // The account is managed with the new key from then on: a refresh reads it with that key.
    clearLogs();
    await stack.must(["refresh", "--yes", "--skip-preview"]);
    const reads = services.octopus.requests.filter((r) => /\/accounts\//.test(r.path));
    assert.ok(reads.length > 0);
    for (const r of reads) assert.equal(r.status, 200);
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("destroy leaves nothing, and no secret is in state, the backend or the CLI's output", async () => {
    await stack.must(["destroy", "--yes", "--skip-preview"]);
    assert.equal(services.nova.state.keypairs.size, 0);
    assert.equal(services.tfc.state.sshKeys.size, 0);
    assert.equal(services.octopus.state.accounts.size, 0);
    assert.deepEqual(await scanForSecrets(stack, secrets.filter(Boolean)), []);
  });
});
