// Regression from the secret audit (test/reliability/secret-audit.spec.ts): a secret that only the
// resource knows (an account's passphrase) leaked in part when a server quoted it back after
// "passphrase:". The HTTP client built the error first, knowing only its own credentials, and its
// "passphrase: <word>" pattern masked the first word; the resource's redaction afterwards looked for
// the whole passphrase, which was no longer there, so "horse battery staple" stayed. Errors must be
// masked with every secret of the operation from the moment they are built.

import { strict as assert } from "node:assert";
import { generateKeyPairSync } from "node:crypto";
import { redactText, withOperationSecrets } from "../../src/core/redact";
import { octopusSshAccountProvider } from "../../src/octopus/ssh-account";
import { useOctopusEmulator } from "../support/octopus";
import { errorText, failure, withEnv } from "../support/provider";
import type { Provider } from "../support/provider";

const provider = octopusSshAccountProvider as Provider;
const PASSPHRASE = "correct horse battery staple";
const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: PASSPHRASE }).toString();

describe("errors are masked with the operation's secrets from the start", () => {
  const emu = useOctopusEmulator();

  it("redactText masks the secrets of the operation in progress, before any pattern can cut them", async () => {
    const text = `stored passphrase: ${PASSPHRASE}`;
    assert.equal(redactText(text), "stored passphrase: [redacted] horse battery staple", "a pattern alone masks one word");
    assert.equal(await withOperationSecrets([PASSPHRASE], async () => redactText(text)), "stored passphrase: [redacted]");
    assert.equal(redactText(text), "stored passphrase: [redacted] horse battery staple", "only inside the operation");
  });

  it("a 500 that quotes the account's passphrase after 'passphrase:' shows none of it", async () => {
    const emulator = emu.get();
    const connection = { serverUrl: emulator.url, apiKey: emulator.admin.apiKey! };
    const created = await provider.create({ name: "quoted", username: "deploy", privateKey: key, privateKeyPassphrase: PASSPHRASE, space: "Spaces-1", connection });
    emulator.faults.script({ method: "GET", times: 4, fault: { kind: "status", status: 500, body: { ErrorMessage: `Internal error. stored passphrase: ${PASSPHRASE}` } } });
    const error = await withEnv({ PULUMI_ACCESS_KEYS_MAX_RETRIES: "1", PULUMI_ACCESS_KEYS_RETRY_BASE_MS: "1" }, () => failure(() => provider.read(created.id, created.outs!)));
    assert.match(error.message, /^OctopusSshAccount read failed: GET \/api\/Spaces-1\/accounts\/Accounts-\d+ -> 500 Internal error\. stored passphrase: \[redacted\]/);
    for (const word of ["horse", "battery", "staple"]) assert.ok(!errorText(error).includes(word), `"${word}" of the passphrase is shown: ${error.message}`);
    await provider.delete(created.id, created.outs!);
  });
});
