#!/usr/bin/env node
// npm run demo: the demo stack (Pulumi.yaml, program in examples/demo) against the bundled emulators,
// with a throwaway local backend and passphrase. It runs `pulumi up`, shows the outputs (secrets
// hidden) and what the emulators now hold, then `preview --expect-no-changes`, `refresh` and
// `destroy`, and cleans up after itself even when a step fails.
"use strict";
const { spawn, execFileSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (s) => console.log(`\n${bold(`==> ${s}`)}`);

/** Runs a command, streaming its output; resolves with its exit code (the event loop stays free for the emulators). */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: options.input ? ["pipe", "inherit", "inherit"] : "inherit", ...options });
    if (options.input) child.stdin.end(options.input);
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function must(command, args, options) {
  const code = await run(command, args, options);
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}`);
}

/** What the emulator stores: names and ids, never a secret (only whether one is held). */
function showOctopus(octopus) {
  const accounts = [...octopus.state.accounts.values()];
  const keys = [...octopus.state.apiKeys.values()];
  console.log(`  ${accounts.length} account(s), ${keys.length} API key(s)`);
  for (const a of accounts) console.log(`  account ${a.Id} '${a.Name}' in ${a.SpaceId} (${a.AccountType}, user ${a.Username}, private key stored as base64: ${a.PrivateKeyFile !== null})`);
  for (const k of keys) console.log(`  API key ${k.Id} '${k.Purpose}' of ${k.UserId}, expires ${k.Expires}`);
}

function showTfc(tfc) {
  const keys = [...tfc.state.sshKeys.values()];
  console.log(`  ${keys.length} HCP Terraform SSH key(s)`);
  for (const k of keys) console.log(`  SSH key ${k.id} '${k.name}' in ${k.organization} (${k.value.split("\n")[0]} ...)`);
}

async function main() {
  step("Making sure the Pulumi CLI is available");
  const binDir = execFileSync("bash", [path.join(root, "scripts", "ensure-pulumi-cli")], { cwd: root, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" }).trim();

  if (!fs.existsSync(path.join(root, "dist", "src", "index.js"))) {
    step("Building the package");
    await must("npm", ["run", "build", "--silent"], { cwd: root });
  }
  // The serialized providers load the package by name from the program directory.
  require(path.join(root, "scripts", "link-self.js")).linkSelf();

  const { startAllEmulators } = require(path.join(root, "dist", "src", "emulators", "index.js"));
  const { generateKeyPair } = require(path.join(root, "dist", "src", "ssh", "keys.js"));

  step("Starting the emulators");
  // A new Octopus server: an administrator with a password and no API key yet.
  const emulators = await startAllEmulators({ seedApiKeys: false });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-access-keys-demo-"));
  let exitCode = 1;
  try {
    console.log(`Octopus Deploy emulator: ${emulators.env.OCTOPUS_URL} (user '${emulators.env.OCTOPUS_USERNAME}' with a password, no API key yet)`);
    console.log(`HCP Terraform emulator:  ${emulators.env.TFE_ADDRESS} (organization '${emulators.env.TFE_ORGANIZATION}', a user token)`);
    const env = {
      ...process.env,
      PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
      PULUMI_HOME: path.join(work, "home"),
      PULUMI_BACKEND_URL: `file://${path.join(work, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(16).toString("hex"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      // The demo logs in with a username and password: the server has no API key yet.
      OCTOPUS_URL: emulators.env.OCTOPUS_URL,
      OCTOPUS_USERNAME: emulators.env.OCTOPUS_USERNAME,
      OCTOPUS_PASSWORD: emulators.env.OCTOPUS_PASSWORD,
      OCTOPUS_API_KEY: "",
      OCTOPUS_APIKEY: "",
      TFE_ADDRESS: emulators.env.TFE_ADDRESS,
      TFE_TOKEN: emulators.env.TFE_TOKEN,
      TFE_ORGANIZATION: emulators.env.TFE_ORGANIZATION,
    };
    fs.mkdirSync(path.join(work, "state"), { recursive: true });
    const pulumi = (args, options = {}) => must("pulumi", [...args, "--non-interactive"], { cwd: root, env, ...options });

    step("Creating a throwaway stack (local file backend, passphrase secrets)");
    await pulumi(["stack", "init", "demo", "--secrets-provider", "passphrase"]);
    const key = generateKeyPair({ algorithm: "ed25519", comment: "pulumi-access-keys-demo" });
    // Through stdin, so the key never appears in a process list.
    await pulumi(["config", "set", "--secret", "deployKey"], { input: key.privateKey });

    try {
      step("pulumi up");
      await pulumi(["up", "--yes", "--skip-preview"]);

      step("Stack outputs (secrets stay hidden)");
      await pulumi(["stack", "output"]);

      step("What the emulators now hold");
      showOctopus(emulators.octopus);
      showTfc(emulators.tfc);

      step("pulumi preview --expect-no-changes");
      await pulumi(["preview", "--expect-no-changes"]);

      step("pulumi refresh");
      await pulumi(["refresh", "--yes", "--skip-preview"]);
    } finally {
      step("pulumi destroy");
      await pulumi(["destroy", "--yes", "--skip-preview"]);
      await pulumi(["stack", "rm", "demo", "--yes"]);
    }
    step("What the emulators hold after destroy");
    showOctopus(emulators.octopus);
    showTfc(emulators.tfc);
    console.log(bold("\nDemo finished: up, preview with no changes, refresh and destroy all succeeded."));
    exitCode = 0;
  } catch (error) {
    console.error(`\nDemo failed: ${error.message}`);
  } finally {
    await emulators.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  process.exit(exitCode);
}

main().catch((error) => {
  console.error(`Demo failed: ${error.message}`);
  process.exit(1);
});
