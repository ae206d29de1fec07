// Layer 5 (issue 16, first part): the provider plugin's generated schema is one the Pulumi CLI takes:
// `pulumi package gen-sdk` makes a Node.js SDK from it, with a class per resource and the secrets marked.

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { requirePulumiCli } from "../support/pulumi";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generate } = require(path.join(__dirname, "..", "..", "..", "scripts", "plugin-schema.js")) as { generate: () => unknown };

describe("end to end: the plugin schema and the Pulumi CLI", function () {
  this.timeout(120_000);
  const bin = requirePulumiCli();

  it("pulumi package gen-sdk makes a Node.js SDK from it: a class per resource, secrets marked", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pak-schema-"));
    try {
      const schemaFile = path.join(dir, "schema.json");
      fs.writeFileSync(schemaFile, JSON.stringify(generate(), null, 2));
      const home = path.join(dir, "home");
      execFileSync(path.join(bin(), "pulumi"), ["package", "gen-sdk", schemaFile, "--language", "nodejs", "-o", path.join(dir, "sdk")], {
        env: { ...process.env, PATH: `${bin()}${path.delimiter}${process.env.PATH}`, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const sdk = path.join(dir, "sdk", "nodejs");
      for (const file of ["octopus/sshAccount.ts", "octopus/apiKey.ts", "tfc/sshKey.ts", "nova/keypair.ts", "sshKeyPair.ts"]) assert.ok(fs.existsSync(path.join(sdk, file)), file);
      const account = fs.readFileSync(path.join(sdk, "octopus", "sshAccount.ts"), "utf8");
      assert.match(account, /__pulumiType = 'access-keys:octopus:SshAccount'/);
      assert.match(account, /additionalSecretOutputs: \["connection", "privateKey", "privateKeyPassphrase"\]/);
      assert.match(fs.readFileSync(path.join(sdk, "octopus", "apiKey.ts"), "utf8"), /additionalSecretOutputs: \["apiKey", "connection"\]/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
