// Keystone v3 authentication: https://docs.openstack.org/api-ref/identity/v3/ (facts in
// reference/nova-api.md §1). Password (user by name and domain, or by id; project by id, or by name
// and domain), application credentials (id and secret, or name, user and secret), or an existing
// token. One token per provider process and identity, renewed when under 120 s remain and once after
// a 401; the compute endpoint comes from the token's catalog (by interface and region) unless given.

import { createHash } from "node:crypto";
import { ConfigurationError, HttpError } from "../core/errors";
import { configKey, parseBaseUrl } from "../core/connection";
import type { SettingsContext } from "../core/connection";
import { HttpClient, tlsFrom } from "../core/http";
import type { TlsSettings } from "../core/http";
import { TokenBodySchema, openstackErrorMessage } from "./schemas";
import type { OpenStackConnectionArgs, TokenBody } from "./schemas";

type Field = Exclude<keyof OpenStackConnectionArgs, "caCertificate" | "insecure">;

/** Where each setting may come from: stack config key (the official openstack provider's) and environment variables. */
export const KEYSTONE_SETTINGS: Record<Field, { config?: string; env: string[]; secret?: boolean }> = {
  authUrl: { config: "openstack:authUrl", env: ["OS_AUTH_URL"] },
  region: { config: "openstack:region", env: ["OS_REGION_NAME"] },
  interface: { config: "openstack:endpointType", env: ["OS_INTERFACE", "OS_ENDPOINT_TYPE"] },
  username: { config: "openstack:userName", env: ["OS_USERNAME"] },
  userId: { env: ["OS_USER_ID"] },
  password: { config: "openstack:password", env: ["OS_PASSWORD"], secret: true },
  userDomainName: { config: "openstack:userDomainName", env: ["OS_USER_DOMAIN_NAME"] },
  userDomainId: { env: ["OS_USER_DOMAIN_ID"] },
  projectName: { config: "openstack:tenantName", env: ["OS_PROJECT_NAME", "OS_TENANT_NAME"] },
  projectId: { config: "openstack:tenantId", env: ["OS_PROJECT_ID", "OS_TENANT_ID"] },
  projectDomainName: { config: "openstack:projectDomainName", env: ["OS_PROJECT_DOMAIN_NAME"] },
  projectDomainId: { env: ["OS_PROJECT_DOMAIN_ID"] },
  applicationCredentialId: { config: "openstack:applicationCredentialId", env: ["OS_APPLICATION_CREDENTIAL_ID"] },
  applicationCredentialName: { config: "openstack:applicationCredentialName", env: ["OS_APPLICATION_CREDENTIAL_NAME"] },
  applicationCredentialSecret: { config: "openstack:applicationCredentialSecret", env: ["OS_APPLICATION_CREDENTIAL_SECRET"], secret: true },
  token: { config: "openstack:token", env: ["OS_TOKEN"], secret: true },
  computeEndpoint: { env: [] },
};

const SECRETS: Field[] = ["password", "applicationCredentialSecret", "token"];

/** How the provider authenticates. */
export type OpenStackAuth =
  | { kind: "password"; user: { id: string } | { name: string; domain: { id: string } | { name: string } }; password: string; project: { id: string } | { name: string; domain: { id: string } | { name: string } } }
  | { kind: "applicationCredential"; credential: { id: string } | { name: string; user: { id: string } | { name: string; domain: { id: string } | { name: string } } }; secret: string }
  | { kind: "token"; token: string };

/** A resolved OpenStack connection. Holds secrets: never logged, never an output. */
export interface OpenStackSettings {
  authUrl: string;
  auth: OpenStackAuth;
  region?: string;
  interface: "public" | "internal" | "admin";
  computeEndpoint?: string;
  tls?: TlsSettings;
}

function pickValue(field: Field, arg: OpenStackConnectionArgs | undefined, ctx: SettingsContext, only?: "argument" | "config" | "env"): string | undefined {
  const clean = (v: string | undefined) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
  const source = KEYSTONE_SETTINGS[field];
  if (!only || only === "argument") {
    const v = clean(arg?.[field]);
    if (v) return v;
  }
  if ((!only || only === "config") && source.config) {
    const v = clean(ctx.stackConfig[source.config]);
    if (v) return v;
  }
  if (!only || only === "env") {
    for (const name of source.env) {
      const v = clean(ctx.env[name]);
      if (v) return v;
    }
  }
  return undefined;
}

function ways(field: Field): string {
  const s = KEYSTONE_SETTINGS[field];
  return [`connection.${field}`, ...(s.config ? [`stack config ${configKey(s.config)}`] : []), ...s.env].join(", ");
}

/**
 * Resolves the connection for one operation. Secrets (password, application credential secret,
 * token) come as a group from the most specific place that has any: the resource argument, else stack
 * config, else the environment; names, ids, URL and region are resolved setting by setting.
 */
export function resolveOpenStackSettings(resource: string, arg: OpenStackConnectionArgs | undefined, ctx: SettingsContext): OpenStackSettings {
  const authUrlRaw = pickValue("authUrl", arg, ctx);
  if (!authUrlRaw) throw new ConfigurationError(`${resource}: no OpenStack auth URL (Keystone) is set. Set it with ${ways("authUrl")}.`);
  const url = parseBaseUrl(resource, "OpenStack auth URL", authUrlRaw, "the connection settings");
  let authUrl = url.toString().replace(/\/+$/, "");
  if (!/\/v3$/.test(authUrl)) authUrl = `${authUrl.replace(/\/v2\.0$/, "")}/v3`;

  const secretSource = (["argument", "config", "env"] as const).find((only) => SECRETS.some((f) => pickValue(f, arg, ctx, only)));
  if (!secretSource) {
    throw new ConfigurationError(
      `${resource}: no OpenStack credentials are set. Give a password (${ways("password")}) with a user and project, ` +
        `or an application credential (${ways("applicationCredentialId")} and ${ways("applicationCredentialSecret")}), or a token (${ways("token")}).`,
    );
  }
  const secret = (f: Field) => pickValue(f, arg, ctx, secretSource);
  const value = (f: Field) => pickValue(f, arg, ctx);
  const domain = (id: string | undefined, name: string | undefined) => (id ? { id } : { name: name ?? "Default" });
  const user = (): { id: string } | { name: string; domain: { id: string } | { name: string } } | undefined => {
    const id = value("userId");
    if (id) return { id };
    const name = value("username");
    return name ? { name, domain: domain(value("userDomainId"), value("userDomainName")) } : undefined;
  };

  let auth: OpenStackAuth;
  const token = secret("token");
  const appSecret = secret("applicationCredentialSecret");
  if (token) {
    auth = { kind: "token", token };
  } else if (appSecret) {
    const id = value("applicationCredentialId");
    const name = value("applicationCredentialName");
    if (id) auth = { kind: "applicationCredential", credential: { id }, secret: appSecret };
    else if (name) {
      const owner = user();
      if (!owner) throw new ConfigurationError(`${resource}: an application credential given by name needs its user: set ${ways("username")} (with its domain) or ${ways("userId")}.`);
      auth = { kind: "applicationCredential", credential: { name, user: owner }, secret: appSecret };
    } else {
      throw new ConfigurationError(`${resource}: an application credential secret was given without the credential: set ${ways("applicationCredentialId")}, or its name and user.`);
    }
  } else {
    const password = secret("password")!;
    const owner = user();
    if (!owner) throw new ConfigurationError(`${resource}: an OpenStack password was given without a user: set ${ways("username")} or ${ways("userId")}.`);
    const projectId = value("projectId");
    const projectName = value("projectName");
    if (!projectId && !projectName) {
      throw new ConfigurationError(`${resource}: no OpenStack project is set (key pairs are created through a project-scoped token). Set ${ways("projectId")}, or ${ways("projectName")} with its domain.`);
    }
    const project = projectId ? { id: projectId } : { name: projectName!, domain: domain(value("projectDomainId"), value("projectDomainName")) };
    auth = { kind: "password", user: owner, password, project };
  }

  const iface = (value("interface") ?? "public").toLowerCase().replace(/url$/, "");
  if (iface !== "public" && iface !== "internal" && iface !== "admin") {
    throw new ConfigurationError(`${resource}: the OpenStack interface '${iface}' is not one of public, internal, admin.`);
  }
  const region = value("region");
  const computeEndpoint = value("computeEndpoint");
  return {
    authUrl,
    auth,
    interface: iface,
    ...(region ? { region } : {}),
    ...(computeEndpoint ? { computeEndpoint: computeEndpoint.replace(/\/+$/, "") } : {}),
    ...tlsFrom(arg),
  };
}

/** A token and what it gives access to. */
export interface OpenStackToken {
  token: string;
  expiresAt: number;
  userId?: string;
  computeUrl: string;
  /** The region of the compute endpoint in use, when the catalog (or the settings) name one. */
  computeRegion?: string;
}

// One token per identity per provider process. Every operation waiting for a token shares one
// request to Keystone (a failed one fails them all with its one error); `value` is the token once it
// came, so that a 401 can tell the token it used from a renewal already under way.
interface TokenEntry {
  pending: Promise<OpenStackToken>;
  value?: OpenStackToken;
}
const tokens = new Map<string, TokenEntry>();

/** Forgets every cached token (tests). */
export function resetOpenStackCaches(): void {
  tokens.clear();
}

/** Renew when fewer than this many seconds remain (as keystoneauth does). */
export const MIN_TOKEN_LIFE_MS = 120_000;

/** Authenticates with Keystone and hands out a valid token, renewing it as needed. */
export class OpenStackSession {
  readonly settings: OpenStackSettings;
  /** A hash of every setting (credentials included): one identity, one token, one set of caches. */
  readonly key: string;
  private readonly keystone: HttpClient;

  constructor(settings: OpenStackSettings) {
    this.settings = settings;
    this.key = createHash("sha256").update(JSON.stringify(settings)).digest("hex");
    this.keystone = new HttpClient({
      service: "Keystone",
      baseUrl: settings.authUrl,
      errorMessage: openstackErrorMessage,
      secrets: () => this.secrets(),
      ...(settings.tls ? { tls: settings.tls } : {}),
    });
  }

  /**
   * Who these settings authenticate as, hashed: the user (by id, or name and domain) or the
   * application credential. Changes with the user, not with a new password; a token has no user
   * until Keystone is asked, so a token's identity is the token.
   */
  identity(): string {
    const a = this.settings.auth;
    const who = a.kind === "password" ? { user: a.user } : a.kind === "applicationCredential" ? { credential: a.credential } : { token: a.token };
    return createHash("sha256").update(JSON.stringify(who)).digest("hex").slice(0, 16);
  }

  /** Secrets to mask in messages. */
  secrets(): string[] {
    const a = this.settings.auth;
    return [a.kind === "password" ? a.password : a.kind === "applicationCredential" ? a.secret : a.token];
  }

  /** A token with at least two minutes left (one request to Keystone when there is none, shared by every caller). */
  async token(): Promise<OpenStackToken> {
    const cached = tokens.get(this.key);
    if (cached) {
      const t = cached.value ?? (await cached.pending.catch(() => undefined));
      if (t && t.expiresAt - Date.now() > MIN_TOKEN_LIFE_MS) return t;
      if (tokens.get(this.key) === cached) tokens.delete(this.key);
    }
    let entry = tokens.get(this.key);
    if (!entry) {
      const fresh: TokenEntry = { pending: this.authenticate() };
      fresh.pending.then(
        (t) => (fresh.value = t),
        () => tokens.get(this.key) === fresh && tokens.delete(this.key),
      );
      tokens.set(this.key, fresh);
      entry = fresh;
    }
    return entry.pending;
  }

  /**
   * After a 401 from Nova with `token`: forget that token, so the next call authenticates again. A
   * renewal already under way, or a newer token, is kept: ten operations that fail together renew once.
   */
  invalidate(token: string): void {
    const cached = tokens.get(this.key);
    if (cached?.value?.token === token) tokens.delete(this.key);
  }

  private async authenticate(): Promise<OpenStackToken> {
    const auth = this.settings.auth;
    let token: string;
    let body: TokenBody;
    try {
      if (auth.kind === "token") {
        const res = await this.keystone.request({
          method: "GET",
          path: "/auth/tokens",
          headers: { "x-auth-token": auth.token, "x-subject-token": auth.token },
          schema: TokenBodySchema,
          what: "the token",
        });
        token = auth.token;
        body = res.body;
      } else {
        const identity =
          auth.kind === "password"
            ? { methods: ["password"], password: { user: { ...auth.user, password: auth.password } } }
            : { methods: ["application_credential"], application_credential: { ...auth.credential, secret: auth.secret } };
        const res = await this.keystone.request({
          method: "POST",
          path: "/auth/tokens",
          body: { auth: { identity, ...(auth.kind === "password" ? { scope: { project: auth.project } } : {}) } },
          // Asking for a token twice is harmless.
          idempotent: true,
          schema: TokenBodySchema,
          what: "the token",
        });
        const header = res.headers["x-subject-token"];
        token = (Array.isArray(header) ? header[0] : header) ?? "";
        if (!token) throw new ConfigurationError("Keystone answered without an X-Subject-Token header");
        body = res.body;
      }
    } catch (error) {
      if (HttpError.isInstance(error) && error.status === 401) {
        error.message += `. Keystone refused the ${auth.kind === "password" ? "username, password or project" : auth.kind === "token" ? "token" : "application credential"}; it does not say which: check them (and the user and project domains)`;
      }
      throw error;
    }
    const expiresAt = Date.parse(body.token.expires_at);
    return {
      token,
      expiresAt: Number.isNaN(expiresAt) ? Date.now() + 3_600_000 : expiresAt,
      ...(body.token.user?.id ? { userId: body.token.user.id } : {}),
      ...(this.settings.computeEndpoint ? { computeUrl: this.settings.computeEndpoint, ...(this.settings.region ? { computeRegion: this.settings.region } : {}) } : this.computeEndpoint(body)),
    };
  }

  /** The first compute endpoint with the wanted interface (and region, when set). */
  private computeEndpoint(body: TokenBody): { computeUrl: string; computeRegion?: string } {
    const services = (body.token.catalog ?? []).filter((s) => s.type === "compute");
    const endpoints = services.flatMap((s) => s.endpoints);
    const wanted = this.settings.interface;
    const match = endpoints.find(
      (e) =>
        e.interface.toLowerCase().replace(/url$/, "") === wanted &&
        (!this.settings.region || e.region === this.settings.region || e.region_id === this.settings.region),
    );
    // With no region set, several regions' endpoints are a choice only the user can make (as
    // gophercloud does): taking the first would put key pairs wherever the catalog happens to list first.
    if (match && !this.settings.region) {
      const regions = [
        ...new Set(endpoints.filter((e) => e.interface.toLowerCase().replace(/url$/, "") === wanted).map((e) => e.region ?? e.region_id ?? "").filter((r) => r)),
      ];
      if (regions.length > 1) {
        throw new ConfigurationError(
          `the token's catalog has '${wanted}' compute endpoints in ${regions.length} regions (${regions.join(", ")}) and no region is set: ` +
            `set the region (connection.region, ${configKey("openstack:region")} or OS_REGION_NAME), or connection.computeEndpoint.`,
        );
      }
    }
    if (!match) {
      const offered = endpoints.map((e) => `${e.interface}${e.region || e.region_id ? ` in ${e.region ?? e.region_id}` : ""}`);
      throw new ConfigurationError(
        `no compute endpoint for interface '${wanted}'${this.settings.region ? ` in region '${this.settings.region}'` : ""} in the token's catalog` +
          `${offered.length ? ` (it offers: ${[...new Set(offered)].join(", ")})` : " (the catalog has no compute service)"}; ` +
          `set the region (connection.region, ${configKey("openstack:region")}, OS_REGION_NAME), the interface, or connection.computeEndpoint.`,
      );
    }
    const region = match.region ?? match.region_id;
    return { computeUrl: match.url.replace(/\/+$/, ""), ...(region ? { computeRegion: region } : {}) };
  }
}
