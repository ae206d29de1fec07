// Layer 1: the resource classes in a Pulumi program, under Pulumi's mocks. Provider methods never run
// here, but serialization does, and so does everything the classes hand to the engine.

import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  additionalSecretOutputs: string[];
}

describe("resources in a program (mocks)", () => {
  const registered: Registered[] = [];
  let mod: typeof import("../src/index");

  before(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          // Echo the inputs and invent the outputs a provider would add.
          const state: Record<string, unknown> = { ...args.inputs };
          if (args.type.endsWith("octopus:SshAccount")) Object.assign(state, { accountId: "Accounts-1", spaceId: "Spaces-1", fingerprint: "SHA256:abc", publicKey: "ssh-ed25519 AAAA" });
          if (args.type.endsWith("octopus:ApiKey")) Object.assign(state, { apiKey: pulumi.secret("API-MOCKED"), apiKeyId: "apikeys-1", userId: "Users-1" });
          if (args.type.endsWith("tfc:SshKey")) Object.assign(state, { sshKeyId: "sshkey-1", organization: "acme", fingerprint: "SHA256:abc" });
          if (args.type.endsWith("index:SshKeyPair")) Object.assign(state, { privateKey: "LOCAL-PRIVATE", privateKeyPem: "LOCAL-PEM", publicKey: "ssh-rsa AAAA ci", fingerprint: "SHA256:x" });
          if (args.type.endsWith("nova:Keypair")) Object.assign(state, { privateKey: pulumi.secret("NOVA-PRIVATE"), publicKey: "ssh-rsa AAAA", fingerprint: "aa:bb", userId: "u1" });
          return { id: `${args.name}-id`, state };
        },
        call: () => ({}),
      },
      "access-keys",
      "test",
      false,
    );
    // Capture what reaches the engine, including the options mocks otherwise ignore.
    const monitor: any = (pulumi.runtime as any).getMonitor();
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
      const object = req.getObject() as { toJavaScript(): Record<string, any> } | undefined;
      registered.push({
        type: req.getType(),
        name: req.getName(),
        inputs: object ? object.toJavaScript() : {},
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      });
      return original(req, cb);
    };
    // Loaded after setMocks, as a program would be.
    mod = require("../src/index"); // eslint-disable-line @typescript-eslint/no-require-imports
  });

  const find = (name: string) => {
    const r = registered.find((x) => x.name === name);
    assert.ok(r, `${name} was not registered`);
    return r;
  };
  const isSecret = (v: unknown) => typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] !== undefined;
  const output = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => resolve(v)));

  it("OctopusSshAccount registers its own token, keeps secret inputs secret and lists its secret outputs", async () => {
    const account = new mod.OctopusSshAccount("acct", {
      name: "deploy",
      username: "ubuntu",
      privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n",
      privateKeyPassphrase: "pass phrase",
      connection: { serverUrl: "https://octopus.example", apiKey: "API-MOCKEDKEYMOCKEDKEY" },
    });
    assert.equal(await output(account.fingerprint), "SHA256:abc");
    const r = find("acct");
    assert.equal(r.type, "pulumi-nodejs:dynamic/octopus:SshAccount");
    assert.ok(isSecret(r.inputs.privateKey), "privateKey input is not secret");
    assert.ok(isSecret(r.inputs.privateKeyPassphrase), "privateKeyPassphrase input is not secret");
    assert.ok(isSecret(r.inputs.connection), "connection input is not secret");
    assert.deepEqual([...r.additionalSecretOutputs].sort(), ["connection", "privateKey", "privateKeyPassphrase"]);
    // Output-only properties are seeded so the resource object has them.
    for (const key of ["accountId", "spaceId", "slug", "publicKey", "fingerprint", "keyType"]) assert.ok(key in account, key);
    assert.equal(await output(account.accountId), "Accounts-1");
    const provider = r.inputs.__provider as string;
    assert.equal(typeof provider, "string");
    // From this checkout the provider is captured by value (installed, it is a one-line require:
    // see serialization.spec.ts for the 2 KB budget); either way it is small and holds no secret.
    assert.ok(provider.length <= 4096, `__provider is ${provider.length} bytes`);
    assert.ok(!provider.includes("API-MOCKED"));
    assert.ok(!provider.includes("not-a-real-key"));
  });

  it("OctopusApiKey registers its own token and marks apiKey and connection secret", async () => {
    const key = new mod.OctopusApiKey("key", {
      purpose: "ci",
      connection: { serverUrl: "https://octopus.example", username: "admin", password: "hunter2hunter2" },
    });
    assert.equal(await output(key.apiKeyId), "apikeys-1");
    const r = find("key");
    assert.equal(r.type, "pulumi-nodejs:dynamic/octopus:ApiKey");
    assert.ok(isSecret(r.inputs.connection));
    assert.deepEqual([...r.additionalSecretOutputs].sort(), ["apiKey", "connection"]);
    for (const key2 of ["apiKey", "apiKeyId", "userId", "created", "expires", "user"]) assert.ok(key2 in key, key2);
    assert.ok(!(r.inputs.__provider as string).includes("hunter2"));
  });

  it("composes: an API key made by login feeds the account's connection", async () => {
    const key = new mod.OctopusApiKey("first-key", { purpose: "bootstrap", connection: { serverUrl: "https://o", username: "admin", password: "pw-pw-pw-pw" } });
    new mod.OctopusSshAccount("composed", {
      name: "n",
      username: "u",
      privateKey: "k",
      connection: { serverUrl: "https://o", apiKey: key.apiKey },
    });
    await new Promise((r) => setTimeout(r, 200));
    const r = find("composed");
    assert.ok(isSecret(r.inputs.connection));
    assert.equal(r.inputs.connection.value.apiKey, "API-MOCKED");
  });

  it("TfcSshKey registers its own token, takes the account's private key, and keeps it secret", async () => {
    const account = new mod.OctopusSshAccount("for-tfc", { name: "n", username: "u", privateKey: "PRIVATE-KEY-TEXT-123" });
    const key = new mod.TfcSshKey("tfc-key", { name: "modules", privateKey: account.privateKey, connection: { token: "tfc-token-secret-1" } });
    assert.equal(await output(key.sshKeyId), "sshkey-1");
    const r = find("tfc-key");
    assert.equal(r.type, "pulumi-nodejs:dynamic/tfc:SshKey");
    assert.ok(isSecret(r.inputs.privateKey));
    assert.equal(r.inputs.privateKey.value, "PRIVATE-KEY-TEXT-123");
    assert.ok(isSecret(r.inputs.connection));
    assert.deepEqual([...r.additionalSecretOutputs].sort(), ["connection", "privateKey"]);
    for (const k of ["sshKeyId", "organization", "publicKey", "fingerprint", "keyType"]) assert.ok(k in key, k);
    assert.ok(!(r.inputs.__provider as string).includes("tfc-token-secret-1"));
  });

  it("NovaKeypair registers its own token and marks privateKey and connection secret; its key feeds the others", async () => {
    const kp = new mod.NovaKeypair("nova-kp", { name: "deploy", connection: { authUrl: "https://k/v3", password: "os-password-secret" } });
    const account = new mod.OctopusSshAccount("from-nova", { name: "n", username: "u", privateKey: kp.privateKey.apply((k) => k ?? "") });
    assert.equal(await output(kp.fingerprint), "aa:bb");
    await output(account.accountId);
    const r = find("nova-kp");
    assert.equal(r.type, "pulumi-nodejs:dynamic/nova:Keypair");
    assert.ok(isSecret(r.inputs.connection));
    assert.deepEqual([...r.additionalSecretOutputs].sort(), ["connection", "privateKey"]);
    for (const k of ["publicKey", "fingerprint", "privateKey", "userId", "type", "createdAt"]) assert.ok(k in kp, k);
    assert.ok(!(r.inputs.__provider as string).includes("os-password-secret"));
    const a = find("from-nova");
    assert.ok(isSecret(a.inputs.privateKey));
    assert.equal(a.inputs.privateKey.value, "NOVA-PRIVATE");
  });

  it("SshKeyPair registers its own token and marks both private keys secret; its key feeds the others", async () => {
    const pair = new mod.SshKeyPair("local-pair", { keyAlgorithm: "rsa", comment: "ci" });
    const account = new mod.OctopusSshAccount("from-pair", { name: "p", username: "u", privateKey: pair.privateKey });
    await output(account.accountId);
    const r = find("local-pair");
    assert.equal(r.type, "pulumi-nodejs:dynamic/index:SshKeyPair");
    assert.deepEqual([...r.additionalSecretOutputs].sort(), ["privateKey", "privateKeyPem"]);
    for (const k of ["privateKey", "privateKeyPem", "publicKey", "fingerprint", "md5Fingerprint", "keyType", "createdAt"]) assert.ok(k in pair, k);
    const a = find("from-pair");
    assert.ok(isSecret(a.inputs.privateKey), "the generated key reaches the account as a secret");
  });

  it("every resource of a kind shares one serialized provider", () => {
    const providers = registered.filter((r) => r.type.endsWith("octopus:SshAccount")).map((r) => r.inputs.__provider);
    assert.ok(providers.length >= 2);
    assert.equal(new Set(providers).size, 1);
  });
});
