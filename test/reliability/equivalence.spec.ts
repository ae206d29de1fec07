// Equivalent spellings are not changes (issue 13): a space named by id, by name or not at all (the
// default), a user named by id, by username or not at all (the authenticated user), plan no
// replacement, and cost at most one cached lookup per provider process (none when the strings match).

import { strict as assert } from "node:assert";
import { octopusApiKeyProvider } from "../../src/octopus/api-key";
import { octopusSshAccountProvider } from "../../src/octopus/ssh-account";
import { generateKeyPair } from "../../src/ssh/keys";
import { useOctopusEmulator } from "../support/octopus";
import { changed } from "../support/provider";
import type { Provider } from "../support/provider";

const key = generateKeyPair({ algorithm: "ed25519" });

describe("equivalent spellings are not changes", () => {
  const emu = useOctopusEmulator();
  const conn = () => ({ serverUrl: emu.get().url, apiKey: emu.get().admin.apiKey! });

  it("OctopusSshAccount: space Spaces-1, its name and no space at all are one space", async () => {
    const provider = octopusSshAccountProvider as Provider;
    const created = await provider.create({ name: "spelled", username: "deploy", privateKey: key.privateKey, space: "Spaces-1", connection: conn() });
    const olds = created.outs!;
    emu.get().requests.clear();
    for (const space of ["Default", "default", undefined, "Spaces-1"]) {
      const d = await provider.diff(created.id, olds, { ...olds, space });
      assert.equal(changed(d), false, `space ${String(space)}`);
      assert.equal(d.replaces, undefined, `space ${String(space)}`);
    }
    assert.ok(emu.get().requests.length <= 1, `at most one lookup (the space list): ${emu.get().requests.map((r) => r.path).join(", ")}`);
    const other = emu.get().createSpace("Elsewhere");
    for (const space of ["Elsewhere", other.Id]) {
      assert.deepEqual((await provider.diff(created.id, olds, { ...olds, space })).replaces, ["space"], `space ${space} is a move`);
    }
    // Given as a name first, then by id or not at all: the same.
    const byName = await provider.create({ name: "spelled-by-name", username: "deploy", privateKey: key.privateKey, space: "Default", connection: conn() });
    for (const space of ["Spaces-1", undefined]) assert.equal(changed((await provider.diff(byName.id, byName.outs!, { ...byName.outs!, space }))), false, `space ${String(space)}`);
  });

  it("OctopusApiKey: user Users-1, its username and no user at all (the authenticated admin) are one user", async () => {
    const provider = octopusApiKeyProvider as Provider;
    const created = await provider.create({ purpose: "spelled", user: "Users-1", connection: conn() });
    const olds = created.outs!;
    emu.get().requests.clear();
    for (const user of ["admin", "ADMIN", undefined, "Users-1"]) {
      const d = await provider.diff(created.id, olds, { ...olds, user });
      assert.equal(changed(d), false, `user ${String(user)}`);
      assert.equal(d.replaces, undefined, `user ${String(user)}`);
    }
    assert.ok(emu.get().requests.length <= 2, `a lookup per spelling at most, cached: ${emu.get().requests.map((r) => r.path).join(", ")}`);
    const other = emu.get().createUser({ username: "someone-else" });
    for (const user of ["someone-else", other.id]) {
      assert.deepEqual((await provider.diff(created.id, olds, { ...olds, user })).replaces, ["user"], `user ${user} is another user`);
    }
  });
});
