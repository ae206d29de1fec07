// Secret audit (issue 6, item 4), with the real Pulumi CLI at its most verbose (-v=9 --logflow
// --debug; the engine's log on stderr, and for refresh and preview in log files) and our own HTTP
// debug log (PULUMI_ACCESS_KEYS_DEBUG=1). Every secret in the run carries a unique marker: passwords,
// the passphrases and the application credential secret a random one; private keys are found by
// slices of their private bytes; the secrets the services issue (Octopus API keys and sessions,
// Keystone tokens, Nova-generated private keys) are read back from the emulators' request logs, and
// the locally generated ones from the decrypted state.
//
// After up, an update (in place and by replacement), refresh, failing operations (a wrong
// passphrase, a wrong password, services whose 500s quote the whole request back, on writes, reads,
// logins and deletes) and destroy, no marker may be in: stack export, any file of the backend, the
// CLI's output (the display, every error, the engine's log, the provider's stderr, our debug log),
// the log files, PULUMI_HOME, or the project directory. The one exception is Pulumi's own logging of
// RPC payloads, which in 3.248 prints every property in plaintext (see PULUMI_DUMP in
// support/secret-audit.ts): it is reported, not failed, since no provider can change it. Positive
// controls keep the scan honest: it must find markers planted in a file and in the CLI's output, and
// the decrypted state must contain every secret the state keeps.
//
// Then the request logs: each secret was sent only where its API needs it (API key in
// X-Octopus-ApiKey, password in the login body, private keys in the create or update body of their
// service in the form it wants, ...), never in a URL, never to another service.

import { strict as assert } from "node:assert";
import { generateKeyPairSync } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startNovaEmulator } from "../../src/emulators/nova";
import type { NovaEmulator } from "../../src/emulators/nova";
import { startOctopusEmulator } from "../../src/emulators/octopus";
import type { OctopusEmulator } from "../../src/emulators/octopus";
import type { RecordedRequest } from "../../src/emulators/server";
import { startTfcEmulator } from "../../src/emulators/tfc";
import type { TfcEmulator } from "../../src/emulators/tfc";
import { generateKeyPair, inspectPrivateKey } from "../../src/ssh/keys";
import { PulumiStack, makeProjectDir, requirePulumiCli } from "../support/pulumi";
import type { CommandResult } from "../support/pulumi";
import { describeSighting, filesUnder, markPrivateKey, markString, maskAll, newMarker, scanOutputs, scanText, sightings } from "../support/secret-audit";
import type { Finding, MarkedSecret, Sighting } from "../support/secret-audit";

// Secrets arrive every way the README offers: secret config into a resource's `connection`
// (password, application credential secret), one resource's secret output into another's connection
// (the new API key), stack config read by configure() (octopusdeploy:apiKey, tfe:token), and the
// environment (OS_PASSWORD).
const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { NovaKeypair, OctopusApiKey, OctopusSshAccount, TfcSshKey } from "pulumi-access-keys";

const c = new pulumi.Config();
const serverUrl = c.require("octopusUrl");

const bootstrap = new OctopusApiKey("bootstrap", {
  purpose: c.require("apiKeyPurpose"),
  connection: { serverUrl, username: c.require("octopusUser"), password: c.requireSecret("octopusPassword") },
});
const account = new OctopusSshAccount("account", {
  name: "audit deploy",
  username: "deploy",
  description: c.require("accountDescription"),
  privateKey: c.requireSecret("accountKey"),
  privateKeyPassphrase: c.getSecret("accountKeyPassphrase"),
  space: "Spaces-1",
  connection: { serverUrl, apiKey: bootstrap.apiKey },
});

const generated = new NovaKeypair("generated", { name: c.require("novaName") });
const local = new NovaKeypair("local", {
  name: c.require("localName"),
  generate: "local",
  connection: { applicationCredentialId: c.require("appCredId"), applicationCredentialSecret: c.requireSecret("appCredSecret") },
});

const novaAccount = new OctopusSshAccount("nova-account", {
  name: "audit nova",
  username: "deploy",
  description: c.require("novaAccountDescription"),
  privateKey: generated.privateKey.apply((k) => k ?? ""),
  space: c.require("novaAccountSpace"),
});

const tfc = new TfcSshKey("tfc", { name: c.require("tfcName"), privateKey: c.requireSecret("tfcKey") });
const tfcLocal = new TfcSshKey("tfc-local", { name: "audit-local", privateKey: local.privateKey.apply((k) => k ?? "") });

export const apiKey = bootstrap.apiKey;
export const generatedPrivateKey = generated.privateKey;
export const localPrivateKey = local.privateKey;
export const ids = [account.accountId, novaAccount.accountId, tfc.sshKeyId, tfcLocal.sshKeyId];
`;

/** The engine's most verbose logging, flowed to the plugins, plus debug diagnostics. */
const VERBOSE = ["-v=9", "--logflow", "--debug"];

/** A rule for where a secret may be sent. */
type Where = (s: Sighting) => boolean;

const ACCOUNTS_PATH = /^\/api\/Spaces-\d+\/accounts(\/[^/]+)?$/;
const WHERE = {
  nowhere: (_s: Sighting) => false,
  octopusApiKeyHeader: (s: Sighting) => s.service === "octopus" && s.part === "header:x-octopus-apikey" && s.form === "text",
  octopusLoginBody: (s: Sighting) => s.service === "octopus" && s.method === "POST" && s.path === "/api/users/login" && s.part === "body:Password" && s.form === "text",
  octopusCookie: (s: Sighting) => s.service === "octopus" && s.part === "header:cookie" && s.form === "text",
  octopusCsrf: (s: Sighting) => s.service === "octopus" && (s.part === "header:cookie" || s.part === "header:x-octopus-csrf-token") && s.form === "text",
  // Octopus wants the key file base64-encoded: the text form there would be the seed 000 bug.
  octopusKeyBody: (s: Sighting) => s.service === "octopus" && /^(POST|PUT)$/.test(s.method) && ACCOUNTS_PATH.test(s.path) && s.part === "body:PrivateKeyFile.NewValue" && s.form === "base64",
  octopusPassphraseBody: (s: Sighting) =>
    s.service === "octopus" && /^(POST|PUT)$/.test(s.method) && ACCOUNTS_PATH.test(s.path) && s.part === "body:PrivateKeyPassphrase.NewValue" && s.form === "text",
  tfcAuthorization: (s: Sighting) => s.service === "tfc" && s.part === "header:authorization" && s.form === "text",
  // Only the create: a key's value cannot change, so a PATCH never carries it.
  tfcKeyCreate: (s: Sighting) => s.service === "tfc" && s.method === "POST" && /^\/api\/v2\/organizations\/[^/]+\/ssh-keys$/.test(s.path) && s.part === "body:data.attributes.value" && s.form === "text",
  keystonePassword: (s: Sighting) => s.service === "nova" && s.method === "POST" && s.path === "/identity/v3/auth/tokens" && s.part === "body:auth.identity.password.user.password" && s.form === "text",
  keystoneAppCred: (s: Sighting) =>
    s.service === "nova" && s.method === "POST" && s.path === "/identity/v3/auth/tokens" && s.part === "body:auth.identity.application_credential.secret" && s.form === "text",
  keystoneToken: (s: Sighting) => s.service === "nova" && s.part === "header:x-auth-token" && s.form === "text",
} satisfies Record<string, Where>;

/**
 * A fault body that quotes the request being answered back: method, path, every header (as JSON, and
 * the bare values, so no "Authorization:" label gives a secret away to a pattern), the body, and
 * `extra` (what the server holds). What a careless server or proxy does; the client must mask all
 * of it. Serialized when the answer is written, when the request is the log's last entry.
 */
function echo(log: readonly RecordedRequest[], shape: (text: string) => unknown, extra: (r: RecordedRequest) => string = () => ""): unknown {
  return {
    toJSON: () => {
      const r = log.at(-1)!;
      return shape(`echo of ${r.method} ${r.path}: headers ${JSON.stringify(r.headers)} values ${Object.values(r.headers).join(" ")} body ${JSON.stringify(r.body)} ${extra(r)}`);
    },
  };
}
// Each service's error shape, so the client reads the quoted text as the API's message.
const OCTOPUS_ERROR = (text: string) => ({ ErrorMessage: "Internal error", Errors: [text] });
const TFC_ERROR = (text: string) => ({ errors: [{ status: "500", title: "Internal error", detail: text }] });
const NOVA_ERROR = (text: string) => ({ computeFault: { code: 500, message: text } });
const KEYSTONE_ERROR = (text: string) => ({ error: { code: 500, title: "Internal Server Error", message: text } });

/** A secret of the run, where it may travel, and whether the run must have sent it (a control on the needles). */
interface AuditedSecret extends MarkedSecret {
  where: Where;
  mustBeSent: boolean;
}

function audited(secret: MarkedSecret, where: Where, mustBeSent: boolean): AuditedSecret {
  return { ...secret, where, mustBeSent };
}

describe("secret audit: unique markers through up, update, refresh, failures and destroy at -v=9", function () {
  this.timeout(600_000);
  const bin = requirePulumiCli();
  let octopus: OctopusEmulator;
  let tfc: TfcEmulator;
  let nova: NovaEmulator;
  let stack: PulumiStack;
  let projectDir: string;
  let logDir: string;
  let appCredId: string;

  // Secrets chosen by the test, each with its own marker.
  const octopusPassword = `octopus-password-${newMarker()}`;
  const wrongOctopusPassword = `wrong-octopus-password-${newMarker()}`;
  const osPassword = `os-password-${newMarker()}`;
  const appCredSecret = `app-credential-secret-${newMarker()}`;
  const passphrase = `key passphrase ${newMarker()}`;
  const wrongPassphrase = `wrong key passphrase ${newMarker()}`;
  // Keys in each format the resources take: OpenSSH, PKCS#1 PEM, encrypted PKCS#8 PEM.
  const accountKey1 = generateKeyPair({ algorithm: "ed25519" }).privateKey;
  const accountKey2 = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase }).toString();
  const tfcKey1 = generateKeyPair({ algorithm: "rsa", bits: 2048 }).privateKey;
  const tfcKey2 = generateKeyPair({ algorithm: "ed25519" }).privateKey;
  // Keys of the same formats, made only to tell a key's structure from its secret bytes.
  const twin = {
    openssh: generateKeyPair({ algorithm: "ed25519" }).privateKey,
    pkcs1: generateKeyPair({ algorithm: "rsa", bits: 2048 }).privateKey,
    pkcs8: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "twin" }).toString(),
  };

  /** `pulumi stack export` after each phase (state is empty after destroy), and its decrypted form. */
  const exports: string[] = [];
  const decryptedExports: string[] = [];
  const pulumi = (args: string[], options: { logTo?: "stderr" | "files" } = {}): Promise<CommandResult> =>
    stack.run([...args, ...VERBOSE, ...(options.logTo === "files" ? [] : ["--logtostderr"])]);
  const must = async (args: string[], options: { logTo?: "stderr" | "files" } = {}): Promise<CommandResult> => {
    const result = await pulumi(args, options);
    // Masked: a verbose log that leaked would otherwise print the secret into the test's own output.
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited with ${result.code}:\n${maskAll(result.output.slice(-4000), secrets())}`);
    return result;
  };
  const snapshot = async () => {
    exports.push(await stack.exportText());
    decryptedExports.push((await stack.must(["stack", "export", "--show-secrets"], { showsSecrets: true })).stdout);
  };
  const configs = async (values: Record<string, string>) => {
    await stack.must(["config", "set-all", ...Object.entries(values).flatMap(([k, v]) => ["--plaintext", `${k}=${v}`])]);
  };

  before(async () => {
    [octopus, tfc, nova] = await Promise.all([startOctopusEmulator({ adminPassword: octopusPassword }), startTfcEmulator(), startNovaEmulator({ password: osPassword })]);
    appCredId = nova.createApplicationCredential({ user: nova.credentials.userId, secret: appCredSecret, name: "audit" }).id;
    octopus.createSpace("Audit Blue");
    logDir = fs.mkdtempSync(path.join(os.tmpdir(), "pak-audit-logs-"));
    projectDir = makeProjectDir("secret-audit", PROGRAM);
    stack = new PulumiStack(bin(), projectDir, {
      TFE_ADDRESS: tfc.url,
      TFE_ORGANIZATION: tfc.organization,
      ...nova.environment({ auth: "password", user: "user" }),
      PULUMI_ACCESS_KEYS_DEBUG: "1",
      // Failing requests fail fast: one retry, short backoff.
      PULUMI_ACCESS_KEYS_MAX_RETRIES: "1",
      PULUMI_ACCESS_KEYS_RETRY_BASE_MS: "10",
      // Where the engine's log files go when not logging to stderr (glog writes to the temp dir).
      TMPDIR: logDir,
    });
    await stack.init("audit");
    await configs({
      octopusUrl: octopus.url,
      octopusUser: octopus.admin.username,
      apiKeyPurpose: "audit automation",
      accountDescription: "first",
      novaName: "audit-generated",
      localName: "audit-local",
      appCredId,
      novaAccountSpace: "Spaces-1",
      novaAccountDescription: "first",
      tfcName: "audit-modules",
      "octopusdeploy:address": octopus.url,
    });
    await stack.setConfig("octopusPassword", octopusPassword, true);
    await stack.setConfig("appCredSecret", appCredSecret, true);
    await stack.setConfig("accountKey", accountKey1, true);
    await stack.setConfig("tfcKey", tfcKey1, true);
    await stack.setConfig("octopusdeploy:apiKey", octopus.admin.apiKey!, true);
    await stack.setConfig("tfe:token", tfc.tokens.user, true);
  });
  after(async () => {
    await stack?.destroyAndRemove();
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
    if (logDir) fs.rmSync(logDir, { recursive: true, force: true });
    await Promise.all([octopus?.close(), tfc?.close(), nova?.close()]);
  });

  it("up: all four types, the API key made by logging in, a Nova-generated and a locally generated pair", async () => {
    const result = await must(["up", "--yes", "--skip-preview"]);
    assert.equal(octopus.state.accounts.size, 2);
    assert.equal(octopus.state.apiKeys.size, 2, "the seeded admin key and the bootstrap key");
    assert.equal(tfc.state.sshKeys.size, 2);
    assert.equal(nova.state.keypairs.size, 2);
    // The logs under audit are really there: the engine's at -v=9, the plugins' (--logflow), ours.
    assert.match(result.stderr, /^\{"time":"[^"]+","level":"INFO","msg":"Marshaling property for RPC\[Provider/m, "engine log lines at -v=9 on stderr");
    assert.match(result.output, /\[pulumi-access-keys\] Octopus POST \/api\/users\/login -> 200/);
    assert.match(result.output, /\[pulumi-access-keys\] Keystone POST \/identity\/v3\/auth\/tokens -> 201/);
    assert.match(result.output, /\[pulumi-access-keys\] HCP Terraform POST \/api\/v2\/organizations\/[^/]+\/ssh-keys -> 201/);
    await snapshot();
  });

  it("update: in place (a description, a rotated encrypted key) and by replacement (API key, Nova pair, account space, TFC key)", async () => {
    await configs({ accountDescription: "second", apiKeyPurpose: "audit automation v2", novaName: "audit-generated-2", novaAccountSpace: "Audit Blue" });
    await stack.setConfig("accountKey", accountKey2, true);
    await stack.setConfig("accountKeyPassphrase", passphrase, true);
    await stack.setConfig("tfcKey", tfcKey2, true);
    const result = await must(["up", "--yes", "--skip-preview", "--diff"]);
    const step = (name: string) => new RegExp(`([~+-]+) ?pulumi-nodejs:dynamic/[\\w:]+: \\((\\w+)\\)\\n\\s*(?:\\[id=[^\\]]*\\]\\n\\s*)?\\[urn=[^\\]]*::${name}\\]`).exec(result.output)?.slice(1).join(" ");
    assert.equal(step("account"), "~ update");
    for (const name of ["bootstrap", "generated", "nova-account", "tfc"]) assert.equal(step(name), "+- replace", name);
    assert.equal(octopus.state.accounts.size, 2);
    assert.equal(octopus.state.apiKeys.size, 2, "the old bootstrap key is revoked");
    await snapshot();
  });

  it("refresh, with the engine logging to files, then preview: no changes", async () => {
    await must(["refresh", "--yes", "--skip-preview"], { logTo: "files" });
    const logs = filesUnder(logDir).filter(([name]) => /^pulumi.*\.log\./.test(path.basename(name)));
    assert.ok(logs.some(([, text]) => text.length > 10_000), `no engine log files in ${logDir}`);
    await must(["preview", "--expect-no-changes"], { logTo: "files" });
  });

  it("fails: a wrong passphrase is refused before anything is sent", async () => {
    const sent = () => [octopus, tfc, nova].reduce((n, e) => n + e.requests.filter((r) => r.method !== "GET").length, 0);
    const before = sent();
    await stack.setConfig("accountKeyPassphrase", wrongPassphrase, true);
    const result = await pulumi(["up", "--yes", "--skip-preview"]);
    assert.notEqual(result.code, 0);
    assert.match(result.output, /privateKeyPassphrase/);
    assert.equal(sent(), before, "no change was sent to any service");
    await stack.setConfig("accountKeyPassphrase", passphrase, true);
  });

  it("fails: a wrong Octopus password, and services whose 500s quote the whole request back", async () => {
    octopus.faults.script({ method: "PUT", path: ACCOUNTS_PATH, times: 4, fault: { kind: "status", status: 500, body: echo(octopus.requests, OCTOPUS_ERROR) } });
    tfc.faults.script({ method: "PATCH", times: 4, fault: { kind: "status", status: 500, body: echo(tfc.requests, TFC_ERROR) } });
    // A 500 on a create is ambiguous: the key pair is looked up and the create sent again, five times.
    nova.faults.script({ method: "POST", path: /os-keypairs$/, times: 10, fault: { kind: "status", status: 500, body: echo(nova.requests, NOVA_ERROR) } });
    await stack.setConfig("octopusPassword", wrongOctopusPassword, true);
    await configs({ apiKeyPurpose: "audit automation v3", novaAccountDescription: "second", tfcName: "audit-modules-renamed", localName: "audit-local-2" });
    const result = await pulumi(["up", "--yes", "--skip-preview", "--continue-on-error"]);
    octopus.faults.clear();
    tfc.faults.clear();
    nova.faults.clear();
    assert.notEqual(result.code, 0);
    assert.match(result.output, /Octopus login as 'admin' was refused/);
    assert.match(result.output, /PUT \/api\/Spaces-\d+\/accounts\/Accounts-\d+ -> 500/);
    assert.match(result.output, /PATCH \/api\/v2\/ssh-keys\/[^ ]+ -> 500/);
    assert.match(result.output, /POST \/compute\/v2\.1\/os-keypairs -> 500/);
    assert.match(result.output, /\[redacted\]/, "the quoted secrets were there to mask");
  });

  it("fails: a refresh whose every read and login gets a 500 quoting the request (and the account's stored passphrase)", async () => {
    const storedPassphrase = (r: RecordedRequest) => {
      const id = /\/accounts\/([^/]+)$/.exec(r.path)?.[1];
      return `stored passphrase: ${(id && octopus.state.accounts.get(id)?.PrivateKeyPassphrase) ?? "none"}`;
    };
    octopus.faults.script({ method: "GET", path: ACCOUNTS_PATH, times: 8, fault: { kind: "status", status: 500, body: echo(octopus.requests, OCTOPUS_ERROR, storedPassphrase) } });
    octopus.faults.script({ method: "POST", path: "/api/users/login", times: 8, fault: { kind: "status", status: 500, body: echo(octopus.requests, OCTOPUS_ERROR) } });
    tfc.faults.script({ method: "GET", times: 8, fault: { kind: "status", status: 500, body: echo(tfc.requests, TFC_ERROR) } });
    nova.faults.script({ method: "POST", path: /\/auth\/tokens$/, times: 8, fault: { kind: "status", status: 500, body: echo(nova.requests, KEYSTONE_ERROR) } });
    const result = await pulumi(["refresh", "--yes", "--skip-preview"]);
    for (const f of [octopus.faults, tfc.faults, nova.faults]) f.clear();
    assert.notEqual(result.code, 0);
    assert.match(result.output, /GET \/api\/Spaces-\d+\/accounts\/Accounts-\d+ -> 500/);
    assert.match(result.output, /POST \/api\/users\/login -> 500/);
    assert.match(result.output, /GET \/api\/v2\/ssh-keys\/[^ ]+ -> 500/);
    assert.match(result.output, /POST \/identity\/v3\/auth\/tokens -> 500/);
  });

  it("up with the right password again converges (renames, replacements, the new API key)", async () => {
    await stack.setConfig("octopusPassword", octopusPassword, true);
    await must(["up", "--yes", "--skip-preview"]);
    assert.deepEqual([...tfc.state.sshKeys.values()].map((k) => k.name).sort(), ["audit-local", "audit-modules-renamed"]);
    assert.ok([...nova.state.keypairs.values()].some((k) => k.name === "audit-local-2"));
    await snapshot();
  });

  it("fails: a destroy whose deletes get 500s quoting the request; then destroy leaves nothing", async () => {
    tfc.faults.script({ method: "DELETE", times: 8, fault: { kind: "status", status: 500, body: echo(tfc.requests, TFC_ERROR) } });
    octopus.faults.script({ method: "DELETE", times: 8, fault: { kind: "status", status: 500, body: echo(octopus.requests, OCTOPUS_ERROR) } });
    nova.faults.script({ method: "DELETE", times: 8, fault: { kind: "status", status: 500, body: echo(nova.requests, NOVA_ERROR) } });
    const failed = await pulumi(["destroy", "--yes", "--skip-preview"]);
    for (const f of [octopus.faults, tfc.faults, nova.faults]) f.clear();
    assert.notEqual(failed.code, 0);
    assert.match(failed.output, /DELETE \/api\/v2\/ssh-keys\/[^ ]+ -> 500/);
    await must(["destroy", "--yes", "--skip-preview"]);
    assert.equal(octopus.state.accounts.size, 0);
    assert.deepEqual([...octopus.state.apiKeys.values()].map((k) => k.Purpose), ["Emulator seed"], "only the seeded key is left");
    assert.equal(tfc.state.sshKeys.size, 0);
    assert.equal(nova.state.keypairs.size, 0);
  });

  // --- the secrets of the run ---------------------------------------------------------------------

  const responses = (log: readonly RecordedRequest[], method: string, pathPattern: RegExp) =>
    log.filter((r) => r.method === method && pathPattern.test(r.path) && r.response !== undefined && r.status! < 300).map((r) => r.response!);
  const novaGeneratedKeys = (): string[] =>
    responses(nova.requests, "POST", /os-keypairs$/).flatMap((r) => {
      const key = (r.body as { keypair?: { private_key?: string } } | undefined)?.keypair?.private_key;
      return key ? [key] : [];
    });
  const bootstrapKeys = (): string[] => responses(octopus.requests, "POST", /^\/api\/users\/[^/]+\/apikeys$/).map((r) => (r.body as { ApiKey: string }).ApiKey);
  /** Locally generated private keys: they never leave the provider, so only the decrypted state has them. */
  const localKeys = (): string[] => {
    const keys = new Set<string>();
    for (const text of decryptedExports) {
      const state = JSON.parse(text) as { deployment: { resources?: { type: string; outputs?: Record<string, any> }[] } };
      for (const r of state.deployment.resources ?? []) {
        if (r.type !== "pulumi-nodejs:dynamic/nova:Keypair" || r.outputs?.generate !== "local") continue;
        // A decrypted secret is {<signature>: ..., plaintext: <the value as JSON>}.
        const secret = r.outputs.privateKey as { plaintext: string };
        keys.add(JSON.parse(secret.plaintext) as string);
      }
    }
    return [...keys];
  };

  /** Every secret of the run, the issued ones read back from the emulators. */
  const secrets = (): AuditedSecret[] => {
    const out: AuditedSecret[] = [
      audited(markString("Octopus password", octopusPassword, [octopusPassword.slice(-20)]), WHERE.octopusLoginBody, true),
      audited(markString("wrong Octopus password", wrongOctopusPassword, [wrongOctopusPassword.slice(-20)]), WHERE.octopusLoginBody, true),
      audited(markString("OpenStack password", osPassword, [osPassword.slice(-20)]), WHERE.keystonePassword, true),
      audited(markString("application credential secret", appCredSecret, [appCredSecret.slice(-20)]), WHERE.keystoneAppCred, true),
      audited(markString("key passphrase", passphrase, [passphrase.slice(-20)]), WHERE.octopusPassphraseBody, true),
      audited(markString("wrong key passphrase", wrongPassphrase, [wrongPassphrase.slice(-20)]), WHERE.nowhere, false),
      audited(markPrivateKey("Octopus account key 1 (OpenSSH)", accountKey1, twin.openssh), WHERE.octopusKeyBody, true),
      audited(markPrivateKey("Octopus account key 2 (encrypted PKCS#8)", accountKey2, twin.pkcs8, { passphrase }), WHERE.octopusKeyBody, true),
      audited(markPrivateKey("TFC key 1 (PKCS#1)", tfcKey1, twin.pkcs1), WHERE.tfcKeyCreate, true),
      audited(markPrivateKey("TFC key 2 (OpenSSH)", tfcKey2, twin.openssh), WHERE.tfcKeyCreate, true),
      audited(markString("Octopus admin API key", octopus.admin.apiKey!, [octopus.admin.apiKey!.slice(4)]), WHERE.octopusApiKeyHeader, true),
      audited(markString("TFC user token", tfc.tokens.user, [tfc.tokens.user.slice(-24)]), WHERE.tfcAuthorization, true),
      // Tokens nobody used: they must be sent nowhere.
      audited(markString("TFC team token", tfc.tokens.team, [tfc.tokens.team.slice(-24)]), WHERE.nowhere, false),
      audited(markString("TFC organization token", tfc.tokens.organization, [tfc.tokens.organization.slice(-24)]), WHERE.nowhere, false),
    ];
    bootstrapKeys().forEach((key, i) => out.push(audited(markString(`Octopus API key ${i + 1} (made by OctopusApiKey)`, key, [key.slice(4)]), WHERE.octopusApiKeyHeader, true)));
    const cookies = responses(octopus.requests, "POST", /^\/api\/users\/login$/).flatMap((r) => [r.headers?.["set-cookie"] ?? []].flat());
    cookies.forEach((cookie, i) => {
      const pair = cookie.split(";")[0]!;
      const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
      const csrf = /csrf/i.test(name);
      const parts = csrf ? [decodeURIComponent(value)] : [value.slice(-24)];
      out.push(audited(markString(`Octopus ${csrf ? "CSRF token" : "session cookie"} ${i + 1}`, value, parts), csrf ? WHERE.octopusCsrf : WHERE.octopusCookie, true));
    });
    const tokens = new Set([...nova.state.tokens.keys(), ...responses(nova.requests, "POST", /\/auth\/tokens$/).map((r) => String(r.headers?.["x-subject-token"]))]);
    [...tokens].forEach((token, i) => out.push(audited(markString(`Keystone token ${i + 1}`, token, [token.slice(0, 40), token.slice(-40)]), WHERE.keystoneToken, false)));
    // Nova's private keys go to Octopus (the nova-account), never back to Nova.
    novaGeneratedKeys().forEach((key, i) => out.push(audited(markPrivateKey(`Nova-generated private key ${i + 1}`, key, twin.pkcs1), WHERE.octopusKeyBody, true)));
    // Local ones go to HCP Terraform (tfc-local), never to Nova.
    localKeys().forEach((key, i) => out.push(audited(markPrivateKey(`locally generated private key ${i + 1}`, key, twin.openssh), WHERE.tfcKeyCreate, true)));
    return out;
  };

  // --- what was found --------------------------------------------------------------------------------

  it("positive control: the scanner finds markers planted in a file, in any of their forms, and reports them masked", () => {
    const all = secrets();
    const planted = path.join(stack.workDir, "planted.txt");
    // The password base64-encoded at an odd offset, inside other text; a slice of a key, JSON-escaped.
    const keyLine = accountKey2.split("\n")[10]!;
    fs.writeFileSync(planted, `noise ${Buffer.from(`x:${octopusPassword}`).toString("base64")} noise\n${JSON.stringify({ k: keyLine }).replace(/\//g, "\\/")}\n`);
    try {
      const found = filesUnder(stack.workDir).flatMap(([name, text]) => scanText(name, text, all));
      assert.deepEqual(found.map((f) => `${f.where}: ${f.secret}`).sort(), ["planted.txt: Octopus account key 2 (encrypted PKCS#8)", "planted.txt: Octopus password"]);
      for (const f of found) {
        assert.ok(!f.context.includes(keyLine.slice(0, 24)) && !f.context.includes(octopusPassword), "the report never shows the secret");
        assert.match(f.context, /\[(Octopus password|Octopus account key 2 \(encrypted PKCS#8\))\]/);
      }
    } finally {
      fs.rmSync(planted);
    }
  });

  it("positive control: the decrypted state holds every secret it keeps, so the markers would find them", () => {
    const all = secrets();
    const decrypted = decryptedExports.join("\n");
    const inState = all.filter((s) => scanText("decrypted state", decrypted, [s]).length > 0).map((s) => s.name);
    const expected = [
      // Stack config, kept (encrypted) as the inputs of the default provider.
      "Octopus admin API key",
      "TFC user token",
      "Octopus password",
      "application credential secret",
      "key passphrase",
      "Octopus account key 1 (OpenSSH)",
      "Octopus account key 2 (encrypted PKCS#8)",
      "TFC key 1 (PKCS#1)",
      "TFC key 2 (OpenSSH)",
      ...bootstrapKeys().map((_, i) => `Octopus API key ${i + 1} (made by OctopusApiKey)`),
      ...novaGeneratedKeys().map((_, i) => `Nova-generated private key ${i + 1}`),
      ...localKeys().map((_, i) => `locally generated private key ${i + 1}`),
    ];
    for (const name of expected) assert.ok(inState.includes(name), `${name} is not in the decrypted state: its markers would miss it`);
    assert.equal(bootstrapKeys().length, 3, "up, update and the converging up each made a key");
    assert.equal(novaGeneratedKeys().length, 2);
    assert.equal(localKeys().length, 2);
  });

  it("positive control: a secret a provider printed is found among Pulumi's own RPC logging, in the display and in the engine's log", () => {
    const all = secrets();
    const sdkMessage = `RegisterResource RPC finished: resource:x; err: null, resp: urn,apiKey,,,,,4dabf18193072939515e22adb298388d,,,value,,,${bootstrapKeys()[0]}`;
    const ours = `[pulumi-access-keys] Octopus POST /api/users/login -> 200 ${octopusPassword}`;
    const engineLine = (v: number, msg: string) => JSON.stringify({ time: "t", level: "INFO", msg, v });
    const output = [engineLine(3, sdkMessage), `    debug: ${sdkMessage}`, `    ${ours}`, engineLine(5, `eventSink::Infoerr(<{%reset%}>${ours}<{%reset%}>)`)].join("\n");
    const { findings, pulumiDumps } = scanOutputs([{ where: "output", text: output }], all);
    assert.deepEqual(findings.map((f) => `${f.where}: ${f.secret}`).sort(), [
      "output, display: Octopus password",
      "output, engine log v=5: eventSink::Infoerr: Octopus POST /api/users/login -> 200: Octopus password",
    ]);
    assert.deepEqual(pulumiDumps.map((f) => `${f.where}: ${f.secret}`), ["output, engine log v=3: RegisterResource RPC finished: Octopus API key 1 (made by OctopusApiKey)"]);
  });

  it("no marker in stack export, the backend's files, the CLI's output and errors, our debug log, the log files, PULUMI_HOME or the project", () => {
    const all = secrets();
    const findings: Finding[] = [];
    exports.forEach((text, i) => findings.push(...scanText(`stack export #${i + 1}`, text, all)));
    const transcript = stack.transcript.join("\n");
    const logFiles = filesUnder(logDir);
    const outputs = scanOutputs([{ where: "CLI output", text: transcript }, ...logFiles.map(([name, text]) => ({ where: `log file ${name}`, text }))], all);
    findings.push(...outputs.findings);
    const places = { "backend": stack.backendDir, "PULUMI_HOME": path.join(stack.workDir, "home"), "project directory": projectDir };
    for (const [place, dir] of Object.entries(places)) for (const [name, text] of filesUnder(dir)) findings.push(...scanText(`${place}: ${name}`, text, all));

    // What was scanned holds what it should: our debug log, the errors of every failing phase, and
    // the engine's log of both (what the provider writes to stderr, what it throws).
    for (const expected of [
      /\[pulumi-access-keys\] Nova POST \/compute\/v2\.1\/os-keypairs -> 500/,
      /NovaKeypair create failed: POST/,
      /OctopusSshAccount read failed: GET/,
      /NovaKeypair read failed: POST \/identity\/v3\/auth\/tokens -> 500/,
      /TfcSshKey delete failed: DELETE/,
      /"msg":"eventSink::Infoerr\(<\{%reset%\}>\[pulumi-access-keys\] /,
      /"msg":"eventSink::Error\(<\{%reset%\}>OctopusSshAccount update failed: /,
    ]) {
      assert.match(transcript, expected);
    }
    const mb = (n: number) => (n / 1e6).toFixed(1);
    console.log(
      `      secret audit: ${all.length} secrets (${all.reduce((n, s) => n + s.needles.length, 0)} needles); scanned ${exports.length} exports, ` +
        `${mb(transcript.length)} MB of CLI output, ${mb(logFiles.reduce((n, [, t]) => n + t.length, 0))} MB in ${logFiles.length} log files, ` +
        `${Object.values(places).reduce((n, d) => n + filesUnder(d).length, 0)} files of the backend, PULUMI_HOME and the project; found ${findings.length}`,
    );
    // Pulumi's own RPC logging, reported (docs/RELIABILITY.md): which secrets each kind of message held.
    const byKind = new Map<string, Set<string>>();
    for (const f of outputs.pulumiDumps) {
      const kind = f.where.replace(/^.*?, engine log/, "engine log");
      byKind.set(kind, (byKind.get(kind) ?? new Set()).add(f.secret.replace(/ \d+( \(.*\))?$/, "")));
    }
    for (const [kind, names] of [...byKind].sort()) console.log(`        Pulumi's ${kind}: ${[...names].sort().join("; ")}`);
    assert.deepEqual(findings, [], findings.map((f) => `${f.secret} in ${f.where}: …${f.context}…`).join("\n"));
  });

  it("request logs: each secret was sent only where its API needs it, in the form it needs, never in a URL", () => {
    const all = secrets();
    const seen = sightings({ octopus: octopus.requests, tfc: tfc.requests, nova: nova.requests }, all);
    const wrong: string[] = [];
    for (const secret of all) {
      const where = seen.get(secret.name)!;
      for (const s of where) if (!secret.where(s)) wrong.push(`${secret.name}: ${describeSighting(s)}`);
      if (secret.mustBeSent && !where.some((s) => secret.where(s))) wrong.push(`${secret.name}: never sent where expected (wrong markers?)`);
    }
    // Keystone tokens are issued per provider process; at least one must have been seen in use.
    assert.ok(all.some((s) => s.name.startsWith("Keystone token") && seen.get(s.name)!.some(s.where)), "no Keystone token seen in X-Auth-Token");
    assert.deepEqual([...seen.values()].flat().filter((s) => s.part === "path" || s.part === "query").map(describeSighting), [], "no secret in a URL");
    assert.deepEqual(wrong, []);
    // Nova is only ever sent public keys: each locally generated pair's public half was imported.
    const imported = nova.requests.filter((r) => r.method === "POST" && /os-keypairs$/.test(r.path)).map((r) => (r.body as { keypair: { public_key?: string } }).keypair.public_key);
    for (const key of localKeys()) {
      const publicKey = inspectPrivateKey(key).publicKey.split(" ").slice(0, 2).join(" ");
      assert.ok(imported.some((line) => line?.startsWith(publicKey)), "a local pair's public key was imported");
    }
    console.log(`      request audit: ${octopus.requests.length + tfc.requests.length + nova.requests.length} requests, ${all.length} secrets, ${[...seen.values()].reduce((n, s) => n + s.length, 0)} sightings, all where the API needs them`);
  });
});
