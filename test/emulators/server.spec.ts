import * as assert from "node:assert/strict";
import { startEmulatorServer, type EmulatorServer, type Fault, type EmulatorRequest } from "../../src/emulators/server";

// A tiny service: echoes the request and counts how often it ran (so tests can tell whether a
// faulted request was processed).
function echoService(): { calls: EmulatorRequest[]; handler: (req: EmulatorRequest) => { status: number; body?: unknown; text?: string } } {
  const calls: EmulatorRequest[] = [];
  return {
    calls,
    handler: (req) => {
      calls.push(req);
      if (req.path === "/boom") throw new Error("kaput");
      if (req.path === "/text") return { status: 200, text: "plain words" };
      if (req.path === "/empty") return { status: 200 };
      return { status: req.path === "/created" ? 201 : 200, body: { method: req.method, path: req.path, query: req.query, body: req.body ?? null } };
    },
  };
}

const serviceErrorBody = (status: number, message: string): unknown => ({ Error: message, Code: status });

describe("emulators/server", () => {
  let server: EmulatorServer;
  let calls: EmulatorRequest[];

  beforeEach(async () => {
    const service = echoService();
    calls = service.calls;
    server = await startEmulatorServer(service.handler, { errorBody: serviceErrorBody });
  });
  afterEach(() => server.close());

  describe("requests and responses", () => {
    it("listens on 127.0.0.1 on a free port", () => {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(server.port > 0);
    });

    it("records method, path, query, lower-case headers, parsed body and status", async () => {
      const res = await fetch(`${server.url}/things/1?a=1&b=two`, {
        method: "POST",
        headers: { "X-Custom-Header": "Value", "Content-Type": "application/json" },
        body: JSON.stringify({ Name: "x" }),
      });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      assert.equal(server.requests.length, 1);
      const [entry] = server.requests;
      assert.equal(entry!.method, "POST");
      assert.equal(entry!.path, "/things/1");
      assert.deepEqual(entry!.query, { a: "1", b: "two" });
      assert.equal(entry!.headers["x-custom-header"], "Value");
      assert.equal(entry!.headers["X-Custom-Header"], undefined);
      assert.deepEqual(entry!.body, { Name: "x" });
      assert.equal(entry!.status, 200);
      assert.equal(entry!.fault, undefined);
      assert.ok(entry!.at > 0);
    });

    it("records what was answered: the handler's response, or the status fault's", async () => {
      await (await fetch(`${server.url}/created?x=1`)).arrayBuffer();
      server.faults.script({ fault: { kind: "status", status: 503, retryAfter: 2 } });
      await (await fetch(`${server.url}/later`)).arrayBuffer();
      server.faults.script({ fault: { kind: "reset" } });
      await assert.rejects(fetch(`${server.url}/gone`));
      const [created, later, gone] = server.requests;
      assert.deepEqual(created!.response, { status: 201, body: { method: "GET", path: "/created", query: { x: "1" }, body: null } });
      assert.deepEqual(later!.response, { status: 503, headers: { "retry-after": "2" }, body: { Error: "Service Unavailable", Code: 503 } });
      assert.equal(gone!.response, undefined, "a reset answers nothing");
    });

    it("parses JSON whatever the Content-Type, and keeps non-JSON as raw text", async () => {
      await (await fetch(`${server.url}/a`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: '{"k":1}' })).arrayBuffer();
      await (await fetch(`${server.url}/b`, { method: "POST", headers: { "Content-Type": "text/plain" }, body: "not json {" })).arrayBuffer();
      await (await fetch(`${server.url}/c`, { method: "POST" })).arrayBuffer();
      assert.deepEqual(
        server.requests.map((r) => r.body),
        [{ k: 1 }, "not json {", undefined],
      );
      assert.deepEqual(
        calls.map((c) => c.isJson),
        [true, false, false],
      );
    });

    it("sends JSON, text and empty bodies with an explicit Content-Length, never chunked", async () => {
      const json = await fetch(`${server.url}/created`);
      const jsonText = await json.text();
      assert.equal(json.status, 201);
      assert.equal(json.headers.get("content-type"), "application/json; charset=utf-8");
      assert.equal(json.headers.get("content-length"), String(Buffer.byteLength(jsonText)));
      assert.equal(json.headers.get("transfer-encoding"), null);

      const text = await fetch(`${server.url}/text`);
      assert.equal(await text.text(), "plain words");
      assert.equal(text.headers.get("content-length"), "11");
      assert.match(text.headers.get("content-type") ?? "", /^text\/plain/);

      const empty = await fetch(`${server.url}/empty`);
      assert.equal(await empty.text(), "");
      assert.equal(empty.headers.get("content-length"), "0");
      assert.equal(empty.headers.get("transfer-encoding"), null);
    });

    it("turns a handler exception into a 500 with the service's error body", async () => {
      const res = await fetch(`${server.url}/boom`);
      assert.equal(res.status, 500);
      const body = (await res.json()) as { Error: string; Code: number };
      assert.equal(body.Code, 500);
      assert.match(body.Error, /kaput/);
      assert.equal(server.requests[0]!.status, 500);
    });

    it("clear() empties the log in place", async () => {
      const log = server.requests;
      await (await fetch(`${server.url}/x`)).arrayBuffer();
      assert.equal(log.length, 1);
      log.clear();
      assert.equal(server.requests.length, 0);
      assert.equal(server.requests, log);
      await (await fetch(`${server.url}/y`)).arrayBuffer();
      assert.deepEqual(
        log.map((r) => r.path),
        ["/y"],
      );
    });
  });

  describe("close()", () => {
    it("resolves promptly although a keep-alive connection is open", async () => {
      const other = await startEmulatorServer(() => ({ status: 200, body: {} }));
      const res = await fetch(`${other.url}/`, { headers: { connection: "keep-alive" } });
      await res.arrayBuffer();
      const started = Date.now();
      await other.close();
      assert.ok(Date.now() - started < 1000, "close() waited for the idle keep-alive connection");
      await other.close(); // idempotent
      await assert.rejects(fetch(`${other.url}/`));
    });

    it("abandons a stalled request without processing it", async () => {
      const seen: string[] = [];
      const other = await startEmulatorServer((req) => {
        seen.push(req.path);
        return { status: 200, body: {} };
      });
      other.faults.script({ fault: { kind: "stall", ms: 60_000 } });
      const pending = fetch(`${other.url}/slow`).then(
        () => "answered",
        () => "failed",
      );
      while (other.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      const started = Date.now();
      await other.close();
      assert.ok(Date.now() - started < 1000);
      assert.equal(await pending, "failed");
      assert.deepEqual(seen, []);
    });
  });

  describe("fault injection", () => {
    it("status: answers instead of the handler, with Retry-After and a service-shaped body", async () => {
      server.faults.script({ method: "POST", path: "/things", fault: { kind: "status", status: 429, retryAfter: 3 } });
      const res = await fetch(`${server.url}/things`, { method: "POST", body: "{}" });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get("retry-after"), "3");
      const text = await res.text();
      assert.equal(res.headers.get("content-length"), String(Buffer.byteLength(text)));
      assert.deepEqual(JSON.parse(text), { Error: "Too Many Requests", Code: 429 });
      assert.equal(calls.length, 0, "the handler ran");
      assert.equal(server.requests[0]!.status, 429);
      assert.equal(server.requests[0]!.fault, "status");

      // Consumed: the next request is processed.
      const again = await fetch(`${server.url}/things`, { method: "POST", body: "{}" });
      assert.equal(again.status, 200);
      assert.equal(calls.length, 1);
    });

    it("status: a custom body and extra headers replace the defaults", async () => {
      server.faults.script({ fault: { kind: "status", status: 503, headers: { "X-RateLimit-Reset": "0.5" }, body: { custom: true } } });
      const res = await fetch(`${server.url}/x`);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("x-ratelimit-reset"), "0.5");
      assert.equal(res.headers.get("retry-after"), null);
      assert.deepEqual(await res.json(), { custom: true });
    });

    it("matches rules by method list and RegExp path, and honours times", async () => {
      server.faults.script({ method: ["put", "DELETE"], path: /^\/items\/\d+$/, times: 2, fault: { kind: "status", status: 500 } });
      assert.equal(server.faults.pending, 2);
      const statuses: number[] = [];
      for (const [method, path] of [
        ["GET", "/items/1"], // wrong method
        ["DELETE", "/items/abc"], // wrong path
        ["DELETE", "/items/1"],
        ["PUT", "/items/2"],
        ["PUT", "/items/3"], // rule used up
      ] as const) {
        const res = await fetch(`${server.url}${path}`, { method });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [200, 200, 500, 500, 200]);
      assert.equal(server.faults.pending, 0);
      assert.deepEqual(
        server.faults.injected.map(({ kind, method, path, status }) => ({ kind, method, path, status })),
        [
          { kind: "status", method: "DELETE", path: "/items/1", status: 500 },
          { kind: "status", method: "PUT", path: "/items/2", status: 500 },
        ],
      );
    });

    it("applies scripted rules in order", async () => {
      server.faults.script({ fault: { kind: "status", status: 502 } }, { fault: { kind: "status", status: 504 } });
      const a = await fetch(`${server.url}/1`);
      const b = await fetch(`${server.url}/2`);
      const c = await fetch(`${server.url}/3`);
      await Promise.all([a, b, c].map((r) => r.arrayBuffer()));
      assert.deepEqual([a.status, b.status, c.status], [502, 504, 200]);
    });

    it("reset: destroys the socket without processing the request", async () => {
      server.faults.script({ fault: { kind: "reset" } });
      await assert.rejects(fetch(`${server.url}/things`, { method: "POST", body: '{"a":1}' }));
      assert.equal(calls.length, 0);
      assert.equal(server.requests.length, 1);
      assert.equal(server.requests[0]!.fault, "reset");
      assert.equal(server.requests[0]!.status, undefined);
      assert.deepEqual(server.requests[0]!.body, { a: 1 });
      // The server keeps serving.
      assert.equal((await fetch(`${server.url}/ok`)).status, 200);
    });

    it("stall: delays, then processes normally", async () => {
      server.faults.script({ fault: { kind: "stall", ms: 150 } });
      const started = Date.now();
      const res = await fetch(`${server.url}/slow`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      assert.ok(Date.now() - started >= 140, "no delay");
      assert.equal(calls.length, 1);
      assert.equal(server.requests[0]!.fault, "stall");
    });

    it("drop-after: processes the request, then drops the connection unanswered", async () => {
      server.faults.script({ fault: { kind: "drop-after" } });
      await assert.rejects(fetch(`${server.url}/created`, { method: "POST", body: "{}" }));
      assert.equal(calls.length, 1, "the handler did not run");
      assert.equal(server.requests[0]!.fault, "drop-after");
      assert.equal(server.requests[0]!.status, 201, "the log keeps the status the client never saw");
    });

    it("clear() removes rules and the rate and empties the injected list", async () => {
      server.faults.script({ fault: { kind: "reset" }, times: 5 });
      server.faults.setRate({ rate: 1, faults: [{ kind: "reset" }] });
      await assert.rejects(fetch(`${server.url}/x`));
      assert.equal(server.faults.injected.length, 1);
      server.faults.clear();
      assert.equal(server.faults.pending, 0);
      assert.equal(server.faults.injected.length, 0);
      assert.equal((await fetch(`${server.url}/x`)).status, 200);
    });

    it("rejects invalid rules and rates", () => {
      assert.throws(() => server.faults.script({ fault: { kind: "reset" }, times: 0 }), RangeError);
      assert.throws(() => server.faults.setRate({ rate: 1.5, faults: [{ kind: "reset" }] }), RangeError);
      assert.throws(() => server.faults.setRate({ rate: 0.5, faults: [] }), RangeError);
    });

    describe("setRate", () => {
      const faults: Fault[] = [
        { kind: "status", status: 503 },
        { kind: "status", status: 429, retryAfter: 1 },
      ];

      async function statuses(target: EmulatorServer, n: number, path = "/r"): Promise<number[]> {
        const out: number[] = [];
        for (let i = 0; i < n; i++) {
          const res = await fetch(`${target.url}${path}`);
          await res.arrayBuffer();
          out.push(res.status);
        }
        return out;
      }

      it("is deterministic for a seed, across servers and after clear()", async () => {
        server.faults.setRate({ rate: 0.4, faults, seed: 42 });
        const first = await statuses(server, 40);
        assert.ok(first.some((s) => s === 200) && first.some((s) => s !== 200), `degenerate pattern ${first.join(",")}`);
        assert.ok(first.includes(503) && first.includes(429), "both faults should be picked");

        server.faults.clear();
        server.faults.setRate({ rate: 0.4, faults, seed: 42 });
        assert.deepEqual(await statuses(server, 40), first);

        const other = await startEmulatorServer(() => ({ status: 200, body: {} }));
        try {
          other.faults.setRate({ rate: 0.4, faults, seed: 42 });
          assert.deepEqual(await statuses(other, 40), first);
          other.faults.setRate({ rate: 0.4, faults, seed: 43 });
          assert.notDeepEqual(await statuses(other, 40), first);
        } finally {
          await other.close();
        }
      });

      it("injects nothing at rate 0 and into every matching request at rate 1", async () => {
        server.faults.setRate({ rate: 0, faults });
        assert.ok((await statuses(server, 10)).every((s) => s === 200));
        server.faults.setRate({ rate: 1, faults: [{ kind: "status", status: 503 }], method: "GET", path: /^\/only/ });
        assert.deepEqual(await statuses(server, 3, "/only/this"), [503, 503, 503]);
        assert.deepEqual(await statuses(server, 2, "/not-this"), [200, 200]);
        assert.equal(server.faults.injected.length, 3);
      });

      it("lets scripted rules take precedence", async () => {
        server.faults.setRate({ rate: 1, faults: [{ kind: "status", status: 503 }] });
        server.faults.script({ fault: { kind: "status", status: 418 } });
        assert.deepEqual(await statuses(server, 2), [418, 503]);
      });
    });
  });
});
