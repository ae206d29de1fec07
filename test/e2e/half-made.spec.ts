// Layer 5 (issue 13): an object whose create failed after the service made it converges on the next
// `pulumi up`, with the real CLI. Each service makes the object and then answers with something the
// provider cannot use (the emulators' `rewrite-after` fault): the engine records the id with what the
// error carried, and the next `up` brings the object in line (or replaces it), leaving exactly the
// declared objects, each holding the declared key, with working secrets in state.

import { strict as assert } from "node:assert";
import { generateKeyPair } from "../../src/ssh/keys";
import { assertExactlyDeclared, assertKeysAsDeclared, assertNothingLeft, assertSecretsMatch, drillProgram, closeDrill, openDrillStack, startDrillServices } from "../support/drill";
import type { DrillServices, StateResource } from "../support/drill";
import { PulumiStack, requirePulumiCli, scanForSecrets } from "../support/pulumi";

describe("end to end: a half-made object converges on the next up", function () {
  this.timeout(300_000);
  const bin = requirePulumiCli();
  const key = generateKeyPair({ algorithm: "ed25519" });
  let services: DrillServices;
  let stack: PulumiStack;
  let projectDir: string;

  before(async () => {
    services = await startDrillServices();
    ({ stack, projectDir } = await openDrillStack(bin(), "half-made", drillProgram({ count: 1 }), services, key, { PULUMI_ACCESS_KEYS_RETRY_BASE_MS: "20" }));
  });
  after(async () => closeDrill({ stack, projectDir }, services));

  it("every create makes its object and gets an answer it cannot use: up fails, recording each object", async () => {
    const rewrite = (fn: (body: any) => unknown) => ({ kind: "rewrite-after" as const, rewrite: fn });
    services.octopus.faults.script(
      { method: "POST", path: /\/accounts$/, fault: rewrite((b) => ({ ...b, Id: undefined })) },
      { method: "POST", path: /\/apikeys$/, fault: rewrite((b) => ({ ...b, ApiKey: undefined })) },
    );
    services.tfc.faults.script({ method: "POST", path: /\/ssh-keys$/, fault: rewrite(() => ({ data: { type: "ssh-keys" } })) });
    services.nova.faults.script({ method: "POST", path: /\/os-keypairs$/, fault: rewrite((b) => ({ keypair: { ...b.keypair, fingerprint: "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00" } })) });
    const first = await stack.run(["up", "--yes", "--skip-preview"]);
    assert.notEqual(first.code, 0, "up reports the failures");
    for (const what of ["unexpected response for the created account", "unexpected response for the created API key", "unexpected response for the created SSH key", "Nova reports fingerprint"]) {
      assert.ok(first.output.includes(what), `up says: ${what}\n${first.output.slice(-3000)}`);
    }
    const resources = (await stack.exportJson()).deployment.resources ?? [];
    const ours = resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
    assert.equal(ours.length, 4, "the engine recorded all four objects");
    for (const r of ours) assert.ok(r.id, `${r.urn} has its id`);
    for (const r of ours) assert.ok(r.outputs?.__provider, `${r.urn} can still be refreshed and destroyed`);
  });

  it("the next up converges: exactly the declared objects, each holding the declared key, secrets that work", async () => {
    const second = await stack.run(["up", "--yes", "--skip-preview"]);
    assert.equal(second.code, 0, second.output.slice(-4000));
    const resources = ((await stack.exportJson()).deployment.resources ?? []) as StateResource[];
    assertExactlyDeclared(services, 1, resources);
    assertKeysAsDeclared(services, key.privateKey, key.publicKey, ["import"], 1);
    await assertSecretsMatch(services, await stack.outputs(true));
    await stack.must(["preview", "--expect-no-changes"]);
    await stack.must(["refresh", "--yes", "--skip-preview"]);
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("destroy leaves nothing, and no secret is in state, the backend or the CLI's output", async () => {
    const outputs = await stack.outputs(true);
    await stack.must(["destroy", "--yes", "--skip-preview"]);
    assertNothingLeft(services);
    const secrets = [key.privateKey, ...(outputs.apiKeyValues as { key: string }[]).map((k) => k.key)];
    assert.deepEqual(await scanForSecrets(stack, secrets), []);
  });
});
