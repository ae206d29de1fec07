import { strict as assert } from "node:assert";
import {
  AccessKeysError,
  ConfigurationError,
  HttpError,
  InputError,
  NetworkError,
  codeForStatus,
  describeFailure,
  isHttpError,
  isNotFound,
} from "../../src/core/errors";
import { redactPath, redactText } from "../../src/core/redact";

describe("core/errors and redaction", () => {
  it("maps statuses to stable codes", () => {
    const table: [number, string][] = [
      [400, "VALIDATION"],
      [401, "UNAUTHORIZED"],
      [403, "FORBIDDEN"],
      [404, "NOT_FOUND"],
      [409, "CONFLICT"],
      [422, "VALIDATION"],
      [429, "RATE_LIMITED"],
      [500, "SERVER_ERROR"],
      [503, "SERVER_ERROR"],
      [418, "HTTP_ERROR"],
    ];
    for (const [status, code] of table) assert.equal(codeForStatus(status), code, String(status));
  });

  it("guards recognise errors across copies of the package (brand, not instanceof)", () => {
    const e = new HttpError({ status: 404, method: "GET", path: "/x", apiMessage: "gone" });
    assert.ok(isHttpError(e));
    assert.ok(isNotFound(e));
    assert.ok(AccessKeysError.isInstance(e));
    assert.ok(!ConfigurationError.isInstance(e));
    // A look-alike from "another copy": same class name, brand set, different prototype chain.
    class HttpErrorCopy extends Error {}
    Object.defineProperty(HttpErrorCopy, "name", { value: "HttpError" });
    const foreign = Object.assign(new HttpErrorCopy("x"), { status: 404 });
    Object.defineProperty(foreign, Symbol.for("pulumi-access-keys.error"), { value: true });
    assert.ok(HttpError.isInstance(foreign));
    assert.ok(!NetworkError.isInstance(foreign));
    assert.ok(!HttpError.isInstance(new Error("plain")));
    assert.ok(!HttpError.isInstance({ status: 404 }));
  });

  it("describeFailure prefixes resource and operation once, keeps class and id", () => {
    const e = new HttpError({ status: 400, method: "POST", path: "/api/Spaces-1/accounts", apiMessage: "There was a problem with your request. Name in use" });
    e.id = "Accounts-9";
    const out = describeFailure("OctopusSshAccount", "create", e);
    assert.equal(out, e);
    assert.equal(out.message, "OctopusSshAccount create failed: POST /api/Spaces-1/accounts -> 400 There was a problem with your request. Name in use");
    assert.equal(describeFailure("OctopusSshAccount", "create", out).message, out.message);
    assert.equal(out.id, "Accounts-9");
    assert.match(String(out.stack).split("\n")[0]!, /^HttpError: OctopusSshAccount create failed/);
  });

  it("describeFailure wraps foreign errors and redacts what they say", () => {
    const out = describeFailure("OctopusApiKey", "read", new TypeError("boom API-ABCDEFGHIJKLMNOPQRSTUVWXYZ12"), []);
    assert.ok(AccessKeysError.isInstance(out));
    assert.equal(out.code, "INTERNAL");
    assert.equal(out.message, "OctopusApiKey read failed: TypeError: boom [redacted]");
  });

  it("InputError names the property", () => {
    const e = new InputError("space", "no Octopus space named 'Nope'");
    assert.equal(e.message, "space: no Octopus space named 'Nope'");
    assert.equal(e.property, "space");
    assert.equal(e.code, "INVALID_INPUT");
  });

  it("toJSON carries code and message only", () => {
    const e = new NetworkError({ method: "GET", path: "/x?apikey=API-SECRETSECRETSECRET", origin: "http://h", causeCode: "ECONNRESET", detail: "reset", ambiguous: true });
    assert.deepEqual(Object.keys(e.toJSON()).sort(), ["code", "message", "name"]);
    assert.doesNotMatch(JSON.stringify(e), /SECRETSECRET/);
  });

  describe("redactText", () => {
    const pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";
    const cases: { name: string; text: string; secrets?: string[]; mustNotContain: string[] }[] = [
      { name: "a known secret value", text: "token abc-123-secret-xyz failed", secrets: ["abc-123-secret-xyz"], mustNotContain: ["abc-123-secret-xyz"] },
      { name: "a known secret, URL-encoded", text: "cookie a%2Fb%3D%3Dcd", secrets: ["a/b==cd"], mustNotContain: ["a%2Fb%3D%3Dcd"] },
      { name: "a known secret, base64", text: `got ${Buffer.from("hunter2-password").toString("base64")}`, secrets: ["hunter2-password"], mustNotContain: [Buffer.from("hunter2-password").toString("base64")] },
      { name: "a private key block", text: `key was ${pem} ok`, mustNotContain: ["b3BlbnNzaC1rZXkt", "BEGIN OPENSSH"] },
      { name: "a truncated private key block", text: "key -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA", mustNotContain: ["MIIEowIBAAKCAQEA"] },
      { name: "one line of a known key", text: "bad line b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW here", secrets: [pem], mustNotContain: ["b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"] },
      { name: "base64 of a PEM", text: `value ${Buffer.from(pem).toString("base64")}`, mustNotContain: ["LS0tLS1CRUdJTi"] },
      { name: "an Octopus API key", text: "key API-ABCDEFGHIJKLMNOPQRSTUVWXYZ is bad", mustNotContain: ["API-ABCDEFGHIJ"] },
      { name: "a bearer token", text: "Authorization: Bearer abcdefghijklmnop.qrstuvwxyz", mustNotContain: ["abcdefghijklmnop"] },
      { name: "session cookies", text: "Cookie: OctopusIdentificationToken_123=abcdef%2Fghi; Octopus-Csrf-Token_123=zzzz%3D", mustNotContain: ["abcdef%2Fghi", "zzzz%3D"] },
      { name: "password in JSON", text: '{"Username":"admin","Password":"Sup3rS3cret!"}', mustNotContain: ["Sup3rS3cret!"] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const out = redactText(c.text, c.secrets);
        for (const s of c.mustNotContain) assert.ok(!out.includes(s), `${JSON.stringify(out)} still contains ${s}`);
        assert.ok(out.includes("[redacted]"));
      });
    }
    it("leaves ordinary text alone", () => {
      const text = "POST /api/Spaces-1/accounts -> 400 The account name 'deploy' is already in use.";
      assert.equal(redactText(text, ["ab"]), text);
    });
    it("masks secret query parameters in paths", () => {
      assert.equal(redactPath("/api/x?apikey=API-123&skip=0"), "/api/x?apikey=[redacted]&skip=0");
    });
  });
});
