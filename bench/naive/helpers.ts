// The comparison for `npm run bench`: a dynamic provider written the common way, as most examples
// and blog posts write one. Shared helpers live in a module of the program and are imported at module
// level; each method builds its HTTP client from the environment. Pulumi serializes what the methods
// capture by value, so this module (and what its functions use) ends up in every resource's state.
// It works (the bench creates and deletes with it) but is deliberately not how this package does it.

import * as sshpk from "sshpk";
import { Pool } from "undici";

/** The parts of a key the outputs show. */
export interface KeyInfo {
  publicKey: string;
  fingerprint: string;
  keyType: string;
}

export function keyInfo(privateKey: string): KeyInfo {
  const key = sshpk.parsePrivateKey(privateKey, "auto");
  return { publicKey: key.toPublic().toString("ssh"), fingerprint: key.fingerprint("sha256").toString(), keyType: key.type };
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** A small JSON client, built per call. */
export class ApiClient {
  private readonly pool: Pool;
  private readonly prefix: string;

  constructor(
    baseUrl: string,
    private readonly headers: Record<string, string>,
  ) {
    const url = new URL(baseUrl);
    this.pool = new Pool(url.origin);
    this.prefix = url.pathname.replace(/\/$/, "");
  }

  async call(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown, allow404 = false): Promise<any> {
    try {
      const res = await this.pool.request({
        method,
        path: this.prefix + path,
        headers: { ...this.headers, ...(body === undefined ? {} : { "content-type": this.headers["content-type"] ?? "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.body.text();
      if (res.statusCode === 404 && allow404) return undefined;
      if (res.statusCode >= 400) throw new Error(`${method} ${path} failed: ${res.statusCode} ${text}`);
      return text ? JSON.parse(text) : undefined;
    } finally {
      await this.pool.close();
    }
  }
}
