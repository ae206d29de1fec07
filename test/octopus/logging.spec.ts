// Debug logging (PULUMI_ACCESS_KEYS_DEBUG=1) prints one line per request: useful, and never a secret,
// through login, creates with encrypted keys, rotations and failures.

import { strict as assert } from "node:assert";
import { generateKeyPairSync } from "node:crypto";
import { octopusApiKeyProvider } from "../../src/octopus/api-key";
import { octopusSshAccountProvider } from "../../src/octopus/ssh-account";
import { generateKeyPair } from "../../src/ssh/keys";
import { useOctopusEmulator } from "../support/octopus";
import { assertNoSecrets, failure, withEnv } from "../support/provider";
import type { Provider } from "../support/provider";

describe("debug logging", () => {
  const emu = useOctopusEmulator();

  it("logs each request (method, path, status, time) and never a secret", async () => {
    const emulator = emu.get();
    const passphrase = "log test passphrase";
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const encrypted = rsa.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase }).toString();
    const rotated = generateKeyPair({ algorithm: "ed25519" });
    const lines: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    };
    let apiKey = "";
    try {
      await withEnv({ PULUMI_ACCESS_KEYS_DEBUG: "1", PULUMI_ACCESS_KEYS_MAX_RETRIES: "1", PULUMI_ACCESS_KEYS_RETRY_BASE_MS: "1" }, async () => {
        const keys = octopusApiKeyProvider as Provider;
        const accounts = octopusSshAccountProvider as Provider;
        const login = { serverUrl: emulator.url, username: emulator.admin.username, password: emulator.admin.password };
        const key = await keys.create({ purpose: "logged", connection: login });
        apiKey = key.outs!.apiKey;
        const conn = { serverUrl: emulator.url, apiKey };
        const account = await accounts.create({ name: "logged", username: "u", privateKey: encrypted, privateKeyPassphrase: passphrase, space: "Spaces-1", connection: conn });
        await accounts.update(account.id, account.outs!, { ...account.outs, privateKey: rotated.privateKey, privateKeyPassphrase: undefined });
        emulator.faults.script({ method: "GET", fault: { kind: "status", status: 503 } });
        await accounts.read!(account.id, account.outs!);
        await failure(() => keys.create({ purpose: "bad", connection: { ...login, password: "wrong-password-here" } }));
        await accounts.delete(account.id, account.outs!);
        await keys.delete(key.id, key.outs!);
      });
    } finally {
      console.error = original;
    }
    assert.ok(lines.length >= 7, `only ${lines.length} lines`);
    assert.ok(lines.some((l) => /^\[pulumi-access-keys\] Octopus POST \/api\/users\/login -> 200 \(\d+ ms\)$/.test(l)), lines.join("\n"));
    assert.ok(lines.some((l) => / GET \/api\/Spaces-1\/accounts\/Accounts-\d+ -> 503 /.test(l)));
    assert.ok(lines.some((l) => /attempt 2/.test(l)), "retries are visible");
    const session = [...emulator.state.sessions.values()][0]!;
    assertNoSecrets(lines.join("\n"), [emulator.admin.password, apiKey, encrypted, rotated.privateKey, passphrase, "wrong-password-here", session.token, session.csrfToken]);
  });
});
