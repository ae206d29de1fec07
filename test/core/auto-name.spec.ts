// Auto-naming and the replacement order (issue 14, items 1 and 2), at the dispatcher: what check makes
// of a resource without `name`, with and without old inputs, and the default `deleteBeforeReplace`.

import { strict as assert } from "node:assert";
import { LOGICAL_NAME, applyAutoName, replacementOrder } from "../../src/core/provider";
import type { AutoNameRule } from "../../src/core/provider";
import { novaKeypairProvider } from "../../src/nova/keypair";
import { octopusSshAccountProvider } from "../../src/octopus/ssh-account";
import { tfcSshKeyProvider } from "../../src/tfc/ssh-key";

const rule: AutoNameRule = { maxLength: 20, clean: (s) => s.replace(/[^a-z-]/g, "-") };

describe("auto-naming", () => {
  it("a new resource without a name gets its logical name and 7 random hex digits; the logical name is not stored", () => {
    const a = applyAutoName(rule, {}, { [LOGICAL_NAME]: "deploy", username: "u" });
    assert.match(a.inputs.name, /^deploy-[0-9a-f]{7}$/);
    assert.equal(a.inputs[LOGICAL_NAME], undefined);
    assert.deepEqual(a.failures, []);
    const b = applyAutoName(rule, {}, { [LOGICAL_NAME]: "deploy" });
    assert.notEqual(a.inputs.name, b.inputs.name, "random: a replacement, checked without old inputs, gets another name");
  });

  it("keeps the name the old inputs hold (every later check), and an explicit name always", () => {
    assert.equal(applyAutoName(rule, { name: "deploy-1a2b3c4" }, { [LOGICAL_NAME]: "deploy" }).inputs.name, "deploy-1a2b3c4");
    assert.equal(applyAutoName(rule, { name: "old" }, { [LOGICAL_NAME]: "deploy", name: "mine" }).inputs.name, "mine");
    assert.equal(applyAutoName(rule, {}, { [LOGICAL_NAME]: "deploy", name: "mine" }).inputs.name, "mine");
  });

  it("fits the service: characters it refuses are replaced, long names cut before the suffix", () => {
    const name = applyAutoName(rule, {}, { [LOGICAL_NAME]: "My Very Long Logical Name" }).inputs.name as string;
    assert.equal(name.length, 20);
    assert.match(name, /^-y--ery--ong-[0-9a-f]{7}$/);
  });

  it("adopt needs an explicit name; no logical name and no name is 'name is required'", () => {
    assert.deepEqual(applyAutoName(rule, {}, { [LOGICAL_NAME]: "deploy", adopt: true }).failures.map((f) => f.property), ["name"]);
    assert.match(applyAutoName(rule, {}, { [LOGICAL_NAME]: "deploy", adopt: "Accounts-1" }).failures[0]!.reason, /adopt takes over an existing object, which keeps its name: give `name`/);
    assert.deepEqual(applyAutoName(rule, {}, {}).failures, [{ property: "name", reason: "name is required" }]);
    assert.deepEqual(applyAutoName(rule, {}, { [LOGICAL_NAME]: "d", adopt: false }).failures, []);
  });

  it("each named resource names itself as its service allows", async () => {
    const nova = await novaKeypairProvider.check!({}, { [LOGICAL_NAME]: "web/deploy:key@x", publicKey: undefined });
    assert.match(nova.inputs!.name, /^web-deploy-key-x-[0-9a-f]{7}$/, "Nova: letters, digits, '_', '-', spaces");
    assert.deepEqual(nova.failures ?? [], []);
    const octopus = await octopusSshAccountProvider.check!({}, { [LOGICAL_NAME]: "deploy", username: "u" });
    assert.match(octopus.inputs!.name, /^deploy-[0-9a-f]{7}$/);
    const tfc = await tfcSshKeyProvider.check!({}, { [LOGICAL_NAME]: "modules" });
    assert.match(tfc.inputs!.name, /^modules-[0-9a-f]{7}$/);
  });
});

describe("replacement order", () => {
  it("an explicit name deletes first by default; an auto-name creates first; the user's option wins", () => {
    assert.deepEqual(replacementOrder("deploy", undefined), { deleteBeforeReplace: true });
    assert.deepEqual(replacementOrder(undefined, undefined), {});
    assert.deepEqual(replacementOrder("deploy", { deleteBeforeReplace: false }), {});
    assert.deepEqual(replacementOrder(undefined, { deleteBeforeReplace: true }), {});
  });
});
