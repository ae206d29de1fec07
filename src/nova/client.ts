// OpenStack Compute (Nova) key pairs: https://docs.openstack.org/api-ref/compute/#keypairs-keypairs
// (facts in reference/nova-api.md §2). Key pairs belong to a user (not a project) and are addressed by
// name. Microversions are sent without asking first: 2.10 when Nova must generate the key or a user id
// is given (generation is gone from 2.92 on), otherwise PINNED_MAX; a cloud that does not offer it
// answers 406 naming its range ("Minimum is 2.1 and maximum is 2.79."), which is kept for the process
// and the request sent again with the newest it offers. A legacy /v2/ endpoint ignores microversions
// (it behaves as 2.1), known from its URL. No version document: one request less per process.

import { HttpError, isNotFound } from "../core/errors";
import { HttpClient } from "../core/http";
import { NameScope } from "../core/names";
import type { RequestOptions } from "../core/http";
import { OpenStackSession } from "./keystone";
import { KeypairDocumentSchema, KeypairListSchema, openstackErrorMessage } from "./schemas";
import type { Keypair } from "./schemas";

/** The newest microversion this client is written for. */
export const PINNED_MAX = "2.96";
/** Needed for `user_id`, and the last range in which Nova generates keys (up to 2.91). */
export const GENERATE_OR_USER_VERSION = "2.10";

/** Microversions compare numerically per part: 2.10 > 2.9. */
export function compareVersions(a: string, b: string): number {
  const [am, an] = a.split(".").map(Number);
  const [bm, bn] = b.split(".").map(Number);
  return am! - bm! || an! - bn!;
}

// The microversion range of each compute endpoint, per process, once an endpoint has said it (406).
const ranges = new Map<string, { min: string; max: string }>();

export function resetNovaCaches(): void {
  ranges.clear();
}

/** The API root of a compute URL (without a trailing /{project_id}), and whether it is the legacy v2. */
function apiRoot(computeUrl: string): { root: string; legacy: boolean } {
  const cut = computeUrl.match(/^(.*?\/v2(\.1)?)(?:\/[^/]*)?$/);
  return cut ? { root: cut[1]!, legacy: cut[2] === undefined } : { root: computeUrl, legacy: false };
}

/** The range in a 406 answer: "Version 2.96 is not supported by the API. Minimum is 2.1 and maximum is 2.79." */
function rangeIn(error: unknown): { min: string; max: string } | undefined {
  if (!HttpError.isInstance(error) || error.status !== 406) return undefined;
  const m = /Minimum is (\d+\.\d+) and maximum is (\d+\.\d+)/.exec(error.apiMessage);
  return m ? { min: m[1]!, max: m[2]! } : undefined;
}

/** Nova client on a Keystone session. */
export class NovaClient {
  readonly session: OpenStackSession;

  constructor(session: OpenStackSession) {
    this.session = session;
  }

  private http(computeUrl: string): HttpClient {
    const tls = this.session.settings.tls;
    return new HttpClient({ service: "Nova", baseUrl: computeUrl, errorMessage: openstackErrorMessage, secrets: () => this.session.secrets(), ...(tls ? { tls } : {}) });
  }

  /** What the endpoint is known to offer: from its URL (legacy v2), or from a 406 it answered; else unknown. */
  knownRange(computeUrl: string): { min: string; max: string } | undefined {
    const { root, legacy } = apiRoot(computeUrl);
    return legacy ? { min: "2.1", max: "2.1" } : ranges.get(root);
  }

  /** The microversion for an operation: `needed` exactly when given, else the newest up to PINNED_MAX. */
  microversion(computeUrl: string, needed?: string): string {
    const known = this.knownRange(computeUrl);
    if (needed) {
      if (known && (compareVersions(needed, known.max) > 0 || compareVersions(needed, known.min) < 0)) {
        throw new HttpError({ status: 406, method: "GET", path: "/", apiMessage: `the compute API offers microversions ${known.min} to ${known.max}, and this operation needs ${needed}` });
      }
      return needed;
    }
    return known && compareVersions(known.max, PINNED_MAX) < 0 ? known.max : PINNED_MAX;
  }

  /**
   * Sends a request with a token and a microversion; after a 401, authenticates again once; after a
   * 406 that names the endpoint's range (first time only), sends it again within that range.
   */
  private async request<T>(req: RequestOptions<T>, version?: string) {
    let renewed = false;
    let learned = false;
    for (;;) {
      const { token, computeUrl } = await this.session.token();
      const mv = this.microversion(computeUrl, version);
      try {
        return await this.http(computeUrl).request({
          ...req,
          headers: { "x-auth-token": token, "x-openstack-nova-api-version": mv, "openstack-api-version": `compute ${mv}`, ...req.headers },
        });
      } catch (error) {
        if (!renewed && HttpError.isInstance(error) && error.status === 401) {
          renewed = true;
          this.session.invalidate(token);
          continue;
        }
        const range = learned ? undefined : rangeIn(error);
        if (range) {
          learned = true;
          ranges.set(apiRoot(computeUrl).root, range);
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * Sends one key pair create (an import, or a generation by Nova). POST is not idempotent: the
   * caller decides what to do when the outcome is unknown (core/ownership.ts).
   */
  async postKeypair(body: { name: string; public_key?: string; type?: string; user_id?: string }, version?: string): Promise<Keypair> {
    return (await this.request({ method: "POST", path: "/os-keypairs", body: { keypair: body }, schema: KeypairDocumentSchema, what: "the created key pair" }, version)).body.keypair;
  }

  /**
   * The names of a user's key pairs as this process knows them (core/names.ts): one listing per user
   * and identity, then this process's own creates and deletes. Key pairs are named, not numbered: the
   * name is the id.
   */
  keypairNames(userId: string | undefined): NameScope {
    return new NameScope(`nova|${this.session.key}|${userId ?? ""}|keypairs`, async () => (await this.listKeypairs(userId)).map((name) => ({ id: name, name })));
  }

  /** The names of every key pair of the user (the caller's own without `userId`), following `keypairs_links` pages. */
  async listKeypairs(userId?: string): Promise<string[]> {
    const names: string[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const query: Record<string, string> = { ...(userId ? { user_id: userId } : {}), ...(marker ? { marker } : {}) };
      const res = await this.request(
        { method: "GET", path: "/os-keypairs", ...(Object.keys(query).length ? { query } : {}), schema: KeypairListSchema, what: "key pairs" },
        userId ? GENERATE_OR_USER_VERSION : undefined,
      );
      const items = res.body.keypairs.map((k) => k.keypair.name);
      names.push(...items);
      const next = res.body.keypairs_links?.find((l) => (l.rel ?? "next") === "next")?.href;
      const nextMarker = next ? new URL(next, "http://x.invalid").searchParams.get("marker") : null;
      if (!nextMarker || items.length === 0 || nextMarker === marker) break;
      marker = nextMarker;
    }
    return names;
  }

  async getKeypair(name: string, userId?: string): Promise<Keypair | undefined> {
    const res = await this.request(
      {
        method: "GET",
        path: `/os-keypairs/${encodeURIComponent(name)}`,
        ...(userId ? { query: { user_id: userId } } : {}),
        schema: KeypairDocumentSchema,
        what: `key pair ${name}`,
        allowStatus: [404],
      },
      userId ? GENERATE_OR_USER_VERSION : undefined,
    );
    return res.status === 404 ? undefined : res.body.keypair;
  }

  /** Deletes a key pair; false when it was already gone. */
  async deleteKeypair(name: string, userId?: string): Promise<boolean> {
    try {
      const res = await this.request(
        { method: "DELETE", path: `/os-keypairs/${encodeURIComponent(name)}`, ...(userId ? { query: { user_id: userId } } : {}), allowStatus: [404] },
        userId ? GENERATE_OR_USER_VERSION : undefined,
      );
      return res.status !== 404;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}
