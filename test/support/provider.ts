// Helpers for testing any resource's provider: the provider type as Pulumi calls it, check-failure
// and error expectations, secret scanning of what a user could see, and temporary environment.

import { strict as assert } from "node:assert";
import type * as pulumi from "@pulumi/pulumi";

/** A provider object, with the methods every resource of this package implements. */
export type Provider = Required<Pick<pulumi.dynamic.ResourceProvider, "check" | "diff" | "create" | "read" | "update" | "delete">> &
  Pick<pulumi.dynamic.ResourceProvider, "configure">;

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

/**
 * Asserts that `check` reports a failure on `property` whose reason matches `reason`, with no secret
 * in any failure.
 */
export async function expectCheckFailure(provider: Provider, inputs: Record<string, unknown>, property: string, reason: RegExp, secrets: readonly (string | undefined)[] = []): Promise<void> {
  const result = await provider.check({}, inputs);
  const failures = result.failures ?? [];
  const hit = failures.find((f) => f.property === property);
  assert.ok(hit, `expected a check failure on ${property}, got ${JSON.stringify(failures)}`);
  assert.match(hit.reason, reason);
  assertNoSecrets(JSON.stringify(failures), secrets);
}

/**
 * Collects the errors a suite provokes (`failing(fn)` returns the error) so that one `after` can check
 * every one of them for secrets.
 */
export function errorCollector(): { failing: (fn: () => Promise<unknown>) => Promise<Error>; assertNoneLeak: (secrets: readonly (string | undefined)[]) => void } {
  const errors: Error[] = [];
  return {
    failing: async (fn) => {
      const e = await failure(fn);
      errors.push(e);
      return e;
    },
    assertNoneLeak: (secrets) => {
      for (const e of errors) assertNoSecrets(errorText(e), secrets);
    },
  };
}

/**
 * Runs `fn` and returns its result with what it warned (outside a provider host, warnings from
 * core/engine-log go to stderr, captured here).
 */
export async function captureWarnings<T>(fn: () => Promise<T>): Promise<{ result: T; text: string }> {
  const chunks: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    const result = await fn();
    return { result, text: chunks.join("") };
  } finally {
    process.stderr.write = write;
  }
}

/**
 * Whether a diff reports a change: `true`, or `undefined` (an in-place change the provider leaves the
 * engine to name from the inputs, so that replaceOnChanges applies: core/provider engineNamesChanges).
 */
export function changed(diff: { changes?: boolean }): boolean {
  return diff.changes !== false;
}
