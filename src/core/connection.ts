// Connection settings, most specific first:
//   1. the resource's `connection` argument (a secret input);
//   2. stack config, handed to the provider by the engine through `configure()` (the keys of the
//      official Pulumi providers, so a stack that already configures them needs nothing new);
//   3. environment variables, read inside provider methods at operation time (never at program
//      time: a value read there would be captured into the serialized provider, in plain text).
// A missing setting fails with one message naming every way to provide it.

import type * as pulumi from "@pulumi/pulumi";
import { ConfigurationError } from "./errors";

/** TLS settings every resource's `connection` takes. */
export interface TlsConnectionArgs {
  /** Extra CA certificate(s), PEM, to trust for this server (a private CA); NODE_EXTRA_CA_CERTS also works. */
  caCertificate?: pulumi.Input<string>;
  /** Skip TLS certificate verification. Unsafe: a warning is printed. Prefer `caCertificate`. @default false */
  insecure?: pulumi.Input<boolean>;
}

/** Stack config as the provider host received it: namespaced keys, plaintext values. */
export type StackConfig = Readonly<Record<string, string>>;

/** Every stack config key any resource of this package reads. */
export const STACK_CONFIG_KEYS = [
  "octopusdeploy:address",
  "octopusdeploy:apiKey",
  "octopusdeploy:spaceId",
  "tfe:hostname",
  "tfe:token",
  "tfe:organization",
  "openstack:authUrl",
  "openstack:userName",
  "openstack:password",
  "openstack:userDomainName",
  "openstack:tenantName",
  "openstack:tenantId",
  "openstack:projectDomainName",
  "openstack:region",
  "openstack:applicationCredentialId",
  "openstack:applicationCredentialName",
  "openstack:applicationCredentialSecret",
  "openstack:token",
  "openstack:endpointType",
] as const;

/** The subset of Pulumi's ConfigureRequest we use. */
export interface ConfigureRequestLike {
  config: { get(key: string): string | undefined };
}

/** Copies the keys this package knows from the engine's config into a plain object. */
export function readStackConfig(req: ConfigureRequestLike | undefined): StackConfig {
  const out: Record<string, string> = {};
  if (!req?.config) return out;
  for (const key of STACK_CONFIG_KEYS) {
    let value: string | undefined;
    try {
      value = req.config.get(key);
    } catch {
      value = undefined;
    }
    if (typeof value === "string" && value !== "") out[key] = value;
  }
  return out;
}

/** Where operations find settings: stack config from `configure()`, and the environment. */
export interface SettingsContext {
  stackConfig: StackConfig;
  env: Readonly<Record<string, string | undefined>>;
}

/** One setting and every place it may come from. */
export interface SettingSpec {
  /** Human name: "Octopus server URL". */
  label: string;
  /** The resource argument path: "connection.serverUrl". */
  arg?: string;
  /** Stack config key: "octopusdeploy:address". */
  config?: string;
  /** Environment variables, first wins. */
  env?: readonly string[];
  /** Whether it is a secret (the config hint then says `--secret`). */
  secret?: boolean;
}

/** The value found for a setting, and where it came from. */
export interface Resolved {
  value: string;
  source: "argument" | "config" | "env";
}

/** Finds a setting: the argument value, else stack config, else the environment. */
export function resolveSetting(spec: SettingSpec, argValue: string | undefined | null, ctx: SettingsContext): Resolved | undefined {
  if (typeof argValue === "string" && argValue.trim() !== "") return { value: argValue.trim(), source: "argument" };
  if (spec.config) {
    const v = ctx.stackConfig[spec.config];
    if (typeof v === "string" && v.trim() !== "") return { value: v.trim(), source: "config" };
  }
  for (const name of spec.env ?? []) {
    const v = ctx.env[name];
    if (typeof v === "string" && v.trim() !== "") return { value: v.trim(), source: "env" };
  }
  return undefined;
}

// How a stack config key is named to the user. The provider plugin reads its own keys
// (`access-keys:tfeToken` for `tfe:token`) and says so, for the whole of its process.
let configKeyName = (key: string): string => key;

/** Names stack config keys in messages as `name` says (the provider plugin, at its start). */
export function nameConfigKeys(name: (key: string) => string): void {
  configKeyName = name;
}

/** A stack config key as messages name it: `tfe:token`, or `access-keys:tfeToken` in the provider plugin. */
export function configKey(key: string): string {
  return configKeyName(key);
}

/** "the argument connection.serverUrl, the stack config octopusdeploy:address (...), or the environment variable OCTOPUS_URL". */
export function describeSources(spec: SettingSpec): string {
  const ways: string[] = [];
  if (spec.arg) ways.push(`the resource argument \`${spec.arg}\``);
  if (spec.config) ways.push(`stack config (\`pulumi config set${spec.secret ? " --secret" : ""} ${configKey(spec.config)} <value>\`)`);
  if (spec.env?.length) ways.push(`the environment variable${spec.env.length > 1 ? "s" : ""} ${spec.env.join(" or ")}`);
  if (ways.length <= 1) return ways.join("");
  return `${ways.slice(0, -1).join(", ")}, or ${ways[ways.length - 1]}`;
}

/** The error for a missing setting: names the setting and every way to provide it. */
export function missingSetting(resource: string, spec: SettingSpec): ConfigurationError {
  return new ConfigurationError(`${resource}: no ${spec.label} is set. Set it with ${describeSources(spec)}.`);
}

/** Parses and checks a base URL setting; the message names where it came from, never other settings. */
export function parseBaseUrl(resource: string, label: string, value: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`${resource}: the ${label} from ${source} is not a valid URL; give it as https://host[:port][/path].`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigurationError(`${resource}: the ${label} from ${source} must use http or https, not ${url.protocol.replace(/:$/, "")}.`);
  }
  if (url.username || url.password) {
    throw new ConfigurationError(`${resource}: the ${label} from ${source} must not contain credentials; use the dedicated credential settings.`);
  }
  return url;
}

/** A URL in the form that tells servers apart: scheme, host (any letter case, default port left out), path without trailing slashes. */
export function endpointKey(url: unknown): string {
  if (typeof url !== "string") return String(url);
  try {
    const u = new URL(url.trim());
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
  } catch {
    return url.trim();
  }
}

/** Whether two URLs name one server however they are spelled (letter case of the host, a default port, trailing slashes). */
export function sameEndpoint(a: unknown, b: unknown): boolean {
  return endpointKey(a) === endpointKey(b);
}

/**
 * The error for an object whose connection settings now point somewhere else than where it lives,
 * when the change did not come from its own `connection` argument (a stack config or environment
 * change): acting would read, change or delete the wrong object, or forget the right one.
 */
export function movedError(resource: string, id: string, where: string, now: string): ConfigurationError {
  return new ConfigurationError(
    `${resource} ${id} lives on ${where}, but the connection settings (stack config or environment) now point at ${now}. ` +
      "Nothing was sent. To keep managing it, point this resource back at where it lives (its `connection` argument, or the old setting); " +
      "to move it, give the new place in its `connection` argument (the old object is then deleted with the connection the state holds, and a new one made), " +
      "or remove it from the stack with the old settings first.",
  );
}
