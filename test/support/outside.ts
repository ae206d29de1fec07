// Objects made outside Pulumi, with plain API calls, as terraform-provider-octopusdeploy, -tfe and
// -openstack (or a person with curl) would make them: what the adoption tests take over.

import { strict as assert } from "node:assert";
import type { NovaEmulator } from "../../src/emulators/nova";
import type { OctopusEmulator } from "../../src/emulators/octopus";
import type { TfcEmulator } from "../../src/emulators/tfc";

/** An SSH key pair account in Spaces-1 (fields override the defaults); returns its id. */
export async function octopusAccountMadeElsewhere(octopus: OctopusEmulator, name: string, privateKey: string, fields: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${octopus.url}/api/Spaces-1/accounts`, {
    method: "POST",
    headers: { "x-octopus-apikey": octopus.admin.apiKey!, "content-type": "application/json" },
    body: JSON.stringify({
      AccountType: "SshKeyPair",
      Name: name,
      Username: "legacy",
      Description: "made by hand",
      PrivateKeyFile: { HasValue: true, NewValue: Buffer.from(privateKey).toString("base64") },
      PrivateKeyPassphrase: { HasValue: true, NewValue: "old passphrase" },
      EnvironmentIds: ["Environments-9"],
      ...fields,
    }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { Id: string }).Id;
}

/** An SSH key in the seeded organization; returns its id. */
export async function tfcKeyMadeElsewhere(tfc: TfcEmulator, name: string, privateKey: string): Promise<string> {
  const send = () =>
    fetch(`${tfc.url}/api/v2/organizations/${tfc.organization}/ssh-keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${tfc.tokens.user}`, "content-type": "application/vnd.api+json" },
      body: JSON.stringify({ data: { type: "ssh-keys", attributes: { name, value: privateKey } } }),
    });
  let res = await send();
  // The tests share the user's 30 requests per second: wait the window out, as any client must.
  for (let i = 0; res.status === 429 && i < 10; i++) {
    await new Promise((r) => setTimeout(r, Math.ceil(Number(res.headers.get("x-ratelimit-reset") ?? "1") * 1000)));
    res = await send();
  }
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { data: { id: string } }).data.id;
}

/** A key pair of the seeded ordinary user, importing a public key. */
export async function novaKeypairMadeElsewhere(nova: NovaEmulator, name: string, publicKey: string): Promise<void> {
  const res = await fetch(`${nova.computeUrl.replace(/\/+$/, "")}/os-keypairs`, {
    method: "POST",
    headers: { "x-auth-token": nova.issueToken(nova.credentials.username), "content-type": "application/json" },
    body: JSON.stringify({ keypair: { name, public_key: publicKey } }),
  });
  assert.ok(res.status === 200 || res.status === 201, await res.clone().text());
}
