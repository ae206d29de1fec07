// Drives the real @pulumi/pulumi dynamic-provider host over gRPC, as the Pulumi CLI does
// (reference/pulumi-dynamic-providers.md §5.3). These proto modules are internal to the SDK: the SDK
// version is pinned (~3.248.0) for that reason.

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

/* eslint-disable @typescript-eslint/no-require-imports */
const grpc = require("@grpc/grpc-js");
const providerGrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const providerPb = require("@pulumi/pulumi/proto/provider_pb");
const structPb = require("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/** Serializes a provider object exactly as `pulumi.dynamic.Resource` does. */
export async function serializeProvider(provider: object): Promise<{ text: string; containsSecrets: boolean }> {
  const result = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  return { text: result.text, containsSecrets: result.containsSecrets };
}

export interface GrpcError extends Error {
  code: number;
  details: string;
  metadata?: { get(key: string): unknown[] };
}

/** A running provider host and a typed-enough client for it. */
export class ProviderHost {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: any,
    /** Everything the host printed on stdout and stderr. */
    readonly output: { text: string },
  ) {}

  /** Starts the dynamic provider host, or `entry` (another provider server, such as the plugin's). */
  static async start(env: Record<string, string> = {}, entry: string = require.resolve("@pulumi/pulumi/cmd/dynamic-provider")): Promise<ProviderHost> {
    const child = spawn(process.execPath, [entry, "unused-engine-address"], {
      cwd: REPO_ROOT,
      env: { ...process.env, PULUMI_NODEJS_PROJECT: "access-keys-test", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output = { text: "" };
    const port = await new Promise<number>((resolve, reject) => {
      let first = "";
      const timer = setTimeout(() => reject(new Error(`provider host did not start: ${output.text}`)), 15_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        output.text += chunk.toString();
        first += chunk.toString();
        const line = first.split("\n")[0]!;
        if (first.includes("\n") && /^\d+$/.test(line.trim())) {
          clearTimeout(timer);
          resolve(Number(line.trim()));
        }
      });
      child.stderr!.on("data", (chunk: Buffer) => (output.text += chunk.toString()));
      child.on("exit", (code) => reject(new Error(`provider host exited with ${code}: ${output.text}`)));
    });
    const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new ProviderHost(child, client, output);
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      await exited;
    }
  }

  private call<T>(method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client[method](request, (err: GrpcError | null, res: T) => (err ? reject(err) : resolve(res)));
    });
  }

  async getSchema(): Promise<string> {
    const res: any = await this.call("getSchema", new providerPb.GetSchemaRequest());
    return res.getSchema();
  }

  async configure(config: Record<string, string>): Promise<void> {
    const req = new providerPb.ConfigureRequest();
    req.setArgs(structPb.Struct.fromJavaScript(config));
    req.setAcceptsecrets(true);
    await this.call("configure", req);
  }

  async check(urn: string, olds: object, news: object): Promise<{ inputs: any; failures: { property: string; reason: string }[] }> {
    const req = new providerPb.CheckRequest();
    req.setUrn(urn);
    req.setOlds(structPb.Struct.fromJavaScript(olds));
    req.setNews(structPb.Struct.fromJavaScript(news));
    const res: any = await this.call("check", req);
    return {
      inputs: res.getInputs()?.toJavaScript(),
      failures: res.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(urn: string, id: string, olds: object, news: object): Promise<{ changes: number; replaces: string[]; deleteBeforeReplace: boolean }> {
    const req = new providerPb.DiffRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(structPb.Struct.fromJavaScript(olds));
    req.setNews(structPb.Struct.fromJavaScript(news));
    const res: any = await this.call("diff", req);
    return { changes: res.getChanges(), replaces: res.getReplacesList(), deleteBeforeReplace: res.getDeletebeforereplace() };
  }

  async create(urn: string, properties: object): Promise<{ id: string; properties: any }> {
    const req = new providerPb.CreateRequest();
    req.setUrn(urn);
    req.setProperties(structPb.Struct.fromJavaScript(properties));
    const res: any = await this.call("create", req);
    return { id: res.getId(), properties: res.getProperties()?.toJavaScript() };
  }

  /** Without `properties`, the request `pulumi import` sends. */
  async read(urn: string, id: string, properties?: object): Promise<{ id: string; properties: any; inputs: any }> {
    const req = new providerPb.ReadRequest();
    req.setUrn(urn);
    req.setId(id);
    if (properties) req.setProperties(structPb.Struct.fromJavaScript(properties));
    const res: any = await this.call("read", req);
    return { id: res.getId(), properties: res.getProperties()?.toJavaScript(), inputs: res.getInputs()?.toJavaScript() };
  }

  async update(urn: string, id: string, olds: object, news: object): Promise<{ properties: any }> {
    const req = new providerPb.UpdateRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(structPb.Struct.fromJavaScript(olds));
    req.setNews(structPb.Struct.fromJavaScript(news));
    const res: any = await this.call("update", req);
    return { properties: res.getProperties()?.toJavaScript() };
  }

  async delete(urn: string, id: string, properties: object): Promise<void> {
    const req = new providerPb.DeleteRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(structPb.Struct.fromJavaScript(properties));
    await this.call("delete", req);
  }
}

/** The DIFF_SOME / DIFF_NONE values of DiffResponse.changes. */
export const DIFF = { UNKNOWN: 0, NONE: 1, SOME: 2 } as const;
