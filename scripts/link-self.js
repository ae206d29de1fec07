#!/usr/bin/env node
// Makes `require("pulumi-access-keys/...")` resolve inside this repository, the way it resolves in a
// user's project where the package is installed.
//
// Why: the serialized provider that Pulumi stores in state `require`s the implementation by package
// name at run time, from the program's directory (pulumi-resource-pulumi-nodejs loads it with
// require-from-string, which has no file name, so Node's self-reference through "exports" does not
// apply). The demo, the examples and the tests run from this checkout, so the checkout must see itself
// as an installed package: node_modules/pulumi-access-keys -> .. (what npm workspaces would do).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/** Creates node_modules/pulumi-access-keys -> .. unless it is already there. */
function linkSelf() {
  const root = path.resolve(__dirname, "..");
  const link = path.join(root, "node_modules", "pulumi-access-keys");
  fs.mkdirSync(path.dirname(link), { recursive: true });
  try {
    const stat = fs.lstatSync(link);
    if (stat.isSymbolicLink() && path.resolve(path.dirname(link), fs.readlinkSync(link)) === root) return;
    fs.rmSync(link, { recursive: true, force: true });
  } catch {
    // not there yet
  }
  fs.symlinkSync(path.relative(path.dirname(link), root) || ".", link, "dir");
}

module.exports = { linkSelf };
if (require.main === module) linkSelf();
