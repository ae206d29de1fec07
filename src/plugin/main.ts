#!/usr/bin/env node
// The provider plugin's entry point (issue 16): `pulumi-resource-access-keys <engine address>` serves
// every resource of this package over Pulumi's provider protocol, with @pulumi/pulumi's own provider
// server, from the one implementation (./provider.ts). Its schema is the one scripts/plugin-schema.js
// generates from the TypeScript resources at build time (dist/src/plugin/schema.json).
//
// The 3.248 server leaves three requests to be answered here (serverFixes below):
// - Read with no properties, which `pulumi import` sends: it fails before any provider code runs
//   (`getProperties()` is undefined);
// - CheckConfig and DiffConfig, which it answers "unimplemented";
// - Configure, which it answers without passing the configuration to the provider.

import * as fs from "node:fs";
import * as path from "node:path";
import { main } from "@pulumi/pulumi/provider";
import { nameConfigKeys } from "../core/connection";
import { setEngineAddress } from "../core/engine-log";
import { PACKAGE, accessKeysProvider, pluginConfigKey } from "./provider";
import type { AccessKeysProvider } from "./provider";

/* eslint-disable @typescript-eslint/no-require-imports */
// The copies @pulumi/pulumi itself uses (its server registers with its own grpc and builds its own messages).
const pulumiRoot = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiRoot] })) as typeof import("@grpc/grpc-js");
const structproto = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiRoot] }));
const provproto = require("@pulumi/pulumi/proto/provider_pb");
// How the server itself finds the engine's address among the plugin's arguments (flags skipped).
const { parseArgs } = require("@pulumi/pulumi/provider/internals") as { parseArgs(args: string[]): { engineAddress?: string } | undefined };
/* eslint-enable @typescript-eslint/no-require-imports */

type Callback = (err: unknown, value?: unknown) => void;
type Handler = (call: { request: any }, callback: Callback) => void;

/** The server's handlers, with the requests the 3.248 server does not answer answered by `provider`. */
export function serverFixes(server: Record<string, Handler>, provider: AccessKeysProvider): Record<string, Handler> {
  const read = server.read!.bind(server);
  const configure = server.configure!.bind(server);
  const fail = (callback: Callback, e: unknown) => callback({ code: grpc.status.UNKNOWN, details: e instanceof Error ? e.message : String(e) });
  /** Answers with what `build` makes, or with its error. */
  const answer = (callback: Callback, build: () => unknown) => {
    let response: unknown;
    try {
      response = build();
    } catch (e) {
      fail(callback, e);
      return;
    }
    callback(undefined, response);
  };
  const fixes: Record<string, Handler> = {
    read: (call, callback) => {
      if (!call.request.getProperties()) call.request.setProperties(structproto.Struct.fromJavaScript({}));
      read(call, callback);
    },
    checkConfig: (call, callback) =>
      answer(callback, () => {
        const checked = provider.checkConfig(call.request.getNews()?.toJavaScript() ?? {});
        const resp = new provproto.CheckResponse();
        resp.setInputs(structproto.Struct.fromJavaScript(checked.inputs));
        resp.setFailuresList(
          checked.failures.map((f) => {
            const failure = new provproto.CheckFailure();
            failure.setProperty(f.property);
            failure.setReason(f.reason);
            return failure;
          }),
        );
        return resp;
      }),
    diffConfig: (call, callback) =>
      answer(callback, () => {
        const changed = provider.diffConfig(call.request.getOlds()?.toJavaScript() ?? {}, call.request.getNews()?.toJavaScript() ?? {});
        const resp = new provproto.DiffResponse();
        resp.setChanges(changed.length ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
        resp.setDiffsList(changed);
        return resp;
      }),
    // The engine sends `args` (typed values, secrets wrapped); `variables` (`access-keys:config:<key>`) is the older form.
    configure: (call, callback) => {
      try {
        provider.configure(call.request.getArgs()?.toJavaScript() ?? Object.fromEntries(call.request.getVariablesMap().entries()));
      } catch (e) {
        fail(callback, e);
        return;
      }
      configure(call, callback);
    },
  };
  return new Proxy(server, { get: (target, key, receiver) => (typeof key === "string" && key in fixes ? fixes[key] : Reflect.get(target, key, receiver)) });
}

/** Serves `provider` with @pulumi/pulumi's server, answered where that server leaves requests unanswered. */
export function serve(provider: AccessKeysProvider, args: string[]): Promise<void> {
  const addService = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (service, implementation) {
    return addService.call(this, service, serverFixes(implementation as unknown as Record<string, Handler>, provider) as never);
  };
  return main(provider, args);
}

/** Runs the plugin: this package's version, the schema the build wrote beside this file. */
export function start(args: string[]): Promise<void> {
  const version = (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8")) as { version: string }).version;
  const schemaFile = path.join(__dirname, "schema.json");
  const schema = fs.existsSync(schemaFile) ? fs.readFileSync(schemaFile, "utf8") : undefined;
  nameConfigKeys((key) => `${PACKAGE}:${pluginConfigKey(key)}`);
  setEngineAddress(parseArgs(args)?.engineAddress);
  return serve(accessKeysProvider(version, schema), args);
}

if (require.main === module) void start(process.argv.slice(2));
