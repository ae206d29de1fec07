// HCP Terraform / Terraform Enterprise client for SSH keys:
// https://developer.hashicorp.com/terraform/cloud-docs/api-docs/ssh-keys (facts in reference/tfc-api.md).
//
// JSON:API over `https://HOST/api/v2` with a Bearer token. List and create are nested under the
// organization; show, update and delete are flat by key id. The key text is write-only.

import { createHash } from "node:crypto";
import { AccessKeysError, ConfigurationError, HttpError } from "../core/errors";
import { configKey, describeSources, missingSetting, movedError, parseBaseUrl, resolveSetting, sameEndpoint } from "../core/connection";
import { endpointMoved } from "../core/provider";
import type { SettingSpec, SettingsContext } from "../core/connection";
import { HttpClient, tlsFrom } from "../core/http";
import { NameScope } from "../core/names";
import { createOwned } from "../core/ownership";
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
  else if (ctx.stackConfig["tfe:hostname"]?.trim()) base = hostUrl(resource, ctx.stackConfig["tfe:hostname"].trim(), `stack config ${configKey("tfe:hostname")}`);
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

/** Where a key lives: the API address without `/api/v2` (`https://app.terraform.io`). */
export function tfcEndpoint(settings: TfcSettings): string {
  return settings.apiBase.replace(/\/api\/v2$/, "");
}

/**
 * A client for a key in state that lives at `endpoint` (recorded at create): settings that now
 * resolve to another HCP Terraform or Terraform Enterprise are refused. Old states are not checked.
 */
export function tfcClientAt(resource: string, id: string, endpoint: unknown, connection: TfcConnectionArgs | undefined, ctx: SettingsContext): TfcClient {
  const settings = resolveTfcSettings(resource, connection, ctx);
  if (typeof endpoint === "string" && endpoint && !sameEndpoint(endpoint, tfcEndpoint(settings))) throw movedError(resource, id, endpoint, tfcEndpoint(settings));
  return new TfcClient(settings);
}

/** Whether a key moved to another HCP Terraform address (replace), or an error when config or the environment moved it (see endpointMoved). */
export function tfcMoved(resource: string, id: string, olds: Record<string, any>, news: Record<string, any>, ctx: SettingsContext): Promise<boolean> {
  return endpointMoved(
    resource,
    id,
    olds,
    news,
    () => tfcEndpoint(resolveTfcSettings(resource, news.connection, ctx)),
    sameEndpoint,
    (connection) => [connection?.address, connection?.hostname].some((v) => typeof v === "string" && v.trim() !== ""),
  );
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
   * 5xx), the organization's keys are listed before trying again, and the newest key with this name
   * that `names` did not know before the create (core/ownership.ts) is taken as the create's work.
   * HCP Terraform never returns a key's text, so "not there before" is the whole proof.
   */
  async createSshKey(
    organization: string,
    name: string,
    value: string,
    names: NameScope,
    record: (key: SshKeyData) => { id: string; properties?: Record<string, unknown> },
  ): Promise<SshKeyData> {
    checkId("organization", organization);
    const path = `/organizations/${encodeURIComponent(organization)}/ssh-keys`;
    const created = await createOwned(
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
      {
        kind: "HCP Terraform SSH key",
        // Names repeat here: only a key that was not there before can be the create's (a replacement's
        // old key, with the same name, is known, and left alone).
        find: async () => {
          const fresh = [];
          for (const k of await this.listSshKeys(organization)) if (k.attributes.name === name && !(await names.knows(k.id))) fresh.push(k);
          return fresh.at(-1);
        },
        existedBefore: (k) => names.knows(k.id),
        mismatch: () => undefined,
        describe: (k) => `${k.id} ('${k.attributes.name}') in '${organization}'`,
        adoptHint: (k) => `set \`adopt: "${k.id}"\` and give the private key it holds`,
        record,
      },
    );
    await names.added({ id: created.id, name: created.attributes.name });
    return created;
  }

  /**
   * The names of the organization's keys as this process knows them (core/names.ts): one listing per
   * organization and token, then this process's own creates, renames and deletes.
   */
  sshKeyNames(organization: string): NameScope {
    return new NameScope(`tfc|${this.credentialKey}|${organization}|ssh-keys`, async () =>
      (await this.listSshKeys(organization)).map((k) => ({ id: k.id, name: k.attributes.name })),
    );
  }

  async getSshKey(id: string): Promise<SshKeyData | undefined> {
    checkId("SSH key id", id);
    const res = await this.request({ method: "GET", path: `/ssh-keys/${encodeURIComponent(id)}`, schema: SshKeyDocumentSchema, what: `SSH key ${id}`, allowStatus: [404] });
    return res.status === 404 ? undefined : res.body.data;
  }

  /**
   * Proves that a key the API answered 404 for is gone, or throws. HCP Terraform answers 404 for a
   * deleted key and also for a token that may not see SSH keys (organization tokens always; team
   * tokens without "Manage VCS settings"), so the organization's key list is read: a token that can
   * read it and does not find the key there sees a deleted key.
   */
  async confirmGone(id: string, organization: string | undefined): Promise<void> {
    const cannotTell = (why: string) =>
      new AccessKeysError(
        "FORBIDDEN",
        `HCP Terraform answered 404 for SSH key ${id}, and ${why}, so whether the key still exists cannot be told; it was kept in the state. ` +
          "This happens with an organization token (it can never manage SSH keys) or a team token whose team lacks the \"Manage VCS settings\" permission: " +
          `refresh with a user token, or a team token with that permission (connection.token, ${configKey("tfe:token")} or TFE_TOKEN)`,
      );
    if (!organization) throw cannotTell("the state does not say which organization it was in");
    let keys: SshKeyData[];
    try {
      keys = await this.listSshKeys(organization);
    } catch (error) {
      if (HttpError.isInstance(error) && (error.status === 404 || error.status === 403 || error.status === 401)) {
        throw cannotTell(`this token cannot list the SSH keys of organization '${organization}' either (${error.status})`);
      }
      throw error;
    }
    if (keys.some((k) => k.id === id)) throw cannotTell(`the organization's key list still shows it`);
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
