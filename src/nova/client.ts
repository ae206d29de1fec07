// OpenStack Compute (Nova) key pairs: https://docs.openstack.org/api-ref/compute/#keypairs-keypairs
// (facts in reference/nova-api.md §2). Key pairs belong to a user (not a project) and are addressed by
// name. Microversions are negotiated from the version document: 2.10 when Nova must generate the key
// or a user id is given (generation is gone from 2.92 on), otherwise the newest the server offers up
// to PINNED_MAX.

import { HttpError, isNotFound } from "../core/errors";
import { HttpClient } from "../core/http";
import { NameScope } from "../core/names";
import type { RequestOptions } from "../core/http";
import { OpenStackSession } from "./keystone";
import { KeypairDocumentSchema, KeypairListSchema, VersionDocumentSchema, openstackErrorMessage } from "./schemas";
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

// The microversion range of each compute endpoint, per process.
const ranges = new Map<string, Promise<{ min: string; max: string }>>();

export function resetNovaCaches(): void {
  ranges.clear();
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

  /** The microversions the endpoint offers (one unauthenticated request per endpoint per process). */
  async versionRange(computeUrl: string): Promise<{ min: string; max: string }> {
    // The version document sits at .../v2.1/, without a trailing /{project_id}.
    const cut = computeUrl.match(/^(.*?\/v2(?:\.1)?)(?:\/[^/]*)?$/);
    const root = cut ? cut[1]! : computeUrl;
    let pending = ranges.get(root);
    if (!pending) {
      pending = this.http(root)
        .request({ method: "GET", path: "/", schema: VersionDocumentSchema, what: "the compute version document" })
        .then(({ body }) => {
          const doc: { version?: string; min_version?: string } | undefined =
            "version" in body ? (body.version as { version?: string; min_version?: string }) : (body.versions.find((v) => v.id === "v2.1") ?? body.versions[0]);
          // A v2.0-only endpoint (no microversions) behaves as 2.1.
          return { min: doc?.min_version || "2.1", max: doc?.version || "2.1" };
        });
      ranges.set(root, pending);
      pending.catch(() => ranges.delete(root));
    }
    return pending;
  }

  /** The microversion for an operation: `needed` exactly when given, else the newest up to PINNED_MAX. */
  async microversion(computeUrl: string, needed?: string): Promise<string> {
    const { min, max } = await this.versionRange(computeUrl);
    if (needed) {
      if (compareVersions(needed, max) > 0 || compareVersions(needed, min) < 0) {
        throw new HttpError({ status: 406, method: "GET", path: "/", apiMessage: `the compute API offers microversions ${min} to ${max}, and this operation needs ${needed}` });
      }
      return needed;
    }
    return compareVersions(max, PINNED_MAX) < 0 ? max : PINNED_MAX;
  }

  /** Sends a request with a token and a microversion; after a 401, authenticates again once. */
  private async request<T>(req: RequestOptions<T>, version?: string) {
    for (let attempt = 0; ; attempt++) {
      const { token, computeUrl } = await this.session.token();
      const mv = await this.microversion(computeUrl, version);
      try {
        return await this.http(computeUrl).request({
          ...req,
          headers: { "x-auth-token": token, "x-openstack-nova-api-version": mv, "openstack-api-version": `compute ${mv}`, ...req.headers },
        });
      } catch (error) {
        if (attempt === 0 && HttpError.isInstance(error) && error.status === 401) {
          this.session.invalidate(token);
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
