// What loading the package loads (issue 15, items 1 and 2), from `require.cache` in fresh processes,
// not from the clock: a program that declares resources gets the classes and nothing that serves them;
// the provider host loads one implementation per kind it serves.

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as path from "node:path";

const DIST = path.resolve(__dirname, "..", "src");

/** The modules a fresh Node process adds to require.cache running `script` after loading @pulumi/pulumi. */
function loadedBy(script: string): string[] {
  const program = `
    require("@pulumi/pulumi");
    const before = new Set(Object.keys(require.cache));
    Promise.resolve((async () => { ${script} })()).then(() => {
      process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((k) => !before.has(k))));
    });`;
  const out = execFileSync(process.execPath, ["-e", program], { cwd: path.resolve(DIST, "..", ".."), encoding: "utf8", env: process.env });
  return JSON.parse(out) as string[];
}

const ours = (files: readonly string[]) => files.filter((f) => f.startsWith(DIST + path.sep)).map((f) => path.relative(DIST, f).split(path.sep).join("/"));
const dependencies = (files: readonly string[]) => [...new Set(files.map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter((d): d is string => d !== undefined))].sort();

describe("what loading the package loads", function () {
  this.timeout(60_000);

  it("a program: the resource classes, the provider objects and the error classes; no implementation, undici, zod or sshpk", () => {
    const loaded = loadedBy(`require(${JSON.stringify(path.join(DIST, "index.js"))});`);
    assert.deepEqual(dependencies(loaded), [], "no dependency beyond @pulumi/pulumi (loaded before)");
    const allowed = /^(index|(octopus|tfc|nova|local)\/resources|internal\/(octopus-ssh-account|octopus-api-key|tfc-ssh-key|nova-keypair|ssh-key-pair|provider-object)|core\/(errors|redact|resource-options))\.js$/;
    const extra = ours(loaded).filter((f) => !allowed.test(f));
    assert.deepEqual(extra, [], "only the classes and what they need");
    assert.ok(ours(loaded).includes("octopus/resources.js"));
  });

  it("the provider host: serving one kind loads that kind's implementation only", () => {
    const providers = JSON.stringify(path.join(DIST, "internal", "providers.js"));
    const loaded = ours(
      loadedBy(`
        const { dispatch } = require(${providers});
        await dispatch("tfc:SshKey", "check", {}, [{}, { name: "n", privateKey: "x" }]);
      `),
    );
    assert.ok(loaded.includes("tfc/ssh-key.js"), "the TfcSshKey implementation");
    const others = loaded.filter((f) => /^(octopus|nova|local)\//.test(f) || /^emulators\/|^recovery\//.test(f));
    assert.deepEqual(others, [], "no other kind's implementation, no emulator, no recovery tool");
  });

  it("SshKeyPair, which sends nothing, loads no HTTP client", () => {
    const providers = JSON.stringify(path.join(DIST, "internal", "providers.js"));
    const loaded = loadedBy(`
      const { dispatch } = require(${providers});
      await dispatch("index:SshKeyPair", "check", {}, [{}, {}]);
    `);
    assert.ok(!dependencies(loaded).includes("undici"), `loaded: ${dependencies(loaded).join(", ")}`);
    assert.ok(!ours(loaded).includes("core/http.js"));
  });
});
