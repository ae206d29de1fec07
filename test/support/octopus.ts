// Shared fixtures for the Octopus provider tests: an emulator per suite, the providers as Pulumi
// calls them, and a recorder that checks every error for secrets.

import { strict as assert } from "node:assert";
import type * as pulumi from "@pulumi/pulumi";
import { startOctopusEmulator } from "../../src/emulators/octopus";
import type { OctopusEmulator, OctopusEmulatorOptions } from "../../src/emulators/octopus";

export type Provider = Required<Pick<pulumi.dynamic.ResourceProvider, "check" | "diff" | "create" | "read" | "update" | "delete">> &
  Pick<pulumi.dynamic.ResourceProvider, "configure">;

/** Starts an emulator for the enclosing `describe`, closed after it. */
export function useOctopusEmulator(options: OctopusEmulatorOptions = {}): { get: () => OctopusEmulator } {
  let emulator: OctopusEmulator | undefined;
  before(async () => {
    emulator = await startOctopusEmulator(options);
  });
  after(async () => {
    await emulator?.close();
  });
  beforeEach(() => {
    emulator?.requests.clear();
    emulator?.faults.clear();
  });
  return {
    get: () => {
      assert.ok(emulator, "emulator not started");
      return emulator;
    },
  };
}

/** Runs `fn` and returns the error it throws (fails if it does not throw). */
export async function failure(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof Error, `threw a non-Error: ${String(error)}`);
    return error;
  }
  assert.fail("expected an error");
}

/** Asserts that none of the secrets (nor any 16+ character line of one) appears in the text. */
export function assertNoSecrets(text: string, secrets: readonly (string | undefined)[]): void {
  for (const secret of secrets) {
    if (!secret || secret.length < 6) continue;
    assert.ok(!text.includes(secret), `a secret appears in: ${text.slice(0, 300)}`);
    assert.ok(!text.includes(Buffer.from(secret).toString("base64")), `a base64 secret appears in: ${text.slice(0, 300)}`);
    for (const line of secret.split(/\r?\n/)) {
      if (line.trim().length >= 16 && !/^-----/.test(line)) assert.ok(!text.includes(line.trim()), `a line of a secret appears in: ${text.slice(0, 300)}`);
    }
  }
}

/** Everything an error could show a user: message, stack, JSON form, String(). */
export function errorText(error: Error): string {
  return [error.message, String(error.stack), JSON.stringify(error), String(error)].join("\n");
}

/** Temporarily sets environment variables for the duration of `fn`. */
export async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Environment variables that would leak ambient Octopus settings into a test. */
export const NO_OCTOPUS_ENV = {
  OCTOPUS_URL: undefined,
  OCTOPUS_API_KEY: undefined,
  OCTOPUS_APIKEY: undefined,
  OCTOPUS_SPACE: undefined,
  OCTOPUS_USERNAME: undefined,
  OCTOPUS_PASSWORD: undefined,
};
