// The second front door (issue 16): the same resources as a Pulumi provider plugin, for programs in
// every Pulumi language. One implementation: each operation goes to the dispatcher the dynamic
// resources use (internal/providers.ts), by the kind in the resource's type token
// (`access-keys:octopus:SshAccount` serves kind `octopus:SshAccount`), with the stack-wide host state.
// What differs is only what the two protocols differ in:
// - the URN: auto-naming takes the logical name from it rather than from a hidden input;
// - provider configuration: the engine hands a plugin only its own namespace, so the official
//   providers' keys the dynamic resources read (`tfe:token`) are `access-keys:tfeToken` here
//   (pluginConfigKey), mapped back to those keys before anything reads them;
// - secrets: a plugin that accepts secrets gets them wrapped and must wrap what it returns, so every
//   value comes in unwrapped and every property the schema marks secret goes out wrapped.

import type * as provider from "@pulumi/pulumi/provider";
import { STACK_CONFIG_KEYS } from "../core/connection";
import type { StackConfig } from "../core/connection";
import { jsonEqual } from "../core/json";
import { LOGICAL_NAME } from "../core/resource-options";
import { KINDS, dispatch, sharedHost } from "../internal/providers";
import { SECRET_SIG_KEY, SECRET_SIG_VALUE } from "../recovery/state";

/** The package name of the plugin, the first part of every type token. */
export const PACKAGE = "access-keys";

/** The type tokens the plugin serves (`access-keys:<kind>`), and the kind each one runs. */
export const TOKENS: Readonly<Record<string, string>> = Object.fromEntries(KINDS.map((kind) => [`${PACKAGE}:${kind}`, kind]));

/** The plugin's own config key for a stack config key of the dynamic resources: `octopusdeploy:apiKey` → `octopusApiKey`. */
export function pluginConfigKey(stackKey: string): string {
  const [namespace, key] = stackKey.split(":") as [string, string];
  const prefix = namespace === "octopusdeploy" ? "octopus" : namespace;
  return prefix + key[0]!.toUpperCase() + key.slice(1);
}

/**
 * The stack config the implementations read, from the plugin's configuration: the engine's
 * `variables` (`access-keys:config:tfeToken`) or `args` (`tfeToken`), values plain or wrapped secrets.
 */
export function stackConfigFromPlugin(values: Readonly<Record<string, unknown>>): StackConfig {
  const out: Record<string, string> = {};
  for (const stackKey of STACK_CONFIG_KEYS) {
    const key = pluginConfigKey(stackKey);
    const value = unwrapSecrets(values[key] ?? values[`${PACKAGE}:config:${key}`]);
    if (typeof value === "string" && value.trim() !== "") out[stackKey] = value;
  }
  return out;
}

/** The settings an engine may add to any provider's configuration. */
const ENGINE_SETTINGS = new Set(["version", "pluginDownloadURL"]);

/** What is wrong with a provider configuration: settings it does not know (a typo, say), values that are not text. */
export function configFailures(values: Readonly<Record<string, unknown>>): provider.CheckFailure[] {
  const known = STACK_CONFIG_KEYS.map(pluginConfigKey);
  const failures: provider.CheckFailure[] = [];
  for (const [key, raw] of Object.entries(values)) {
    if (ENGINE_SETTINGS.has(key)) continue;
    if (!known.includes(key)) {
      const like = known.find((k) => k.toLowerCase() === key.toLowerCase());
      failures.push({
        property: key,
        reason: `the ${PACKAGE} provider has no setting '${key}'${like ? `; did you mean '${like}' (\`${PACKAGE}:${like}\`)?` : ""}. Its settings: ${known.join(", ")}`,
      });
      continue;
    }
    const value = unwrapSecrets(raw);
    if (value !== undefined && value !== null && typeof value !== "string") failures.push({ property: key, reason: `${PACKAGE}:${key} must be text (a string), not ${typeof value}` });
  }
  return failures;
}

/** A secret as the engine sends it to a provider that accepts secrets: `{ <sig>: <secret sig>, value }`. */
function isSecretValue(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG_VALUE;
}

/** The value with every wrapped secret in it replaced by the value it wraps. */
export function unwrapSecrets(v: unknown): unknown {
  if (isSecretValue(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  return v;
}

function unwrapProps(props: Record<string, unknown> | undefined): Record<string, any> {
  return unwrapSecrets(props ?? {}) as Record<string, any>;
}

/** Whether a value holds a wrapped secret anywhere in it. */
function holdsSecret(v: unknown): boolean {
  if (isSecretValue(v)) return true;
  if (Array.isArray(v)) return v.some(holdsSecret);
  if (typeof v === "object" && v !== null) return Object.values(v).some(holdsSecret);
  return false;
}

/**
 * The top-level properties to return as secrets: those the schema marks, and those that arrived
 * holding a secret (a `pulumi.secret` name or description, say). A provider that accepts secrets
 * must keep them itself: the engine marks nothing again for it.
 */
function secretKeys(names: ReadonlySet<string> | undefined, ...arrived: (Record<string, unknown> | undefined)[]): Set<string> {
  const keys = new Set(names ?? []);
  for (const props of arrived) for (const [k, v] of Object.entries(props ?? {})) if (holdsSecret(v)) keys.add(k);
  return keys;
}

/** A plain copy without `undefined` values (which the server's Struct conversion refuses). */
function definedOnly(props: Record<string, unknown> | undefined): Record<string, unknown> {
  return JSON.parse(JSON.stringify(props ?? {})) as Record<string, unknown>;
}

/** Which top-level properties the schema marks secret, per type token: inputs and outputs. */
interface SecretNames {
  inputs: ReadonlySet<string>;
  outputs: ReadonlySet<string>;
}

interface SchemaShape {
  resources?: Record<string, { properties?: object; inputProperties?: object }>;
  provider?: { inputProperties?: object };
}

/** The secret properties of every resource (by type token) and the provider's secret settings, from the schema. */
function secretNames(schema: string | undefined): { resources: Record<string, SecretNames>; config: ReadonlySet<string> } {
  const parsed = (schema ? JSON.parse(schema) : {}) as SchemaShape;
  const secret = (props: object | undefined) =>
    new Set(Object.entries(props ?? {}).filter(([, p]) => (p as { secret?: boolean }).secret).map(([k]) => k));
  const resources: Record<string, SecretNames> = {};
  for (const [token, r] of Object.entries(parsed.resources ?? {})) resources[token] = { inputs: secret(r.inputProperties), outputs: secret(r.properties) };
  return { resources, config: secret(parsed.provider?.inputProperties) };
}

function wrap(props: Record<string, unknown> | undefined, names: ReadonlySet<string> | undefined): Record<string, unknown> | undefined {
  if (!props || !names?.size) return props;
  return Object.fromEntries(
    Object.entries(props).map(([k, v]) => [k, names.has(k) && v !== undefined && v !== null && !isSecretValue(v) ? { [SECRET_SIG_KEY]: SECRET_SIG_VALUE, value: v } : v]),
  );
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>`: the resource's own type (after any parent types) and its name. */
export function parseUrn(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  if (parts.length < 4) throw new Error(`pulumi-access-keys: '${urn}' is not a resource URN`);
  return { type: parts[2]!.split("$").pop()!, name: parts.slice(3).join("::") };
}

function kindOf(urn: string): string {
  const { type } = parseUrn(urn);
  const kind = TOKENS[type];
  if (!kind) throw new Error(`pulumi-access-keys: this plugin has no resource type '${type}'; it serves ${Object.keys(TOKENS).join(", ")}`);
  return kind;
}

async function run(urn: string, op: Parameters<typeof dispatch>[1], args: unknown[]): Promise<any> {
  return dispatch(kindOf(urn), op, sharedHost, args);
}

/** The plugin's provider: every resource operation of every type, and the provider's configuration. */
export interface AccessKeysProvider extends provider.Provider {
  /** Takes the provider's configuration (stack config `access-keys:*`, or an explicit provider's arguments). */
  configure(values: Readonly<Record<string, unknown>>): void;
  /**
   * The provider's inputs as they are to be stored (its secret settings wrapped, even when set without
   * `--secret`), and a failure for each setting it does not know or that is not text.
   */
  checkConfig(news: Readonly<Record<string, unknown>>): { inputs: Record<string, unknown>; failures: provider.CheckFailure[] };
  /** The settings that changed. A new setting never replaces the provider (nor so its resources): it is where the next operation connects. */
  diffConfig(olds: Readonly<Record<string, unknown>>, news: Readonly<Record<string, unknown>>): string[];
}

/** The plugin's provider: every operation of every resource type, from the one implementation. */
export function accessKeysProvider(version: string, schema?: string): AccessKeysProvider {
  const { resources: secrets, config: secretSettings } = secretNames(schema);
  const typeOf = (urn: string) => parseUrn(urn).type;
  return {
    version,
    ...(schema !== undefined ? { schema } : {}),
    configure: (values) => {
      sharedHost.stackConfig = stackConfigFromPlugin(values);
    },
    checkConfig: (news) => ({ inputs: wrap({ ...news }, secretSettings) ?? {}, failures: configFailures(news) }),
    diffConfig: (olds, news) => {
      const a = unwrapProps(olds);
      const b = unwrapProps(news);
      return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !jsonEqual(a[k], b[k])).sort();
    },
    check: async (urn, olds, news) => {
      // The logical name for kinds that auto-name (the others' check drops it, as for the classes).
      const plain = unwrapProps(news);
      const named = plain[LOGICAL_NAME] === undefined ? { ...plain, [LOGICAL_NAME]: parseUrn(urn).name } : plain;
      const result = await run(urn, "check", [unwrapProps(olds), named]);
      return { ...result, inputs: wrap(result.inputs, secretKeys(secrets[typeOf(urn)]?.inputs, news)) };
    },
    diff: (id, urn, olds, news) => run(urn, "diff", [id, unwrapProps(olds), unwrapProps(news)]),
    create: async (urn, inputs) => {
      const keys = secretKeys(secrets[typeOf(urn)]?.outputs, inputs);
      try {
        const result = await run(urn, "create", [unwrapProps(inputs)]);
        return { ...result, outs: wrap(result.outs, keys) };
      } catch (error) {
        // A half-made object (made, then its answer unusable): the engine records it with these
        // properties, which the server converts as they are.
        const failure = error as { id?: unknown; properties?: Record<string, unknown> };
        if (failure && typeof failure === "object" && failure.id) failure.properties = wrap(definedOnly(failure.properties), keys);
        throw error;
      }
    },
    // `pulumi import` reads with the id alone: every resource's read works from its id and the
    // ambient connection (what `.get` does in TypeScript), and gives the inputs the import records.
    read: async (id, urn, props) => {
      const result = await run(urn, "read", [id, unwrapProps(props)]);
      if (!result.id) return { id: "", props: {} }; // gone: the engine drops it from state
      const names = secrets[typeOf(urn)];
      return { ...result, props: wrap(result.props, secretKeys(names?.outputs, props)), inputs: wrap(result.inputs, secretKeys(names?.inputs, props)) };
    },
    update: async (id, urn, olds, news) => {
      const result = await run(urn, "update", [id, unwrapProps(olds), unwrapProps(news)]);
      return { ...result, outs: wrap(result.outs, secretKeys(secrets[typeOf(urn)]?.outputs, news)) };
    },
    delete: (id, urn, props) => run(urn, "delete", [id, unwrapProps(props)]),
  };
}
