#!/usr/bin/env node
// Generates docs/API.md, the API reference, from the TSDoc comments of everything `src/index.ts`
// exports, with the TypeScript compiler the project already uses (a documentation generator would be
// a large dependency for one page).
//
//   node scripts/api-docs.js           writes docs/API.md
//   node scripts/api-docs.js --check   exits 1 when docs/API.md is stale or an export is undocumented
//
// test/docs.spec.ts runs the check, so the reference cannot drift from the code.

"use strict";

const fs = require("node:fs");
const path = require("node:path");
const ts = require("typescript");

const ROOT = path.resolve(__dirname, "..");
const ENTRY = path.join(ROOT, "src", "index.ts");
const OUT = path.join(ROOT, "docs", "API.md");

/** Builds the reference; returns its text and the exports or members that have no TSDoc. */
function generate() {
  const program = ts.createProgram([ENTRY], { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, strict: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const entry = program.getSourceFile(ENTRY);
  const moduleSymbol = checker.getSymbolAtLocation(entry);
  const undocumented = [];
  const sections = { Resources: [], "Argument and lookup types": [], Errors: [], "Other types": [] };

  const doc = (symbol) => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const tags = (symbol) =>
    symbol.getJsDocTags(checker).map((t) => ({ name: t.name, text: ts.displayPartsToString(t.text ?? []).trim() }));
  const typeText = (node) => (node && node.type ? node.type.getText() : "");
  const cell = (text) => text.replace(/\|/g, "\\|").replace(/\n+/g, " ");

  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decl = symbol.declarations?.[0];
    if (!decl) continue;
    const name = exported.name;
    const summary = doc(symbol);
    if (!summary) undocumented.push(name);
    const lines = [];

    if (ts.isClassDeclaration(decl)) {
      const isResource = (decl.heritageClauses ?? []).some((h) => h.getText().includes("pulumi.dynamic.Resource"));
      lines.push(`### ${name}`, "", summary, "");
      const example = tags(symbol).find((t) => t.name === "example");
      if (example) lines.push(example.text, "");
      const ctor = decl.members.find(ts.isConstructorDeclaration);
      // Signatures are ```typescript; ```ts blocks are examples, type-checked by test/docs.spec.ts.
      if (ctor) lines.push("```typescript", `new ${name}(${ctor.parameters.map((p) => p.getText()).join(", ")})`, "```", "");
      const statics = decl.members.filter((m) => ts.isMethodDeclaration(m) && m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword));
      for (const m of statics) {
        const ms = checker.getSymbolAtLocation(m.name);
        const mdoc = ms ? doc(ms) : "";
        if (!mdoc) undocumented.push(`${name}.${m.name.getText()}`);
        lines.push(`#### ${name}.${m.name.getText()}`, "", "```typescript", `${m.name.getText()}(${m.parameters.map((p) => p.getText()).join(", ")})${m.type ? `: ${m.type.getText()}` : ""}`, "```", "", mdoc, "");
        const mexample = ms ? ms.getJsDocTags(checker).find((t) => t.name === "example") : undefined;
        if (mexample) lines.push(ts.displayPartsToString(mexample.text ?? []).trim(), "");
      }
      const props = decl.members.filter((m) => ts.isPropertyDeclaration(m) && !m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword || x.kind === ts.SyntaxKind.PrivateKeyword));
      if (props.length) {
        lines.push(isResource ? "| output | type | |" : "| property | type | |", "|---|---|---|");
        for (const p of props) {
          const ps = checker.getSymbolAtLocation(p.name);
          const pdoc = ps ? doc(ps) : "";
          if (!pdoc && isResource) undocumented.push(`${name}.${p.name.getText()}`);
          lines.push(`| \`${p.name.getText()}\` | \`${cell(typeText(p))}\` | ${cell(pdoc)} |`);
        }
        lines.push("");
      }
      (isResource ? sections.Resources : sections.Errors).push(lines.join("\n"));
      continue;
    }

    if (ts.isInterfaceDeclaration(decl)) {
      lines.push(`### ${name}`, "", summary, "");
      if (decl.heritageClauses?.length) lines.push(`Extends ${decl.heritageClauses.map((h) => h.types.map((t) => `\`${t.getText()}\``).join(", ")).join(", ")}.`, "");
      lines.push("| property | type | |", "|---|---|---|");
      for (const m of decl.members) {
        if (!ts.isPropertySignature(m)) continue;
        const ms = checker.getSymbolAtLocation(m.name);
        const mdoc = ms ? doc(ms) : "";
        const def = ms ? tags(ms).find((t) => t.name === "default") : undefined;
        if (!mdoc && !def) undocumented.push(`${name}.${m.name.getText()}`);
        const text = [mdoc, def ? `Default: ${def.text}.` : ""].filter(Boolean).join(" ");
        lines.push(`| \`${m.name.getText()}${m.questionToken ? "?" : ""}\` | \`${cell(typeText(m))}\` | ${cell(text)} |`);
      }
      lines.push("");
      sections["Argument and lookup types"].push(lines.join("\n"));
      continue;
    }

    if (ts.isTypeAliasDeclaration(decl)) {
      lines.push(`### ${name}`, "", summary, "", "```typescript", `type ${name} = ${decl.type.getText().replace(/\s+/g, " ")};`, "```", "");
      sections["Other types"].push(lines.join("\n"));
      continue;
    }

    if (ts.isFunctionDeclaration(decl)) {
      lines.push(`### ${name}`, "", "```typescript", `function ${name}(${decl.parameters.map((p) => p.getText()).join(", ")})${decl.type ? `: ${decl.type.getText()}` : ""}`, "```", "", summary, "");
      sections.Errors.push(lines.join("\n"));
      continue;
    }
  }

  const out = [
    "# API reference",
    "",
    "Generated by `npm run docs` (`scripts/api-docs.js`) from the TSDoc in `src/`; do not edit by hand.",
    "Everything here is exported by `pulumi-access-keys`; the emulators (`pulumi-access-keys/emulators`) are",
    "documented in the README.",
    "",
  ];
  for (const [title, parts] of Object.entries(sections)) {
    if (!parts.length) continue;
    out.push(`## ${title}`, "", ...parts);
  }
  return { text: `${out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`, undocumented };
}

module.exports = { generate, OUT };

if (require.main === module) {
  const { text, undocumented } = generate();
  if (process.argv.includes("--check")) {
    const current = fs.existsSync(OUT) ? fs.readFileSync(OUT, "utf8") : "";
    let ok = true;
    if (current !== text) {
      console.error("docs/API.md is stale: run `npm run docs`");
      ok = false;
    }
    if (undocumented.length) {
      console.error(`exports without TSDoc: ${undocumented.join(", ")}`);
      ok = false;
    }
    process.exit(ok ? 0 : 1);
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, text);
  console.log(`wrote ${path.relative(ROOT, OUT)}${undocumented.length ? `; without TSDoc: ${undocumented.join(", ")}` : ""}`);
}
