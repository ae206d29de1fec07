// HCP Terraform / Terraform Enterprise client for SSH keys:
// https://developer.hashicorp.com/terraform/cloud-docs/api-docs/ssh-keys (facts in reference/tfc-api.md).
//
// JSON:API over `https://HOST/api/v2` with a Bearer token. List and create are nested under the
// organization; show, update and delete are flat by key id. The key text is write-only.

import { createHash } from "node:crypto";
import { ConfigurationError, HttpError } from "../core/errors";
import { describeSources, missingSetting, parseBaseUrl, resolveSetting } from "../core/connection";
import type { SettingSpec, SettingsContext } from "../core/connection";
import { HttpClient, createWithLookup, tlsFrom } from "../core/http";
import type { HttpClientOptions, RequestOptions, TlsSettings } from "../core/http";
import { SshKeyDocumentSchema, SshKeyListSchema, jsonApiErrorMessage } from "./schemas";
import type { SshKeyData, TfcConnectionArgs } from "./schemas";

export const TFC_SETTINGS = {
  token: { label: "HCP Terraform API token", arg: "connection.token", config: "tfe:token", env: ["TFE_TOKEN"], secret: true },
  hostname: { label: "HCP Terraform hostname", arg: "connection.hostname", config: "tfe:hostname", env: ["TFE_HOSTNAME"] },
  address: { label: "HCP Terraform address", arg: "connection.address", env: ["TFE_ADDRESS"] },
  organization: { label: "HCP Terraform organization", arg: "organization (or connection.organization)", config: "tfe:organization", env: ["TFE_ORGANIZATION"] },
} satisfies Record<string, SettingSpec>;

export const DEFAULT_HOSTNAME = "app.terraform.io";

/** A resolved HCP Terraform connection. Holds the token: never logged, never an output. */
export interface TfcSettings {
  /** The API base, ending in /api/v2. */
  apiBase: string;
  token: string;
  organization?: string;
  tls?: TlsSettings;
}

/**
 * Resolves the connection for one operation. The API base: the argument's `address` or `hostname`,
 * then stack config `tfe:hostname`, then `TFE_ADDRESS` (a full URL, for Terraform Enterprise behind a
 * path or an emulator), then `TFE_HOSTNAME`, then app.terraform.io.
 */
export function resolveTfcSettings(resource: string, arg: TfcConnectionArgs | undefined, ctx: SettingsContext): TfcSettings {
  const token = resolveSetting(TFC_SETTINGS.token, arg?.token, ctx);
  if (!token) throw missingSetting(resource, TFC_SETTINGS.token);
  let base: URL;
  if (arg?.address?.trim()) base = parseBaseUrl(resource, "HCP Terraform address", arg.address.trim(), "the resource argument connection.address");
  else if (arg?.hostname?.trim()) base = hostUrl(resource, arg.hostname.trim(), "the resource argument connection.hostname");
  else if (ctx.stackConfig["tfe:hostname"]?.trim()) base = hostUrl(resource, ctx.stackConfig["tfe:hostname"].trim(), "stack config tfe:hostname");
  else if (ctx.env.TFE_ADDRESS?.trim()) base = parseBaseUrl(resource, "HCP Terraform address", ctx.env.TFE_ADDRESS.trim(), "the environment (TFE_ADDRESS)");
  else if (ctx.env.TFE_HOSTNAME?.trim()) base = hostUrl(resource, ctx.env.TFE_HOSTNAME.trim(), "the environment (TFE_HOSTNAME)");
  else base = new URL(`https://${DEFAULT_HOSTNAME}`);
  const path = base.pathname.replace(/\/+$/, "").replace(/\/api\/v2$/i, "");
  const organization = resolveSetting(TFC_SETTINGS.organization, arg?.organization, ctx);
  return { apiBase: `${base.origin}${path}/api/v2`, token: token.value, ...(organization ? { organization: organization.value } : {}), ...tlsFrom(arg) };
}

function hostUrl(resource: string, hostname: string, source: string): URL {
  if (/[/:]/.test(hostname.replace(/:\d+$/, ""))) {
    throw new ConfigurationError(`${resource}: the HCP Terraform hostname from ${source} must be a host name like tfe.example.com; give a full URL as connection.address or TFE_ADDRESS instead.`);
  }
  return parseBaseUrl(resource, "HCP Terraform hostname", `https://${hostname}`, source);
}

/** The organization for a resource: its argument, else the connection's, else config, else the environment. */
export function requireOrganization(resource: string, organization: string | undefined, settings: TfcSettings): string {
  const org = organization?.trim() || settings.organization;
  if (!org) {
    throw new ConfigurationError(`${resource}: no HCP Terraform organization is set. Set it with the resource argument \`organization\`, ${describeSources({ ...TFC_SETTINGS.organization, arg: "connection.organization" })}.`);
  }
  return org;
}

const ID = /^[^/\s]+$/;

// Per provider process: one listing of each organization's keys, to refuse a name that is already
// taken (HCP Terraform itself allows duplicates, which makes "which key is ours" unanswerable).
const keyLists = new Map<string, Promise<SshKeyData[]>>();

/** Forgets the cached key listings (tests). */
export function resetTfcCaches(): void {
  keyLists.clear();
}

/** HCP Terraform client for one resolved connection. */
export class TfcClient {
  readonly settings: TfcSettings;
  private readonly http: HttpClient;
  private readonly credentialKey: string;

  constructor(settings: TfcSettings, httpOptions: Partial<HttpClientOptions> = {}) {
    this.settings = settings;
    this.credentialKey = `tfc|${settings.apiBase}|${createHash("sha256").update(settings.token).digest("hex")}`;
    this.http = new HttpClient({
      service: "HCP Terraform",
      baseUrl: settings.apiBase,
      headers: () => ({ authorization: `Bearer ${settings.token}` }),
      secrets: () => [settings.token],
      errorMessage: jsonApiErrorMessage,
      contentType: "application/vnd.api+json",
      accept: "application/vnd.api+json",
      // 30 requests per second per user: every request with this token waits out a 429 together.
      throttleKey: this.credentialKey,
      ...(settings.tls ? { tls: settings.tls } : {}),
      ...httpOptions,
    });
  }

  private request<T>(req: RequestOptions<T>) {
    // The API answers 415 to a change without the JSON:API content type, DELETE included.
    const headers = req.method === "GET" ? req.headers : { "content-type": "application/vnd.api+json", ...req.headers };
    return this.http.request({ ...req, ...(headers ? { headers } : {}) });
  }

  /**
   * Creates a key. POST is not idempotent: when the outcome is unknown (connection dropped, timeout,
   * 5xx), the organization's keys are listed before trying again and the newest key with this name
   * that is not one of `existing` (the keys with this name before the create: during a replacement,
   * the old key), if any, is taken as ours.
   */
  async createSshKey(organization: string, name: string, value: string, existing: readonly SshKeyData[] = []): Promise<SshKeyData> {
    const before = new Set(existing.map((k) => k.id));
    checkId("organization", organization);
    const path = `/organizations/${encodeURIComponent(organization)}/ssh-keys`;
    const created = await createWithLookup(
      async () =>
        (
          await this.request({
            method: "POST",
            path,
            body: { data: { type: "ssh-keys", attributes: { name, value } } },
            schema: SshKeyDocumentSchema,
            what: "the created SSH key",
          })
        ).body.data,
      async () => (await this.listSshKeys(organization)).filter((k) => k.attributes.name === name && !before.has(k.id)).at(-1),
    );
    // Later creates in this process see it, so two resources cannot both take one name.
    const listed = keyLists.get(this.listKey(organization));
    if (listed) await listed.then((keys) => keys.push(created), () => undefined);
    return created;
  }

  /**
   * The organization's keys with this name: from one listing per organization per process, plus the
   * keys this process made since. Keys made elsewhere after the listing are missed; that only lets a
   * duplicate through, as the API itself would.
   */
  async sshKeysNamed(organization: string, name: string): Promise<SshKeyData[]> {
    const key = this.listKey(organization);
    let pending = keyLists.get(key);
    if (!pending) {
      pending = this.listSshKeys(organization);
      keyLists.set(key, pending);
      pending.catch(() => keyLists.delete(key));
    }
    return (await pending).filter((k) => k.attributes.name === name);
  }

  private listKey(organization: string): string {
    return `${this.credentialKey}|${organization}`;
  }


  async getSshKey(id: string): Promise<SshKeyData | undefined> {
    checkId("SSH key id", id);
    const res = await this.request({ method: "GET", path: `/ssh-keys/${encodeURIComponent(id)}`, schema: SshKeyDocumentSchema, what: `SSH key ${id}`, allowStatus: [404] });
    return res.status === 404 ? undefined : res.body.data;
  }

  /** Renames a key (the only change the API allows). Setting a name is idempotent. */
  async renameSshKey(id: string, name: string): Promise<SshKeyData> {
    checkId("SSH key id", id);
    const res = await this.request({
      method: "PATCH",
      path: `/ssh-keys/${encodeURIComponent(id)}`,
      body: { data: { type: "ssh-keys", attributes: { name } } },
      idempotent: true,
      schema: SshKeyDocumentSchema,
      what: `SSH key ${id}`,
    });
    return res.body.data;
  }

  /** Deletes a key; false when it was already gone. */
  async deleteSshKey(id: string): Promise<boolean> {
    checkId("SSH key id", id);
    const res = await this.request({ method: "DELETE", path: `/ssh-keys/${encodeURIComponent(id)}`, allowStatus: [404] });
    return res.status !== 404;
  }

  /** Every key of the organization, following pagination (100 a page). */
  async listSshKeys(organization: string): Promise<SshKeyData[]> {
    checkId("organization", organization);
    const keys: SshKeyData[] = [];
    for (let page = 1; page <= 1000; page++) {
      const res = await this.request({
        method: "GET",
        path: `/organizations/${encodeURIComponent(organization)}/ssh-keys`,
        query: { "page[number]": page, "page[size]": 100 },
        schema: SshKeyListSchema,
        what: "SSH keys",
      });
      keys.push(...res.body.data);
      const next = res.body.meta?.pagination?.["next-page"];
      if (!next || res.body.data.length === 0) break;
    }
    return keys;
  }
}

function checkId(what: string, value: string): void {
  if (!ID.test(value)) throw new ConfigurationError(`invalid ${what} '${value}': it must not be empty or contain '/' or spaces`);
}

/**
 * HCP Terraform answers 404 both for "not there" and for "this token may not do that", and always for
 * organization tokens on SSH keys. Adds what a 404 can mean, so the message does not mislead.
 */
export function explainNotFound(error: unknown, organization: string): void {
  if (HttpError.isInstance(error) && error.status === 404) {
    error.message +=
      ` (HCP Terraform answers 404 when the organization '${organization}' does not exist, when the token may not manage its VCS settings, ` +
      "and always for organization tokens: SSH keys need a user or team token)";
  }
}
