// Credentials (issue 13): one renewal for many waiting operations, and a refresh that never forgets a
// live object because of a credential that may not see it. Providers against the emulators.

import { strict as assert } from "node:assert";
import { startNovaEmulator } from "../../src/emulators/nova";
import type { NovaEmulator } from "../../src/emulators/nova";
import { novaKeypairProvider } from "../../src/nova/keypair";
import { octopusSshAccountProvider } from "../../src/octopus/ssh-account";
import { startTfcEmulator } from "../../src/emulators/tfc";
import type { TfcEmulator } from "../../src/emulators/tfc";
import { tfcSshKeyProvider } from "../../src/tfc/ssh-key";
import { generateKeyPair } from "../../src/ssh/keys";
import { useOctopusEmulator } from "../support/octopus";
import type { Provider } from "../support/provider";

const key = generateKeyPair({ algorithm: "ed25519" });

describe("credentials: one renewal, shared by every waiting operation", () => {
  describe("a Keystone token that the server expired", () => {
    const provider = novaKeypairProvider as Provider;
    let nova: NovaEmulator;
    before(async () => {
      nova = await startNovaEmulator();
    });
    after(async () => nova.close());

    it("ten parallel reads after the 401s make one token request", async () => {
      const c = nova.credentials;
      const connection = { authUrl: c.authUrl, username: c.username, password: c.password, userDomainName: c.userDomainName, projectName: c.projectName, projectDomainName: c.projectDomainName };
      const created = [];
      for (let i = 0; i < 10; i++) created.push(await provider.create({ name: `renew-${i}`, publicKey: generateKeyPair({ algorithm: "ed25519" }).publicKey, connection }));
      nova.expireTokens();
      nova.requests.clear();
      const reads = await Promise.all(created.map((k) => provider.read!(k.id, k.outs!)));
      assert.deepEqual(reads.map((r) => r.id), created.map((k) => k.id));
      assert.equal(nova.requests.filter((r) => r.method === "POST" && r.path.endsWith("/auth/tokens")).length, 1, "one token request for all ten");
    });
  });

  describe("an Octopus cookie session that the server revoked", () => {
    const provider = octopusSshAccountProvider as Provider;
    const emu = useOctopusEmulator();

    it("ten parallel reads after the 401s make one login", async () => {
      const connection = { serverUrl: emu.get().url, username: emu.get().admin.username, password: emu.get().admin.password };
      const created = [];
      for (let i = 0; i < 10; i++) created.push(await provider.create({ name: `renew-${i}`, username: "deploy", privateKey: key.privateKey, space: "Spaces-1", connection }));
      emu.get().state.sessions.clear();
      emu.get().requests.clear();
      const reads = await Promise.all(created.map((a) => provider.read!(a.id, a.outs!)));
      assert.deepEqual(reads.map((r) => r.id), created.map((a) => a.id));
      assert.equal(emu.get().requests.filter((r) => r.path === "/api/users/login").length, 1, "one login for all ten");
    });
  });
});

describe("credentials: a refresh never forgets a live object because of what a credential cannot see", () => {
  describe("TfcSshKey", () => {
    const provider = tfcSshKeyProvider as Provider;
    let tfc: TfcEmulator;
    let n = 0;
    const create = async () => provider.create({ organization: tfc.organization, name: `seen-${++n}`, privateKey: key.privateKey, connection: { address: tfc.url, token: tfc.tokens.user } });
    before(async () => {
      tfc = await startTfcEmulator();
    });
    after(async () => tfc.close());

    it("an organization token's 404 is not a deletion: the refresh fails naming the token kind, the key stays", async () => {
      const created = await create();
      const asOrg = { ...created.outs!, connection: { address: tfc.url, token: tfc.tokens.organization } };
      const e = await provider.read!(created.id, asOrg).then(
        (r) => assert.fail(`the refresh forgot a live key: ${JSON.stringify(r)}`),
        (error: Error) => error,
      );
      assert.match(e.message, /organization token/);
      assert.match(e.message, /user token|team token/);
      assert.ok(tfc.state.sshKeys.has(created.id));
    });

    it("a key deleted outside Pulumi, read with a user token, is gone", async () => {
      const created = await create();
      tfc.state.sshKeys.delete(created.id);
      assert.deepEqual(await provider.read!(created.id, created.outs!), {});
    });
  });

  describe("OctopusSshAccount", () => {
    const provider = octopusSshAccountProvider as Provider;
    const emu = useOctopusEmulator();
    let n = 0;
    const create = async (space = "Spaces-1") =>
      provider.create({ name: `seen-${++n}`, username: "deploy", privateKey: key.privateKey, space, connection: { serverUrl: emu.get().url, apiKey: emu.get().admin.apiKey! } });

    it("a 404 inside a space these credentials cannot see (or that is gone) is not a deletion", async () => {
      const space = emu.get().createSpace(`Hidden ${Date.now()}`);
      const created = await create(space.Id);
      emu.get().state.spaces.delete(space.Id);
      const e = await provider.read!(created.id, created.outs!).then(
        (r) => assert.fail(`the refresh forgot the account: ${JSON.stringify(r)}`),
        (error: Error) => error,
      );
      assert.match(e.message, new RegExp(`${space.Id}.*cannot see it`));
    });

    it("an account deleted outside Pulumi, in a space it can see, is gone", async () => {
      const created = await create();
      emu.get().state.accounts.delete(created.id);
      assert.deepEqual(await provider.read!(created.id, created.outs!), {});
    });
  });
});
