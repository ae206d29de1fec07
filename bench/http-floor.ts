// The HTTP floor of `npm run bench`: what the services cost. A plain Node script, run as its own
// process like a provider host, sends the requests a create and a delete of each resource need (one
// per resource, plus the one login or token a provider process needs) with undici and the same
// parallelism as `pulumi up`, and times them. No Pulumi, no validation, no retries: the least any
// client could do.
//
// Input: the JSON of a FloorSpec in the environment variable BENCH_FLOOR_SPEC (it holds the
// emulators' throwaway credentials, which stay out of the process list). Output: a FloorResult as
// JSON on stdout.

import { Pool } from "undici";
import type { ResourceType } from "./programs";

export interface FloorSpec {
  type: ResourceType;
  count: number;
  parallel: number;
  /** The environment the bench gives Pulumi (service URLs and credentials). */
  env: Record<string, string>;
  privateKey: string;
  publicKey: string;
}

export interface FloorResult {
  /** From the first request of the create phase to the last answer, ms (process start-up excluded). */
  createMs: number;
  deleteMs: number;
  requests: number;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** Everything a service adapter needs: a call, counted. */
class Client {
  requests = 0;
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly parallel: number) {}

  async call(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
    const u = new URL(url);
    let pool = this.pools.get(u.origin);
    if (!pool) {
      pool = new Pool(u.origin, { connections: this.parallel });
      this.pools.set(u.origin, pool);
    }
    this.requests++;
    const res = await pool.request({ method: method as "GET", path: `${u.pathname}${u.search}`, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new Error(`${method} ${u.pathname} -> ${res.statusCode} ${text.slice(0, 300)}`);
    return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  close(): Promise<unknown> {
    return Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}

/** One service's requests. `setup` is the per-process login or token; its result goes to the others. */
interface Adapter {
  setup(client: Client, phase: "create" | "delete"): Promise<Record<string, string>>;
  create(client: Client, ctx: Record<string, string>, i: number): Promise<string>;
  delete(client: Client, ctx: Record<string, string>, id: string): Promise<void>;
}

function adapter(spec: FloorSpec): Adapter {
  const env = spec.env;
  const json = { "content-type": "application/json; charset=utf-8", accept: "application/json" };
  switch (spec.type) {
    case "OctopusSshAccount": {
      const headers = { ...json, "x-octopus-apikey": env.OCTOPUS_API_KEY! };
      return {
        setup: async () => ({}),
        create: async (c, _ctx, i) =>
          (
            await c.call(`${env.OCTOPUS_URL}/api/Spaces-1/accounts`, "POST", headers, {
              SpaceId: "Spaces-1",
              AccountType: "SshKeyPair",
              Name: `floor-${i}`,
              Username: "deploy",
              Description: "variant a",
              EnvironmentIds: [],
              TenantIds: [],
              TenantTags: [],
              TenantedDeploymentParticipation: "Untenanted",
              PrivateKeyFile: { HasValue: true, NewValue: Buffer.from(spec.privateKey).toString("base64") },
            })
          ).body.Id as string,
        delete: async (c, _ctx, id) => void (await c.call(`${env.OCTOPUS_URL}/api/Spaces-1/accounts/${id}`, "DELETE", headers)),
      };
    }
    case "OctopusApiKey": {
      const headers = { ...json, "x-octopus-apikey": env.OCTOPUS_API_KEY! };
      return {
        // Whose keys: the user the API key belongs to. A delete knows it already (it is in state).
        setup: async (c, phase): Promise<Record<string, string>> => (phase === "create" ? { user: (await c.call(`${env.OCTOPUS_URL}/api/users/me`, "GET", headers)).body.Id as string } : {}),
        create: async (c, ctx, i) => {
          const body = (await c.call(`${env.OCTOPUS_URL}/api/users/${ctx.user}/apikeys`, "POST", headers, { Purpose: `floor-${i}` })).body;
          return `${ctx.user}/${body.Id as string}`;
        },
        delete: async (c, _ctx, id) => {
          const [user, key] = id.split("/");
          await c.call(`${env.OCTOPUS_URL}/api/users/${user}/apikeys/${key}`, "DELETE", headers);
        },
      };
    }
    case "TfcSshKey": {
      const headers = { authorization: `Bearer ${env.TFE_TOKEN!}`, "content-type": "application/vnd.api+json", accept: "application/vnd.api+json" };
      return {
        setup: async () => ({}),
        create: async (c, _ctx, i) =>
          (
            await c.call(`${env.TFE_ADDRESS}/api/v2/organizations/${env.TFE_ORGANIZATION}/ssh-keys`, "POST", headers, {
              data: { type: "ssh-keys", attributes: { name: `floor-${i}`, value: spec.privateKey } },
            })
          ).body.data.id as string,
        delete: async (c, _ctx, id) => void (await c.call(`${env.TFE_ADDRESS}/api/v2/ssh-keys/${id}`, "DELETE", headers)),
      };
    }
    case "NovaKeypair": {
      // One Keystone token per process (both phases), the compute endpoint from its catalog.
      const nova = (ctx: Record<string, string>) => ({ ...json, "x-auth-token": ctx.token!, "openstack-api-version": "compute 2.10", "x-openstack-nova-api-version": "2.10" });
      return {
        setup: async (c) => {
          const res = await c.call(`${env.OS_AUTH_URL}/auth/tokens`, "POST", json, {
            auth: {
              identity: { methods: ["password"], password: { user: { name: env.OS_USERNAME, domain: { name: env.OS_USER_DOMAIN_NAME }, password: env.OS_PASSWORD } } },
              scope: { project: { name: env.OS_PROJECT_NAME, domain: { name: env.OS_PROJECT_DOMAIN_NAME } } },
            },
          });
          const compute = (res.body.token.catalog as { type: string; endpoints: { interface: string; url: string }[] }[]).find((s) => s.type === "compute")!;
          return { token: String(res.headers["x-subject-token"]), compute: compute.endpoints.find((e) => e.interface === "public")!.url.replace(/\/$/, "") };
        },
        create: async (c, ctx, i) => {
          await c.call(`${ctx.compute}/os-keypairs`, "POST", nova(ctx), { keypair: { name: `floor-${i}`, public_key: spec.publicKey } });
          return `floor-${i}`;
        },
        delete: async (c, ctx, name) => void (await c.call(`${ctx.compute}/os-keypairs/${name}`, "DELETE", nova(ctx))),
      };
    }
  }
}

/** Runs `count` tasks with at most `parallel` in flight, like the engine's step executor. */
export async function inParallel<T>(count: number, parallel: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) results[i] = await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return results;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.BENCH_FLOOR_SPEC ?? "") as FloorSpec;
  const a = adapter(spec);
  // Two clients: a create and a delete are two provider processes in Pulumi, each with its own
  // connections and its own login.
  const creating = new Client(spec.parallel);
  let started = performance.now();
  const ctx = await a.setup(creating, "create");
  const ids = await inParallel(spec.count, spec.parallel, (i) => a.create(creating, ctx, i));
  const createMs = performance.now() - started;
  await creating.close();

  const deleting = new Client(spec.parallel);
  started = performance.now();
  const ctx2 = await a.setup(deleting, "delete");
  await inParallel(ids.length, spec.parallel, (i) => a.delete(deleting, ctx2, ids[i]!));
  const deleteMs = performance.now() - started;
  await deleting.close();

  const result: FloorResult = { createMs, deleteMs, requests: creating.requests + deleting.requests };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
