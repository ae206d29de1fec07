// The documentation cannot drift from the code: docs/API.md is what `npm run docs` generates from the
// TSDoc (and every export has TSDoc), and every ```ts example in the README, the migration guide and
// the API reference type-checks against the built package, as a user would paste it.

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "./support/host";

const DOCS = ["README.md", "docs/MIGRATION.md", "docs/API.md"];

// What every example may assume, as the README says: the SDK as \`pulumi\`, \`fs\`, the four resources and a
// \`config\`. An example's own imports of these are folded in.
const RESOURCES = ["NovaKeypair", "OctopusApiKey", "OctopusSshAccount", "SshKeyPair", "TfcSshKey"];

/** A compilable module for one example. */
export function exampleModule(code: string): string {
  const names = new Set(RESOURCES);
  const imports: string[] = [];
  const body: string[] = [];
  for (const line of code.split("\n")) {
    const own = /^import \{([^}]*)\} from "pulumi-access-keys";$/.exec(line);
    if (own) own[1]!.split(",").map((n) => n.trim()).filter(Boolean).forEach((n) => names.add(n));
    else if (/^import \* as (pulumi|fs) from "(@pulumi\/pulumi|node:fs)";$/.test(line) || /^const config = new pulumi\.Config\(\);$/.test(line)) continue;
    else if (line.startsWith("import ")) imports.push(line);
    else body.push(line);
  }
  const text = body.join("\n");
  // Top-level await (the emulator examples) needs an async function in a CommonJS module.
  const wrapped = /^(?:const .*= )?await |^\s*await /m.test(text) && !/^export /m.test(text) ? `export async function example(): Promise<void> {\n${text}\n}` : text;
  return [
    'import * as pulumi from "@pulumi/pulumi";',
    'import * as fs from "node:fs";',
    `import { ${[...names].join(", ")} } from "pulumi-access-keys";`,
    ...imports,
    "const config = new pulumi.Config();",
    `void fs; void config; ${[...names].map((n) => `void ${n};`).join(" ")}`,
    wrapped,
    "export {};",
    "",
  ].join("\n");
}

/** The ```ts blocks of a markdown file, with the line each starts on. */
export function tsBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== "```ts") continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== "```") end++;
    blocks.push({ line: start + 1, code: lines.slice(start, end).join("\n") });
    i = end;
  }
  return blocks;
}

describe("documentation", function () {
  this.timeout(120_000);

  it("docs/API.md is up to date and every export has TSDoc", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { generate, OUT } = require(path.join(REPO_ROOT, "scripts", "api-docs.js")) as { generate: () => { text: string; undocumented: string[] }; OUT: string };
    const { text, undocumented } = generate();
    assert.deepEqual(undocumented, [], "exports or members without TSDoc");
    assert.equal(fs.readFileSync(OUT, "utf8"), text, "docs/API.md is stale: run `npm run docs`");
  });

  it("every ```ts example in the README, the migration guide and the API reference type-checks", () => {
    // Inside the checkout, so the examples resolve the package and the SDK from its node_modules.
    fs.mkdirSync(path.join(REPO_ROOT, ".e2e"), { recursive: true });
    const dir = fs.mkdtempSync(path.join(REPO_ROOT, ".e2e", "docs-"));
    try {
      const files: string[] = [];
      const where = new Map<string, string>();
      for (const doc of DOCS) {
        const blocks = tsBlocks(fs.readFileSync(path.join(REPO_ROOT, doc), "utf8"));
        assert.ok(blocks.length > 0, `${doc} has no examples`);
        blocks.forEach((block, i) => {
          const file = path.join(dir, `${path.basename(doc, ".md")}-${i + 1}.ts`);
          fs.writeFileSync(file, exampleModule(block.code));
          files.push(file);
          where.set(path.basename(file), `${doc}:${block.line}`);
        });
      }
      fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({ compilerOptions: { target: "ES2022", module: "node16", moduleResolution: "node16", strict: true, noEmit: true, skipLibCheck: true, types: ["node"] }, files: files.map((f) => path.basename(f)) }),
      );
      try {
        execFileSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { encoding: "utf8", stdio: "pipe" });
      } catch (error) {
        const out = String((error as { stdout?: string }).stdout ?? error);
        // Name the document and line, not the temporary file.
        const located = out.replace(/([\w-]+\.ts)\((\d+),\d+\)/g, (_m, f: string, l: string) => `${where.get(f) ?? f} (line ${l} of the example as compiled)`);
        assert.fail(`documentation examples do not type-check:\n${located}`);
      }
      console.log(`      ${files.length} examples type-check`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
