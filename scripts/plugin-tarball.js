#!/usr/bin/env node
// Builds the provider plugin as a tarball for `pulumi plugin install` (issue 16):
//
//   node scripts/plugin-tarball.js [out-dir]     (default: dist/plugin; after `npm run build`)
//   pulumi plugin install resource access-keys v<version> --file <out-dir>/pulumi-resource-access-keys-v<version>.tar.gz
//
// The tarball holds the executable `pulumi-resource-access-keys` at its root (a shell script that runs
// this package's plugin entry point with the `node` on PATH, Node.js 20 or later) and a node_modules
// with this package, as `npm pack` makes it, and its production dependencies, @pulumi/pulumi included.
// It contains JavaScript only, so one tarball serves every OS and architecture that has Node.js and a
// POSIX shell. npm fetches what its cache lacks from the registry.
"use strict";

const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const NAME = "pulumi-resource-access-keys";

const LAUNCHER = `#!/bin/sh
# The access-keys Pulumi provider plugin (pulumi-access-keys ${pkg.version}), run with the node on PATH.
dir=$(cd "$(dirname "$0")" && pwd -P)
exec node "$dir/node_modules/pulumi-access-keys/bin/${NAME}" "$@"
`;

function main() {
  const out = path.resolve(process.argv[2] ?? path.join(ROOT, "dist", "plugin"));
  if (!fs.existsSync(path.join(ROOT, "dist", "src", "plugin", "schema.json"))) throw new Error("plugin-tarball: run `npm run build` first (dist/src/plugin/schema.json is missing)");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "access-keys-plugin-"));
  try {
    const npm = (args, cwd) => execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
    // The package exactly as npm publishes it (`files` in package.json), built already.
    const packed = JSON.parse(npm(["pack", "--ignore-scripts", "--json", "--pack-destination", work], ROOT))[0].filename;
    const plugin = path.join(work, "plugin");
    fs.mkdirSync(plugin);
    const pulumiVersion = JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json", { paths: [ROOT] }), "utf8")).version;
    fs.writeFileSync(
      path.join(plugin, "package.json"),
      `${JSON.stringify({ name: `${NAME}-bundle`, version: pkg.version, private: true, dependencies: { "pulumi-access-keys": `file:../${packed}`, "@pulumi/pulumi": pulumiVersion } }, null, 2)}\n`,
    );
    npm(["install", "--omit=dev", "--prefer-offline", "--ignore-scripts", "--install-links"], plugin);
    fs.writeFileSync(path.join(plugin, NAME), LAUNCHER, { mode: 0o755 });
    fs.mkdirSync(out, { recursive: true });
    const tarball = path.join(out, `${NAME}-v${pkg.version}.tar.gz`);
    execFileSync("tar", ["-czf", tarball, "-C", plugin, "."]);
    process.stdout.write(`${tarball}\n`);
    return tarball;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) main();
module.exports = { main };
