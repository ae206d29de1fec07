#!/usr/bin/env node
// pulumi-access-keys-emulators: starts the service emulators on 127.0.0.1 and prints the environment
// variables a Pulumi program (or anything else) needs to use them.
//
//   pulumi-access-keys-emulators                 # run until Ctrl-C; prints `export NAME=value` lines
//   pulumi-access-keys-emulators --json          # the same as one JSON object
//   pulumi-access-keys-emulators -- pulumi up    # run a command with the variables set, then stop
//
// The printed values include the emulators' credentials: they are throwaway values of a local fake,
// which is why printing them is fine here and nowhere else.

import { spawn } from "node:child_process";
import { startOctopusEmulator } from "./octopus";
import type { OctopusEmulator } from "./octopus";
import { startNovaEmulator } from "./nova";
import type { NovaEmulator } from "./nova";
import { startTfcEmulator } from "./tfc";
import type { TfcEmulator } from "./tfc";

/** The running emulators, and the environment variables that point a program at them. */
export interface RunningEmulators {
  env: Record<string, string>;
  octopus: OctopusEmulator;
  tfc: TfcEmulator;
  nova: NovaEmulator;
  close(): Promise<void>;
}

/**
 * Starts every emulator and returns the environment that points at them. With `seedApiKeys: false`
 * the Octopus administrator has no API key (as on a new server): programs log in with the
 * username and password, and `OCTOPUS_API_KEY` is not set. `latencyMs` delays every answer of every
 * emulator by that much (see `npm run bench`). `tfcRateLimitPerSecond` overrides HCP Terraform's 30
 * requests per second (0 turns the limit off).
 */
export async function startAllEmulators(options: { host?: string; seedApiKeys?: boolean; latencyMs?: number; tfcRateLimitPerSecond?: number } = {}): Promise<RunningEmulators> {
  const host = options.host ?? "127.0.0.1";
  const latency = options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs };
  const octopus: OctopusEmulator = await startOctopusEmulator({ host, adminApiKey: options.seedApiKeys ?? true, ...latency });
  const tfc: TfcEmulator = await startTfcEmulator({ host, ...latency, ...(options.tfcRateLimitPerSecond === undefined ? {} : { rateLimitPerSecond: options.tfcRateLimitPerSecond }) });
  const nova: NovaEmulator = await startNovaEmulator({ host, ...latency });
  const env: Record<string, string> = {
    OCTOPUS_URL: octopus.url,
    ...(octopus.admin.apiKey ? { OCTOPUS_API_KEY: octopus.admin.apiKey } : {}),
    OCTOPUS_USERNAME: octopus.admin.username,
    OCTOPUS_PASSWORD: octopus.admin.password ?? "",
    TFE_ADDRESS: tfc.url,
    TFE_TOKEN: tfc.tokens.user,
    TFE_ORGANIZATION: tfc.organization,
    ...nova.environment({ auth: "password", user: "user" }),
  };
  return {
    env,
    octopus,
    tfc,
    nova,
    close: async () => {
      await Promise.all([octopus.close(), tfc.close(), nova.close()]);
    },
  };
}

const USAGE = `Usage: pulumi-access-keys-emulators [--json] [--host ADDRESS] [--no-api-keys] [--latency-ms MS] [-- COMMAND [ARGS...]]

Starts local emulators of the services pulumi-access-keys manages (Octopus Deploy, HCP Terraform,
OpenStack Keystone + Nova)
and prints the
environment variables that point a program at them. With a command after "--", runs it with those
variables set and stops the emulators when it exits (with its exit code).

  --no-api-keys   start Octopus with no API key, as a new server (log in with username and password)
  --latency-ms MS delay every answer by MS milliseconds, like a service across a network (default 0)`;

async function main(argv: string[]): Promise<number> {
  const dashdash = argv.indexOf("--");
  const own = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  const command = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  if (own.includes("--help") || own.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const hostIndex = own.indexOf("--host");
  const host = hostIndex >= 0 ? own[hostIndex + 1] : undefined;
  const latencyIndex = own.indexOf("--latency-ms");
  const latencyMs = latencyIndex >= 0 ? Number(own[latencyIndex + 1]) : undefined;
  if (latencyMs !== undefined && !(Number.isFinite(latencyMs) && latencyMs >= 0)) throw new Error(`--latency-ms needs a number of milliseconds, got ${String(own[latencyIndex + 1])}`);
  const running = await startAllEmulators({ ...(host ? { host } : {}), seedApiKeys: !own.includes("--no-api-keys"), ...(latencyMs === undefined ? {} : { latencyMs }) });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await running.close();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(130));
  process.on("SIGTERM", () => void stop(143));

  if (command.length > 0) {
    const child = spawn(command[0]!, command.slice(1), { stdio: "inherit", env: { ...process.env, ...running.env } });
    child.on("error", (error) => {
      console.error(`pulumi-access-keys-emulators: could not run ${command[0]}: ${error.message}`);
      void stop(127);
    });
    child.on("exit", (code, signal) => void stop(code ?? (signal ? 128 : 1)));
    return new Promise<number>(() => undefined);
  }
  if (own.includes("--json")) {
    console.log(JSON.stringify(running.env));
  } else {
    for (const [name, value] of Object.entries(running.env)) console.log(`export ${name}=${shellQuote(value)}`);
    console.error("Emulators running. Press Ctrl-C to stop.");
  }
  return new Promise<number>(() => undefined);
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`pulumi-access-keys-emulators: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
