import { strict as assert } from "node:assert";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { HttpError, NetworkError, ResponseValidationError, TimeoutError } from "../../src/core/errors";
import { AMBIGUOUS_CREATE_ATTEMPTS, DEFAULT_RETRY, HttpClient, backoffDelay, createWithLookup, retryAfterMs, shouldRetry } from "../../src/core/http";
import type { AttemptOutcome, HttpMethod } from "../../src/core/http";

describe("core/http", () => {
  describe("shouldRetry", () => {
    const cases: { name: string; method: HttpMethod; idempotent?: boolean; outcome: AttemptOutcome; expected: boolean }[] = [
      { name: "GET 503", method: "GET", outcome: { kind: "status", status: 503 }, expected: true },
      { name: "GET 429", method: "GET", outcome: { kind: "status", status: 429 }, expected: true },
      { name: "GET 408", method: "GET", outcome: { kind: "status", status: 408 }, expected: true },
      { name: "GET 500", method: "GET", outcome: { kind: "status", status: 500 }, expected: true },
      { name: "PUT 502", method: "PUT", outcome: { kind: "status", status: 502 }, expected: true },
      { name: "DELETE 504", method: "DELETE", outcome: { kind: "status", status: 504 }, expected: true },
      ...[400, 401, 403, 404, 409, 422].map((status) => ({
        name: `GET ${status} never`,
        method: "GET" as const,
        outcome: { kind: "status" as const, status },
        expected: false,
      })),
      ...[400, 401, 403, 404, 409, 422].map((status) => ({
        name: `idempotent POST ${status} never`,
        method: "POST" as const,
        idempotent: true,
        outcome: { kind: "status" as const, status },
        expected: false,
      })),
      { name: "POST 429 (not processed)", method: "POST", outcome: { kind: "status", status: 429 }, expected: true },
      { name: "POST 503 (may have been processed)", method: "POST", outcome: { kind: "status", status: 503 }, expected: false },
      { name: "POST 502", method: "POST", outcome: { kind: "status", status: 502 }, expected: false },
      { name: "POST refused (never sent)", method: "POST", outcome: { kind: "network", code: "ECONNREFUSED", sent: false }, expected: true },
      { name: "POST reset after sending", method: "POST", outcome: { kind: "network", code: "ECONNRESET", sent: true }, expected: false },
      { name: "POST timeout", method: "POST", outcome: { kind: "timeout" }, expected: false },
      { name: "GET reset", method: "GET", outcome: { kind: "network", code: "ECONNRESET", sent: true }, expected: true },
      { name: "GET timeout", method: "GET", outcome: { kind: "timeout" }, expected: true },
      { name: "GET unknown host", method: "GET", outcome: { kind: "network", code: "ENOTFOUND", sent: false }, expected: false },
      { name: "idempotent PATCH 503", method: "PATCH", idempotent: true, outcome: { kind: "status", status: 503 }, expected: true },
      { name: "PATCH 503", method: "PATCH", outcome: { kind: "status", status: 503 }, expected: false },
    ];
    for (const c of cases) {
      it(c.name, () => assert.equal(shouldRetry(c.method, c.idempotent ?? false, c.outcome), c.expected));
    }
  });

  describe("backoffDelay", () => {
    it("grows exponentially, is capped, and jitters within [exp/2, exp]", () => {
      const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
      assert.equal(backoffDelay(0, policy, undefined, () => 0), 50);
      assert.equal(backoffDelay(0, policy, undefined, () => 1), 100);
      assert.equal(backoffDelay(3, policy, undefined, () => 1), 800);
      assert.equal(backoffDelay(10, policy, undefined, () => 1), 1000);
      assert.equal(backoffDelay(10, policy, undefined, () => 0), 500);
    });
    it("uses the server's wait, plus a little jitter", () => {
      const d = backoffDelay(0, DEFAULT_RETRY, 2000, () => 0.5);
      assert.ok(d >= 2000 && d <= 2000 + 250, `got ${d}`);
      assert.equal(backoffDelay(0, DEFAULT_RETRY, 2000, () => 0), 2000);
    });
  });

  describe("retryAfterMs", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    const cases: { name: string; headers: Record<string, string>; expected: number | undefined }[] = [
      { name: "Retry-After seconds", headers: { "retry-after": "3" }, expected: 3000 },
      { name: "Retry-After fraction", headers: { "retry-after": "0.5" }, expected: 500 },
      { name: "Retry-After HTTP date", headers: { "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }, expected: 5000 },
      { name: "X-RateLimit-Reset seconds (HCP Terraform)", headers: { "x-ratelimit-reset": "0.25" }, expected: 250 },
      { name: "X-RateLimit-Reset epoch", headers: { "x-ratelimit-reset": String(now / 1000 + 7) }, expected: 7000 },
      { name: "Retry-After wins", headers: { "retry-after": "1", "x-ratelimit-reset": "9" }, expected: 1000 },
      { name: "garbage", headers: { "retry-after": "soon" }, expected: undefined },
      { name: "none", headers: {}, expected: undefined },
    ];
    for (const c of cases) it(c.name, () => assert.equal(retryAfterMs(c.headers, now), c.expected));
  });

  describe("createWithLookup", () => {
    const ambiguous = () => new HttpError({ status: 502, method: "POST", path: "/x", apiMessage: "bad gateway" });
    const definite = () => new HttpError({ status: 400, method: "POST", path: "/x", apiMessage: "bad" });

    it("after an ambiguous failure, takes what the lookup found instead of sending again", async () => {
      let sends = 0;
      const got = await createWithLookup(async () => {
        sends++;
        throw ambiguous();
      }, async () => "found");
      assert.equal(got, "found");
      assert.equal(sends, 1);
    });

    it("sends again when the lookup finds nothing, and stops after the attempt budget", async () => {
      let sends = 0;
      let lookups = 0;
      const ok = await createWithLookup(async () => (++sends < 3 ? Promise.reject(ambiguous()) : "made"), async () => (lookups++, undefined));
      assert.equal(ok, "made");
      assert.deepEqual([sends, lookups], [3, 2]);
      sends = 0;
      await assert.rejects(createWithLookup(async () => (sends++, Promise.reject(ambiguous())), async () => undefined), /502 bad gateway/);
      assert.equal(sends, AMBIGUOUS_CREATE_ATTEMPTS);
    });

    it("throws a definite failure at once, without looking", async () => {
      let lookups = 0;
      await assert.rejects(createWithLookup(async () => Promise.reject(definite()), async () => (lookups++, "x")), /400 bad/);
      assert.equal(lookups, 0);
    });
  });

  describe("HttpClient against a scripted server", () => {
    let server: Server;
    let url: string;
    let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void;
    const seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[] = [];
    const sleeps: number[] = [];
    const client = (extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
      new HttpClient({
        service: "Test",
        baseUrl: `${url}/prefix`,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        random: () => 0,
        secrets: () => ["sekrit-token-value"],
        headers: () => ({ authorization: "Bearer sekrit-token-value" }),
        ...extra,
      });

    before(async () => {
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
          handler(req, res, body);
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    beforeEach(() => {
      seen.length = 0;
      sleeps.length = 0;
    });

    const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
      res.end(text);
    };

    it("sends JSON with the base path, query, user agent and auth header, and parses the answer", async () => {
      handler = (_req, res) => json(res, 200, { ok: true });
      const res = await client().request({ method: "POST", path: "/things", query: { a: "1 2", skip: undefined }, body: { x: 1 }, schema: z.object({ ok: z.boolean() }) });
      assert.deepEqual(res.body, { ok: true });
      assert.equal(seen[0]!.url, "/prefix/things?a=1+2");
      assert.equal(seen[0]!.body, '{"x":1}');
      assert.match(String(seen[0]!.headers["user-agent"]), /^pulumi-access-keys\/\d+\.\d+\.\d+ \(node /);
      assert.match(String(seen[0]!.headers["content-type"]), /application\/json/);
      assert.equal(seen[0]!.headers.authorization, "Bearer sekrit-token-value");
    });

    it("retries a GET on 503 and honours Retry-After", async () => {
      let n = 0;
      handler = (_req, res) => (n++ < 2 ? json(res, 503, { message: "busy" }, { "retry-after": "2" }) : json(res, 200, { n }));
      const res = await client().request({ method: "GET", path: "/x" });
      assert.equal(res.attempts, 3);
      assert.deepEqual(sleeps, [2000, 2000]);
    });

    it("retries a POST on 429 but not on 503", async () => {
      let n = 0;
      handler = (_req, res) => (n++ === 0 ? json(res, 429, { message: "slow down" }, { "x-ratelimit-reset": "0.1" }) : json(res, 201, { id: 1 }));
      const ok = await client().request({ method: "POST", path: "/x", body: {} });
      assert.equal(ok.status, 201);
      assert.equal(seen.length, 2);
      assert.deepEqual(sleeps, [100]);

      seen.length = 0;
      handler = (_req, res) => json(res, 503, { message: "maybe did it" });
      await assert.rejects(client().request({ method: "POST", path: "/x", body: {} }), (e: unknown) => HttpError.isInstance(e) && e.status === 503);
      assert.equal(seen.length, 1, "a POST that may have been processed is not repeated");
    });

    it("never retries 400/401/403/404/409/422 and builds a standalone message", async () => {
      for (const status of [400, 401, 403, 404, 409, 422]) {
        seen.length = 0;
        handler = (_req, res) => json(res, status, { message: `nope ${status}` });
        await assert.rejects(client().request({ method: "GET", path: "/thing/1" }), (e: unknown) => {
          assert.ok(HttpError.isInstance(e));
          assert.equal(e.status, status);
          assert.equal(e.message, `GET /prefix/thing/1 -> ${status} nope ${status}`);
          return true;
        });
        assert.equal(seen.length, 1, `status ${status} was retried`);
      }
    });

    it("gives up after the retry budget with the last error and the attempt count", async () => {
      handler = (_req, res) => json(res, 502, { message: "bad gateway" });
      await assert.rejects(client({ retry: { retries: 2 } }).request({ method: "GET", path: "/x" }), /GET \/prefix\/x -> 502 bad gateway \(after 3 attempts\)/);
      assert.equal(seen.length, 3);
    });

    it("rate limits have their own retry budget", async () => {
      let n = 0;
      handler = (_req, res) => (n++ < 3 ? json(res, 429, { message: "slow down" }, { "x-ratelimit-reset": "0.01" }) : json(res, 200, { ok: true }));
      const res = await client({ retry: { retries: 1, rateLimitRetries: 5 } }).request({ method: "POST", path: "/x", body: {} });
      assert.equal(res.attempts, 4);
      n = 0;
      await assert.rejects(client({ retry: { retries: 5, rateLimitRetries: 1 } }).request({ method: "GET", path: "/x" }), /-> 429 slow down \(after 2 attempts\)/);
    });

    it("clients sharing a throttle key wait out one 429 together", async () => {
      let n = 0;
      handler = (_req, res) => (n++ === 0 ? json(res, 429, { message: "slow down" }, { "x-ratelimit-reset": "0.3" }) : json(res, 200, { ok: true }));
      const key = `test-${Math.random()}`;
      await client({ throttleKey: key }).request({ method: "GET", path: "/a" });
      await client({ throttleKey: key }).request({ method: "GET", path: "/b" });
      await client({ throttleKey: `${key}-other` }).request({ method: "GET", path: "/c" });
      // The first client waited for the reset; the second, sharing the key, waited too (before sending);
      // the third, with another key, did not wait at all.
      assert.equal(sleeps.length, 2, JSON.stringify(sleeps));
      assert.ok(sleeps.every((ms) => ms >= 250 && ms <= 400), JSON.stringify(sleeps));
      assert.equal(seen.length, 4);
    });

    it("does not wait for a Retry-After longer than the cap", async () => {
      handler = (_req, res) => json(res, 429, { message: "later" }, { "retry-after": "3600" });
      await assert.rejects(client().request({ method: "GET", path: "/x" }), (e: unknown) => HttpError.isInstance(e) && e.retryAfterSeconds === 3600);
      assert.equal(seen.length, 1);
      assert.deepEqual(sleeps, []);
    });

    it("returns allowed statuses instead of throwing (404 on read)", async () => {
      handler = (_req, res) => json(res, 404, { message: "gone" });
      const res = await client().request({ method: "GET", path: "/x", allowStatus: [404], schema: z.object({ id: z.string() }) });
      assert.equal(res.status, 404);
    });

    it("rejects a success body that does not match the schema, without retrying", async () => {
      handler = (_req, res) => json(res, 200, { id: 42 });
      await assert.rejects(client().request({ method: "GET", path: "/x", schema: z.object({ id: z.string() }), what: "thing 1" }), (e: unknown) => {
        assert.ok(ResponseValidationError.isInstance(e));
        assert.match(e.message, /unexpected response for thing 1: id:/);
        return true;
      });
      assert.equal(seen.length, 1);
    });

    it("redacts secrets the server echoes in an error", async () => {
      handler = (req, res) => json(res, 400, { message: `bad header ${req.headers.authorization}` });
      await assert.rejects(client().request({ method: "GET", path: "/x" }), (e: unknown) => {
        assert.ok(HttpError.isInstance(e));
        assert.doesNotMatch(e.message, /sekrit-token-value/);
        assert.doesNotMatch(JSON.stringify(e), /sekrit-token-value/);
        assert.doesNotMatch(String(e.stack), /sekrit-token-value/);
        return true;
      });
    });

    it("masks every credential header it sent, even one the client was not told is secret, when the server quotes it bare", async () => {
      // Found by the secret audit: a Keystone token sent per request in X-Auth-Token, quoted back by
      // Nova without its header name, was shown in the error (the client's secrets were only the password).
      handler = (req, res) => json(res, 500, { message: `failed for ${String(req.headers["x-auth-token"])} ${String(req.headers.cookie)} ${String(req.headers["x-octopus-apikey"])}` });
      const headers = { "x-auth-token": "gAAAAABissued-token-value", cookie: "Session_1=cookie-value-123; Csrf_1=csrf-value-456", "x-octopus-apikey": "API-HEADERKEY1234567890" };
      await assert.rejects(client({ retry: { retries: 0 } }).request({ method: "GET", path: "/x", headers }), (e: unknown) => {
        assert.ok(HttpError.isInstance(e));
        assert.match(e.message, /^GET \/prefix\/x -> 500 failed for \[redacted\] \[redacted\]/);
        for (const value of ["issued-token-value", "cookie-value-123", "csrf-value-456", "HEADERKEY1234567890"]) assert.ok(!`${e.message}${String(e.stack)}`.includes(value), `${value} in ${e.message}`);
        return true;
      });
    });

    it("times out a stalled answer; a GET is retried, a POST is not", async () => {
      handler = () => {
        /* never answers */
      };
      await assert.rejects(
        client({ timeouts: { requestMs: 150 }, retry: { retries: 1 } }).request({ method: "GET", path: "/slow" }),
        (e: unknown) => TimeoutError.isInstance(e) && /no answer from .* within 150 ms/.test(e.message),
      );
      assert.equal(seen.length, 2);
      seen.length = 0;
      await assert.rejects(client({ timeouts: { requestMs: 150 } }).request({ method: "POST", path: "/slow", body: {} }), (e: unknown) => TimeoutError.isInstance(e));
      assert.equal(seen.length, 1);
    });

    it("retries a GET whose connection is reset, and reports a refused connection clearly", async () => {
      let n = 0;
      handler = (req, res) => (n++ === 0 ? req.socket.destroy() : json(res, 200, { ok: true }));
      const res = await client().request({ method: "GET", path: "/flaky" });
      assert.equal(res.attempts, 2);

      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((r) => closed.close(r));
      await assert.rejects(
        client({ baseUrl: `http://127.0.0.1:${port}`, retry: { retries: 2 } }).request({ method: "POST", path: "/x", body: {} }),
        (e: unknown) => {
          assert.ok(NetworkError.isInstance(e));
          assert.equal(e.ambiguous, false);
          assert.match(e.message, /could not reach http:\/\/127\.0\.0\.1:\d+: connection refused .*\(after 3 attempts\)/);
          return true;
        },
      );
    });
  });
});
