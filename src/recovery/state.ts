// The parts of a Pulumi deployment (`pulumi stack export --show-secrets`, version 3) that recovery
// reads and writes, and the secret envelopes in it.
//
// With --show-secrets every secret value is `{"4dabf…": "1b47…", "plaintext": "<JSON text>"}`;
// `pulumi stack import` accepts that form and encrypts it again with the stack's secrets provider, so
// recovery never handles ciphertext and never writes a secret to disk.

/** The signature key and value Pulumi marks secrets with in serialized state. */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** One resource as serialized in state (only the fields recovery uses are named). */
export interface ResourceState {
  urn: string;
  type: string;
  custom?: boolean;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  parent?: string;
  provider?: string;
  delete?: boolean;
  additionalSecretOutputs?: string[];
  [key: string]: unknown;
}

/** A pending operation: what the engine was doing when it stopped. */
export interface PendingOperation {
  resource: ResourceState;
  type: "creating" | "updating" | "deleting" | "reading" | "importing" | string;
}

/** The output of `pulumi stack export`. */
export interface ExportedDeployment {
  version: number;
  deployment: {
    manifest?: unknown;
    secrets_providers?: unknown;
    resources?: ResourceState[];
    pending_operations?: PendingOperation[];
    [key: string]: unknown;
  };
}

/** The dynamic resource types of this package, by the kind the provider dispatcher uses. */
export const RESOURCE_TYPES = {
  "pulumi-nodejs:dynamic/octopus:SshAccount": "OctopusSshAccount",
  "pulumi-nodejs:dynamic/octopus:ApiKey": "OctopusApiKey",
  "pulumi-nodejs:dynamic/tfc:SshKey": "TfcSshKey",
  "pulumi-nodejs:dynamic/nova:Keypair": "NovaKeypair",
} as const;

export type ResourceName = (typeof RESOURCE_TYPES)[keyof typeof RESOURCE_TYPES];

/** The package resource a state type token belongs to, or undefined. */
export function resourceNameOf(type: string): ResourceName | undefined {
  return (RESOURCE_TYPES as Record<string, ResourceName>)[type];
}

function isSecretEnvelope(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG_VALUE;
}

/**
 * The plain value of a property map from an export made with --show-secrets: secret envelopes become
 * their values. An envelope still encrypted (an export without --show-secrets) is an error, because
 * recovery would otherwise look objects up with the wrong settings.
 */
export function plainValue(value: unknown): unknown {
  if (isSecretEnvelope(value)) {
    if (typeof value.plaintext !== "string") throw new Error("the state holds an encrypted value: export it with --show-secrets");
    return plainValue(JSON.parse(value.plaintext));
  }
  if (Array.isArray(value)) return value.map(plainValue);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainValue(v)]));
  return value;
}

/** A value as a secret envelope that `pulumi stack import` encrypts. */
export function secretEnvelope(value: unknown): Record<string, unknown> {
  return { [SECRET_SIG_KEY]: SECRET_SIG_VALUE, plaintext: JSON.stringify(value) };
}

/** The top-level keys of a property map that are secret. */
export function secretKeys(props: Record<string, unknown> | undefined): string[] {
  return Object.entries(props ?? {})
    .filter(([, v]) => isSecretEnvelope(v))
    .map(([k]) => k);
}

/**
 * The state entry for an object a pending create made: the pending operation's resource with its id
 * and outputs. Outputs that are secret (secret inputs, and additionalSecretOutputs) are written as
 * secret envelopes, as the engine would have stored them.
 */
export function adoptedResource(pending: ResourceState, id: string, outputs: Record<string, unknown>): ResourceState {
  const secret = new Set([...secretKeys(pending.inputs), ...(pending.additionalSecretOutputs ?? [])]);
  const stored: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(outputs)) {
    if (value === undefined) continue;
    stored[key] = secret.has(key) && value !== null ? secretEnvelope(value) : value;
  }
  // The serialized provider rides along in outputs too: refresh and destroy run it from there.
  if (pending.inputs && "__provider" in pending.inputs) stored.__provider = pending.inputs.__provider;
  const now = new Date().toISOString();
  return { ...pending, id, outputs: stored, created: now, modified: now };
}

/** Ids of the resources of one type that the state tracks (pending deletes of replacements included). */
export function trackedIds(deployment: ExportedDeployment, type: string): Set<string> {
  return new Set((deployment.deployment.resources ?? []).filter((r) => r.type === type && r.id).map((r) => r.id as string));
}

/** Whether the state holds a live (not pending-delete) resource with this URN: the pending create was a replacement. */
export function hasLiveResource(deployment: ExportedDeployment, urn: string): boolean {
  return (deployment.deployment.resources ?? []).some((r) => r.urn === urn && r.delete !== true);
}
