#!/usr/bin/env node
// Generates the provider plugin's Pulumi package schema (issue 16) from the one source of truth the
// TypeScript resources already are: each resource class exported by `src/index.ts`, its arguments
// interface (inputs, with their TSDoc and whether they are optional), its declared outputs, its type
// token (the module and type its constructor passes to pulumi.dynamic.Resource), and which values it
// keeps secret (`pulumi.secret(args.x)` inputs, `additionalSecretOutputs`). No second list is kept.
//
//   node scripts/plugin-schema.js            prints the schema (JSON)
//   node scripts/plugin-schema.js <file>     writes it to <file>

"use strict";

const fs = require("node:fs");
const path = require("node:path");
const ts = require("typescript");

const ROOT = path.resolve(__dirname, "..");
const ENTRY = path.join(ROOT, "src", "index.ts");
const PACKAGE = "access-keys";

function generate() {
  const program = ts.createProgram([ENTRY], { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, strict: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(ENTRY));
  const doc = (symbol) => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
  const schema = {
    name: PACKAGE,
    displayName: "Access keys",
    version,
    description: "SSH keys and API keys owned by a Pulumi stack: Octopus Deploy SSH accounts and API keys, HCP Terraform SSH keys, OpenStack Nova key pairs, local SSH key pairs.",
    license: "Apache-2.0",
    meta: { moduleFormat: "(.*)" },
    language: { nodejs: { packageName: "pulumi-access-keys-sdk" }, csharp: { rootNamespace: "Pulumi" } },
    types: {},
    resources: {},
  };

  /** Whether a type is one of Pulumi's wrappers of a value (Promise, Output). */
  const isWrapper = (t) => ["Promise", "OutputInstance", "Output"].includes(t.getSymbol()?.name ?? t.aliasSymbol?.name ?? "");

  /** The type a property declares, with `pulumi.Input<T>` / `pulumi.Output<T>` taken off its node. */
  function declaredType(decl) {
    let node = decl.type;
    while (node && ts.isTypeReferenceNode(node) && /^pulumi\.(Input|Output)$/.test(node.typeName.getText()) && node.typeArguments?.length) node = node.typeArguments[0];
    return node ? checker.getTypeFromTypeNode(node) : checker.getTypeOfSymbolAtLocation(decl.symbol, decl);
  }

  /** Whether a declared type admits undefined or null (an output that may be absent). */
  function optional(decl) {
    const t = declaredType(decl);
    return (t.isUnion() ? t.types : [t]).some((m) => m.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null));
  }

  /** A schema type spec for a TypeScript type, adding object types to `schema.types`. */
  function specOf(type, module, where = "") {
    let members = (type.isUnion() ? type.types : [type]).filter((m) => !(m.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)) && !isWrapper(m));
    const specs = [];
    if (members.some((m) => m.flags & (ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral))) specs.push({ type: "boolean" });
    if (members.some((m) => m.flags & (ts.TypeFlags.String | ts.TypeFlags.StringLiteral))) specs.push({ type: "string" });
    if (members.some((m) => m.flags & (ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral))) specs.push({ type: "number" });
    members = members.filter((m) => !(m.flags & (ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral | ts.TypeFlags.String | ts.TypeFlags.StringLiteral | ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral)));
    for (const m of members) {
      if (checker.isArrayType(m)) {
        specs.push({ type: "array", items: specOf(checker.getTypeArguments(m)[0], module, `${where}[]`) });
        continue;
      }
      const symbol = m.getSymbol() ?? m.aliasSymbol;
      if (!symbol || !(m.flags & ts.TypeFlags.Object)) throw new Error(`plugin-schema: cannot map type ${checker.typeToString(m)} at ${where}`);
      const token = `${PACKAGE}:${module}:${symbol.name}`;
      if (!schema.types[token]) {
        schema.types[token] = { type: "object", description: doc(symbol), properties: {} };
        for (const p of checker.getPropertiesOfType(m)) {
          schema.types[token].properties[p.name] = { ...specOf(declaredType(p.declarations[0]), module, `${where}.${p.name}`), description: doc(p) };
        }
      }
      specs.push({ $ref: `#/types/${token}` });
    }
    if (!specs.length) throw new Error(`plugin-schema: no schema type for '${checker.typeToString(type)}'`);
    return specs.length === 1 ? specs[0] : { oneOf: specs };
  }

  /** The strings of an array literal, or of the const an identifier names. */
  function stringList(node) {
    if (!node) return [];
    if (ts.isArrayLiteralExpression(node)) return node.elements.filter(ts.isStringLiteral).map((e) => e.text);
    if (ts.isIdentifier(node)) {
      const s = checker.getSymbolAtLocation(node);
      const d = s?.valueDeclaration ?? (s && s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s).valueDeclaration : undefined);
      if (d && ts.isVariableDeclaration(d)) return stringList(d.initializer);
    }
    return [];
  }

  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decl = symbol.declarations?.[0];
    if (!decl || !ts.isClassDeclaration(decl) || !(decl.heritageClauses ?? []).some((h) => h.getText().includes("pulumi.dynamic.Resource"))) continue;
    const ctor = decl.members.find(ts.isConstructorDeclaration);
    const superCall = ctor.body.statements.map((s) => (ts.isExpressionStatement(s) && ts.isCallExpression(s.expression) ? s.expression : undefined)).find((c) => c && c.expression.kind === ts.SyntaxKind.SuperKeyword);
    const [, , props, options, moduleArg, typeArg] = superCall.arguments;
    const module = moduleArg.text;
    const token = `${PACKAGE}:${module}:${typeArg.text}`;
    // Secrets: inputs the constructor wraps in pulumi.secret, outputs in additionalSecretOutputs.
    const secretInputs = new Set();
    for (const p of props.properties) {
      if (ts.isPropertyAssignment(p) && /pulumi\.secret\(/.test(p.initializer.getText())) secretInputs.add(p.name.getText());
    }
    const secretOutputs = new Set();
    const visit = (node) => {
      if (ts.isPropertyAssignment(node) && node.name.getText() === "additionalSecretOutputs") for (const s of stringList(node.initializer)) secretOutputs.add(s);
      ts.forEachChild(node, visit);
    };
    visit(options);

    const argsParam = ctor.parameters[1];

    const resource = { description: doc(symbol), inputProperties: {}, requiredInputs: [], properties: {}, required: [] };
    for (const p of checker.getPropertiesOfType(checker.getTypeFromTypeNode(argsParam.type))) {
      const pd = p.declarations[0];
      resource.inputProperties[p.name] = { ...specOf(declaredType(pd), module, `${token}.${p.name}`), description: doc(p), ...(secretInputs.has(p.name) ? { secret: true } : {}) };
      if (!pd.questionToken) resource.requiredInputs.push(p.name);
    }
    for (const m of decl.members) {
      if (!ts.isPropertyDeclaration(m) || !m.type) continue;
      const name = m.name.getText();
      const ms = checker.getSymbolAtLocation(m.name);
      const fromInput = resource.inputProperties[name];
      // An output that is an input takes the input's type (the state holds what was given).
      const spec = fromInput ? { ...fromInput } : specOf(declaredType(m), module, `${token} output ${name}`);
      delete spec.secret;
      delete spec.description;
      resource.properties[name] = { ...spec, description: doc(ms), ...(secretOutputs.has(name) ? { secret: true } : {}) };
      if (!optional(m)) resource.required.push(name);
    }
    schema.resources[token] = resource;
  }
  addConfig(schema);
  return schema;
}

/**
 * The provider's configuration: every stack config key the resources read (the official providers'
 * keys, `tfe:token`), as the plugin's own key (`access-keys:tfeToken`: the engine hands a plugin only
 * its own namespace), from the settings tables the clients resolve connections with (built first).
 */
function addConfig(schema) {
  const dist = path.join(ROOT, "dist", "src");
  const { STACK_CONFIG_KEYS } = require(path.join(dist, "core", "connection.js"));
  const { pluginConfigKey } = require(path.join(dist, "plugin", "provider.js"));
  const tables = [
    require(path.join(dist, "octopus", "client.js")).OCTOPUS_SETTINGS,
    require(path.join(dist, "tfc", "client.js")).TFC_SETTINGS,
    require(path.join(dist, "nova", "keystone.js")).KEYSTONE_SETTINGS,
  ];
  const variables = {};
  for (const [field, spec] of tables.flatMap((t) => Object.entries(t))) {
    if (!spec.config) continue;
    const label = spec.label ?? `OpenStack ${field.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)}`;
    const env = spec.env.length ? ` Falls back to the environment variable${spec.env.length > 1 ? "s" : ""} ${spec.env.map((e) => `\`${e}\``).join(" or ")}.` : "";
    variables[pluginConfigKey(spec.config)] = {
      type: "string",
      description: `${label}: what the TypeScript resources read from \`${spec.config}\`. A resource's \`connection\` overrides it.${env}`,
      ...(spec.secret ? { secret: true } : {}),
    };
  }
  // The TSDoc the descriptions come from names the TypeScript resources' keys: the plugin reads its own.
  const renamed = (text) => STACK_CONFIG_KEYS.reduce((t, k) => t.split(`\`${k}\``).join(`\`${PACKAGE}:${pluginConfigKey(k)}\``), text);
  const visit = (node) => {
    if (!node || typeof node !== "object") return;
    for (const [k, v] of Object.entries(node)) {
      if (k === "description" && typeof v === "string") node[k] = renamed(v);
      else visit(v);
    }
  };
  visit(schema.resources);
  visit(schema.types);
  const missing = STACK_CONFIG_KEYS.filter((k) => !variables[pluginConfigKey(k)]);
  if (missing.length) throw new Error(`plugin-schema: no settings table names the stack config key(s) ${missing.join(", ")}`);
  schema.config = { variables };
  schema.provider = {
    description: "The access-keys provider. Every setting falls back to the environment; a resource's `connection` overrides it.",
    inputProperties: variables,
  };
}

if (require.main === module) {
  const text = `${JSON.stringify(generate(), null, 2)}\n`;
  if (process.argv[2]) fs.writeFileSync(process.argv[2], text);
  else process.stdout.write(text);
}

module.exports = { generate };
