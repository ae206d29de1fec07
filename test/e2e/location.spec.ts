// Layer 5 (issue 13): where an object lives is part of it, with the real CLI. An Octopus account made
// on one server: the environment pointing at another server fails preview and up with both named and
// nothing sent; naming the same server in the `connection` argument is no move; naming the other
// server there replaces the account (made on the new server, deleted from the old one).

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { startOctopusEmulator } from "../../src/emulators/octopus";
import type { OctopusEmulator } from "../../src/emulators/octopus";
import { generateKeyPair } from "../../src/ssh/keys";
import { PulumiStack, makeProjectDir, requirePulumiCli } from "../support/pulumi";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { OctopusSshAccount } from "pulumi-access-keys";

const c = new pulumi.Config();
const serverUrl = c.get("serverUrl");
const account = new OctopusSshAccount("deploy", {
  name: "deploy-located",
  username: "deploy",
  privateKey: c.requireSecret("key"),
  space: "Spaces-1",
  ...(serverUrl ? { connection: { serverUrl, apiKey: c.requireSecret("apiKey") } } : {}),
});
export const accountId = account.accountId;
`;

describe("end to end: an object's place is part of it", function () {
  this.timeout(300_000);
  const bin = requirePulumiCli();
  const key = generateKeyPair({ algorithm: "ed25519" });
  let one: OctopusEmulator;
  let two: OctopusEmulator;
  let stack: PulumiStack;
  let projectDir: string;
  const named = (o: OctopusEmulator) => [...o.state.accounts.values()].filter((a) => a.Name === "deploy-located");

  before(async () => {
    one = await startOctopusEmulator();
    two = await startOctopusEmulator();
    projectDir = makeProjectDir("location-e2e", PROGRAM);
    stack = new PulumiStack(bin(), projectDir, { OCTOPUS_URL: one.url, OCTOPUS_API_KEY: one.admin.apiKey! });
    await stack.init();
    await stack.setConfig("key", key.privateKey, true);
  });
  after(async () => {
    await stack?.destroyAndRemove();
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
    await one?.close();
    await two?.close();
  });

  it("made on the server the environment names", async () => {
    await stack.up();
    assert.equal(named(one).length, 1);
  });

  it("the environment pointing at another server: preview and up fail naming both, nothing is sent there, nothing changes", async () => {
    two.requests.clear();
    const moved = { OCTOPUS_URL: two.url, OCTOPUS_API_KEY: two.admin.apiKey! };
    for (const args of [["preview"], ["up", "--yes", "--skip-preview"]]) {
      const result = await stack.run(args, { env: moved });
      assert.notEqual(result.code, 0, `pulumi ${args[0]} fails`);
      assert.match(result.output, new RegExp(`lives on ${one.url}, but the connection settings \\(stack config or environment\\) now point at ${two.url}`));
    }
    assert.equal(two.requests.length, 0, "nothing reached the other server");
    assert.equal(named(one).length, 1, "the account is still where it lives");
    await stack.must(["preview", "--expect-no-changes"]);
  });

  it("the same server named in the connection argument is no move; another server there replaces the account", async () => {
    await stack.setConfig("serverUrl", `${one.url}/`);
    await stack.setConfig("apiKey", one.admin.apiKey!, true);
    const same = await stack.up();
    assert.doesNotMatch(same.output, /replaced/);
    const before = (await stack.outputs()).accountId;
    assert.equal(named(one)[0]!.Id, before, "still the account made first");

    await stack.setConfig("serverUrl", two.url);
    await stack.setConfig("apiKey", two.admin.apiKey!, true);
    const moved = await stack.up();
    assert.match(moved.output, /\+- +pulumi-nodejs:dynamic\/octopus:SshAccount deploy replaced/);
    assert.equal(named(one).length, 0, "deleted from the old server");
    assert.equal(named(two).length, 1, "made on the new one");
    assert.equal(named(two)[0]!.Id, (await stack.outputs()).accountId);
    await stack.must(["preview", "--expect-no-changes"]);
  });
});
