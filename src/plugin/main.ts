#!/usr/bin/env node
// The provider plugin's entry point (issue 16): `pulumi-resource-access-keys <engine address>` serves
// every resource of this package over Pulumi's provider protocol, with @pulumi/pulumi's own provider
// server, from the one implementation (./provider.ts). Its schema is the one scripts/plugin-schema.js
// generates from the TypeScript resources at build time (dist/src/plugin/schema.json).

import * as fs from "node:fs";
import * as path from "node:path";
import { main } from "@pulumi/pulumi/provider";
import { accessKeysProvider } from "./provider";

const version = (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8")) as { version: string }).version;
const schemaFile = path.join(__dirname, "schema.json");
const schema = fs.existsSync(schemaFile) ? fs.readFileSync(schemaFile, "utf8") : undefined;

void main(accessKeysProvider(version, schema), process.argv.slice(2));
