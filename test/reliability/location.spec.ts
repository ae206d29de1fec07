// Where an object lives is part of what it is (issue 13): another server, HCP Terraform address,
// cloud, region or user in the `connection` argument replaces the object; the same move coming from
// stack config or the environment is an error with the way out (acting would touch the wrong object
// or forget the right one); credentials alone, and another spelling of one URL, change nothing.

import { strict as assert } from "node:assert";
import { sameEndpoint } from "../../src/core/connection";
import { startNovaEmulator } from "../../src/emulators/nova";
import type { NovaEmulator } from "../../src/emulators/nova";
import { startOctopusEmulator } from "../../src/emulators/octopus";
import type { OctopusEmulator } from "../../src/emulators/octopus";
import { startTfcEmulator } from "../../src/emulators/tfc";
import type { TfcEmulator } from "../../src/emulators/tfc";
import { novaKeypairProvider } from "../../src/nova/keypair";
import { octopusApiKeyProvider } from "../../src/octopus/api-key";
import { octopusSshAccountProvider } from "../../src/octopus/ssh-account";
import { generateKeyPair } from "../../src/ssh/keys";
import { tfcSshKeyProvider } from "../../src/tfc/ssh-key";
import { NO_OCTOPUS_ENV } from "../support/octopus";
import { failure, withEnv, changed } from "../support/provider";
import type { Provider } from "../support/provider";

const key = generateKeyPair({ algorithm: "ed25519" });

/** The same URL spelled otherwise: a trailing slash (or two), the scheme in capitals. */
function respelled(url: string): string[] {
  return [`${url}/`, `${url}//`, url.replace(/^http:/, "HTTP:")];
}

describe("location: one server, however its URL is spelled", () => {
  it("host letter case, the default port and trailing slashes are not a move; another host, port or path is", () => {
    assert.ok(sameEndpoint("https://Octopus.Example.com:443/", "https://octopus.example.com"));
    assert.ok(sameEndpoint("http://tfe.example.com:80/tfe/", "http://TFE.example.com/tfe"));
    assert.ok(!sameEndpoint("https://octopus.example.com", "https://octopus2.example.com"));
    assert.ok(!sameEndpoint("https://octopus.example.com:8443", "https://octopus.example.com"));
    assert.ok(!sameEndpoint("https://example.com/a", "https://example.com/b"));
  });
});

describe("location: a move is a replacement or a clear error, never a silent state update", () => {
  describe("Octopus (two servers)", () => {
    let one: OctopusEmulator;
    let two: OctopusEmulator;
    before(async () => {
      one = await startOctopusEmulator();
      two = await startOctopusEmulator();
    });
    after(async () => {
      await one.close();
      await two.close();
    });
    const account = octopusSshAccountProvider as Provider;
    const apiKey = octopusApiKeyProvider as Provider;

    it("another serverUrl in the connection argument replaces; another spelling of the same URL or a new API key does not", async () => {
      const created = await account.create({ name: "placed", username: "deploy", privateKey: key.privateKey, space: "Spaces-1", connection: { serverUrl: one.url, apiKey: one.admin.apiKey! } });
      const olds = created.outs!;
      assert.equal(olds.endpoint, one.url, "the server is recorded");
      for (const serverUrl of respelled(one.url)) {
        const d = await account.diff(created.id, olds, { ...olds, connection: { serverUrl, apiKey: one.admin.apiKey! } });
        assert.equal(d.replaces, undefined, `${serverUrl} is the same server`);
      }
      const rotated = one.createUser({ username: "other-admin", isAdmin: true, apiKey: true });
      const d1 = await account.diff(created.id, olds, { ...olds, connection: { serverUrl: one.url, apiKey: rotated.apiKey! } });
      assert.equal(changed(d1), true, "a new credential is a change (in state only)");
      assert.equal(d1.replaces, undefined, "but not a move");
      const d2 = await account.diff(created.id, olds, { ...olds, connection: { serverUrl: two.url, apiKey: two.admin.apiKey! } });
      assert.deepEqual(d2.replaces, ["connection"], "another server replaces the account");
    });

    it("the same move through the environment is an error naming both servers, for diff, read, update and delete; nothing is sent", async () => {
      const created = await withEnv({ ...NO_OCTOPUS_ENV, OCTOPUS_URL: one.url, OCTOPUS_API_KEY: one.admin.apiKey! }, () =>
        apiKey.create({ purpose: "placed by the environment" }),
      );
      const olds = created.outs!;
      two.requests.clear();
      await withEnv({ ...NO_OCTOPUS_ENV, OCTOPUS_URL: two.url, OCTOPUS_API_KEY: two.admin.apiKey! }, async () => {
        for (const [op, run] of [
          ["diff", () => apiKey.diff(created.id, olds, { purpose: olds.purpose })],
          ["read", () => apiKey.read!(created.id, olds)],
          ["update", () => apiKey.update(created.id, olds, { purpose: olds.purpose })],
          ["delete", () => apiKey.delete(created.id, olds)],
        ] as const) {
          const e = await failure(run);
          assert.match(e.message, new RegExp(`lives on ${one.url}.*now point at ${two.url}`), op);
        }
      });
      assert.equal(two.requests.length, 0, "nothing reached the other server");
      assert.ok(one.state.apiKeys.has(created.id), "the key is still there");
    });
  });

  describe("HCP Terraform (two addresses)", () => {
    let one: TfcEmulator;
    let two: TfcEmulator;
    before(async () => {
      one = await startTfcEmulator();
      two = await startTfcEmulator();
    });
    after(async () => {
      await one.close();
      await two.close();
    });
    const provider = tfcSshKeyProvider as Provider;

    it("another address in the argument replaces; from the environment it is an error", async () => {
      const created = await provider.create({ organization: one.organization, name: "placed", privateKey: key.privateKey, connection: { address: one.url, token: one.tokens.user } });
      const olds = created.outs!;
      assert.equal(olds.endpoint, one.url);
      assert.equal((await provider.diff(created.id, olds, { ...olds, connection: { address: `${one.url}/`, token: one.tokens.team } })).replaces, undefined);
      assert.deepEqual((await provider.diff(created.id, olds, { ...olds, connection: { address: two.url, token: two.tokens.user } })).replaces, ["connection"]);
      const fromEnv = await withEnv({ TFE_ADDRESS: one.url, TFE_TOKEN: one.tokens.user, TFE_HOSTNAME: undefined, TFE_ORGANIZATION: undefined }, () =>
        provider.create({ organization: one.organization, name: "placed-env", privateKey: key.privateKey }),
      );
      await withEnv({ TFE_ADDRESS: two.url, TFE_TOKEN: two.tokens.user, TFE_HOSTNAME: undefined, TFE_ORGANIZATION: undefined }, async () => {
        const e = await failure(() => provider.read!(fromEnv.id, fromEnv.outs!));
        assert.match(e.message, /lives on .* but the connection settings/);
        const d = await failure(() => provider.diff(fromEnv.id, fromEnv.outs!, { organization: one.organization, name: "placed-env", privateKey: key.privateKey }));
        assert.match(d.message, /lives on/);
      });
    });
  });

  describe("Nova (two regions, two users)", () => {
    let nova: NovaEmulator;
    before(async () => {
      nova = await startNovaEmulator({ regions: ["RegionOne", "RegionTwo"] });
    });
    after(async () => nova.close());
    const provider = novaKeypairProvider as Provider;
    const conn = (over: Record<string, unknown> = {}) => {
      const c = nova.credentials;
      return { authUrl: c.authUrl, username: c.username, password: c.password, userDomainName: c.userDomainName, projectName: c.projectName, projectDomainName: c.projectDomainName, ...over };
    };

    it("no region set while the catalog has two: an error listing them, before anything is made", async () => {
      const e = await failure(() => provider.create({ name: "where", publicKey: key.publicKey, connection: conn() }));
      assert.match(e.message, /RegionOne, RegionTwo/);
      assert.equal(nova.state.keypairs.size, 0);
    });

    it("another region or user in the argument replaces; another region from the environment is an error; the same user by other means is not a move", async () => {
      const created = await provider.create({ name: "placed", publicKey: key.publicKey, connection: conn({ region: "RegionOne" }) });
      const olds = created.outs!;
      assert.equal(olds.endpoint.region, "RegionOne");
      assert.equal((await provider.diff(created.id, olds, { ...olds, connection: conn({ region: "RegionOne", authUrl: `${nova.credentials.authUrl}/` }) })).replaces, undefined);
      assert.deepEqual((await provider.diff(created.id, olds, { ...olds, connection: conn({ region: "RegionTwo" }) })).replaces, ["connection"]);
      const other = nova.createUser({ name: "someone", projects: [nova.credentials.projectId] });
      const asOther = conn({ region: "RegionOne", username: other.name, password: other.password });
      const declared = { name: "placed", publicKey: key.publicKey };
      assert.deepEqual((await provider.diff(created.id, olds, { ...declared, connection: asOther })).replaces, ["connection"], "another user's key pairs are elsewhere");
      const sameUserById = conn({ region: "RegionOne", username: undefined, userDomainName: undefined, userId: nova.credentials.userId });
      assert.equal((await provider.diff(created.id, olds, { ...declared, connection: sameUserById })).replaces, undefined, "the same user named by id");

      const fromEnv = await withEnv({ ...nova.environment(), OS_REGION_NAME: "RegionOne" }, () => provider.create({ name: "placed-env", publicKey: key.publicKey }));
      await withEnv({ ...nova.environment(), OS_REGION_NAME: "RegionTwo" }, async () => {
        const e = await failure(() => provider.diff(fromEnv.id, fromEnv.outs!, { name: "placed-env", publicKey: key.publicKey }));
        assert.match(e.message, /region RegionOne.*region RegionTwo/);
        const d = await failure(() => provider.delete(fromEnv.id, fromEnv.outs!));
        assert.match(d.message, /lives on/);
      });
      assert.equal([...nova.state.keypairs.values()].filter((k) => k.name === "placed-env").length, 1, "nothing was deleted");
    });
  });
});
