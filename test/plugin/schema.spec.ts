// The provider plugin's schema (issue 16, first part), generated from the TypeScript resources
// themselves (scripts/plugin-schema.js): the same resources the plugin serves, every property
// documented, secrets marked as the classes keep them, required inputs as the classes require them.

import { strict as assert } from "node:assert";
import * as path from "node:path";
import { TOKENS } from "../../src/plugin/provider";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generate } = require(path.join(__dirname, "..", "..", "..", "scripts", "plugin-schema.js")) as { generate: () => any };

describe("provider plugin schema", function () {
  this.timeout(60_000);
  let schema: any;
  before(() => {
    schema = generate();
  });

  it("describes exactly the resource types the plugin serves", () => {
    assert.deepEqual(Object.keys(schema.resources).sort(), Object.keys(TOKENS).sort());
    assert.equal(schema.name, "access-keys");
  });

  it("documents every property of every resource and type", () => {
    const undocumented: string[] = [];
    for (const [token, r] of Object.entries<any>(schema.resources)) {
      for (const [k, p] of Object.entries<any>({ ...r.inputProperties, ...r.properties })) if (!p.description) undocumented.push(`${token}.${k}`);
    }
    for (const [token, t] of Object.entries<any>(schema.types)) for (const [k, p] of Object.entries<any>(t.properties)) if (!p.description) undocumented.push(`${token}.${k}`);
    assert.deepEqual(undocumented, []);
  });

  it("marks secrets as the classes keep them, inputs and outputs", () => {
    const secrets = (props: Record<string, any>) => Object.keys(props).filter((k) => props[k].secret).sort();
    const account = schema.resources["access-keys:octopus:SshAccount"];
    assert.deepEqual(secrets(account.inputProperties), ["connection", "privateKey", "privateKeyPassphrase"]);
    assert.deepEqual(secrets(account.properties), ["connection", "privateKey", "privateKeyPassphrase"]);
    assert.deepEqual(secrets(schema.resources["access-keys:octopus:ApiKey"].properties), ["apiKey", "connection"]);
    assert.deepEqual(secrets(schema.resources["access-keys:nova:Keypair"].properties), ["connection", "privateKey"]);
    assert.deepEqual(secrets(schema.resources["access-keys:index:SshKeyPair"].properties), ["privateKey", "privateKeyPem"]);
    for (const r of Object.values<any>(schema.resources)) if (r.inputProperties.connection) assert.equal(r.inputProperties.connection.secret, true);
  });

  it("requires what the classes require, and names are optional (auto-naming)", () => {
    assert.deepEqual(schema.resources["access-keys:octopus:SshAccount"].requiredInputs, ["username", "privateKey"]);
    assert.deepEqual(schema.resources["access-keys:octopus:ApiKey"].requiredInputs, ["purpose"]);
    assert.deepEqual(schema.resources["access-keys:tfc:SshKey"].requiredInputs, ["privateKey"]);
    assert.deepEqual(schema.resources["access-keys:nova:Keypair"].requiredInputs, []);
  });

  it("types the arguments: unions, lists, connections as object types", () => {
    const account = schema.resources["access-keys:octopus:SshAccount"].inputProperties;
    assert.deepEqual(account.adopt.oneOf, [{ type: "boolean" }, { type: "string" }]);
    assert.deepEqual({ type: account.environmentIds.type, items: account.environmentIds.items }, { type: "array", items: { type: "string" } });
    assert.equal(account.connection.$ref, "#/types/access-keys:octopus:OctopusConnection");
    const connection = schema.types["access-keys:octopus:OctopusConnection"].properties;
    assert.deepEqual(Object.keys(connection).sort(), ["apiKey", "caCertificate", "insecure", "password", "serverUrl", "space", "username"]);
    assert.equal(connection.insecure.type, "boolean");
    assert.equal(schema.resources["access-keys:index:SshKeyPair"].inputProperties.bits.type, "number");
  });
});
