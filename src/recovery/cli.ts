#!/usr/bin/env node
// pulumi-access-keys-recover: after an interrupted `pulumi up` (the CLI killed, the machine lost),
// resolves the stack's interrupted creates of pulumi-access-keys resources, then refreshes. See
// recover.ts for what it does and docs/RELIABILITY.md ("Interruptions") for the whole procedure.
//
//   pulumi-access-keys-recover             # shows the plan, asks, applies, refreshes
//   pulumi-access-keys-recover --yes       # the same without asking (CI)
//   pulumi up

import * as readline from "node:readline/promises";
import { RecoveryError, recoverInterruptedCreates } from "./recover";
import type { RecoverOptions } from "./recover";

const USAGE = `Usage: pulumi-access-keys-recover [--stack NAME] [--cwd DIR] [--yes] [--dry-run] [--since TIME] [--refresh | --no-refresh]

After an interrupted \`pulumi up\`, finds what each interrupted create of a pulumi-access-keys resource
left on its service, using the inputs recorded in the state, and settles it: adopts a complete object
into the state, deletes one the state cannot use (an Octopus API key or a generated key pair whose
secret was in the lost answer), or finds that nothing was created. Then writes the state back and,
when objects were adopted or updates or deletes were pending too, runs \`pulumi refresh\`. Run
\`pulumi up\` after it.

On a file:// backend it first repairs what a kill can leave there: sidecar files left empty (Pulumi
then fails with "failed to load checkpoint: EOF") and the killed update's lock, released only when
its process is gone from this host (otherwise it says so: run \`pulumi cancel\` once sure).

Run it with the environment and stack config your \`pulumi up\` uses: it connects to the services the
same way the resources do. It changes nothing while any interrupted create is ambiguous.

  --stack NAME   the stack (default: the selected one)
  --cwd DIR      the project directory (default: the current one)
  --yes          apply without asking
  --dry-run      show the plan only (unreadable sidecar files are still repaired: nothing can be read before)
  --since TIME   count objects that can repeat (API keys, generated key pairs) as the interrupted
                 update's only if created after TIME (ISO 8601); default: the end of the stack's last
                 successful update, less 5 minutes
  --refresh      always run \`pulumi refresh\` at the end
  --no-refresh   never run it`;

/** Parses the command line; undefined means "print usage". */
export function parseArgs(argv: readonly string[]): RecoverOptions | undefined {
  const options: RecoverOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new RecoveryError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--help" || arg === "-h") return undefined;
    else if (arg === "--stack" || arg === "-s") options.stack = value();
    else if (arg === "--cwd" || arg === "-C") options.cwd = value();
    else if (arg === "--yes" || arg === "-y") options.yes = true;
    else if (arg === "--dry-run") options.dryRun = true;
    else if (arg === "--no-refresh") options.refresh = false;
    else if (arg === "--refresh") options.refresh = true;
    else if (arg === "--since") {
      const text = value();
      const at = new Date(text);
      if (Number.isNaN(at.getTime())) throw new RecoveryError(`--since: '${text}' is not a date or time (ISO 8601, like 2026-05-01T12:00:00Z)`);
      options.since = at;
    } else throw new RecoveryError(`unknown argument '${arg}' (see --help)`);
  }
  return options;
}

async function main(argv: string[]): Promise<number> {
  const options = parseArgs(argv);
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!options.dryRun && !options.yes) {
    options.confirm = async () => {
      if (!process.stdin.isTTY) {
        process.stdout.write("Not applied: run with --yes to apply without a terminal.\n");
        return false;
      }
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
      try {
        return /^y(es)?$/i.test((await rl.question("Apply this plan? (yes/no) ")).trim());
      } finally {
        rl.close();
      }
    };
  }
  const report = await recoverInterruptedCreates(options);
  return report.applied || options.dryRun ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`pulumi-access-keys-recover: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(error instanceof RecoveryError ? 2 : 1);
    },
  );
}
