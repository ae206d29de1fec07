// Layer 5 (issue 14, item 6): `adopt: true` may stay in a program. With the real CLI: a key made
// outside Pulumi is adopted; deleted outside Pulumi, a refresh forgets it; the next `up` creates it
// again and the CLI shows the provider's warning saying so (through the engine's Log service).

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { startTfcEmulator } from "../../src/emulators/tfc";
import type { TfcEmulator } from "../../src/emulators/tfc";
import { generateKeyPair } from "../../src/ssh/keys";
import { tfcKeyMadeElsewhere } from "../support/outside";
import { PulumiStack, makeProjectDir, requirePulumiCli } from "../support/pulumi";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { TfcSshKey } from "pulumi-access-keys";

const c = new pulumi.Config();
const key = new TfcSshKey("modules", { name: "adopted-modules", privateKey: c.requireSecret("key"), adopt: true });
export const sshKeyId = key.sshKeyId;
`;

describe("end to end: adopt may stay in the program", function () {
  this.timeout(300_000);
  const bin = requirePulumiCli();
  const key = generateKeyPair({ algorithm: "ed25519" });
  let tfc: TfcEmulator;
  let stack: PulumiStack;
  let projectDir: string;
  const named = () => [...tfc.state.sshKeys.values()].filter((k) => k.name === "adopted-modules");

  before(async () => {
    tfc = await startTfcEmulator();
    projectDir = makeProjectDir("adopt-stays", PROGRAM);
    stack = new PulumiStack(bin(), projectDir, { TFE_ADDRESS: tfc.url, TFE_TOKEN: tfc.tokens.user, TFE_ORGANIZATION: tfc.organization });
    await stack.init();
    await stack.setConfig("key", key.privateKey, true);
  });
  after(async () => {
    await stack?.destroyAndRemove();
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
    await tfc?.close();
  });

  it("adopts, forgets what was deleted outside, then creates it again with a warning", async () => {
    const outside = await tfcKeyMadeElsewhere(tfc, "adopted-modules", key.privateKey);
    await stack.up();
    assert.equal((await stack.outputs()).sshKeyId, outside, "adopted, nothing new");

    tfc.state.sshKeys.delete(outside);
    await stack.must(["refresh", "--yes", "--skip-preview"]);
    const again = await stack.up();
    assert.match(again.output, /warning: TfcSshKey: adopt is set, but the organization '.*' has no SSH key named 'adopted-modules' to adopt: creating it/);
    assert.equal(named().length, 1);
    assert.equal((await stack.outputs()).sshKeyId, named()[0]!.id);
    await stack.must(["preview", "--expect-no-changes"]);
  });
});
