// Warnings from a provider to the person running `pulumi`. The dynamic provider host (and the provider
// plugin, see setEngineAddress) is started with the engine's address as its first argument but never
// connects to it, so a provider has no way to say anything short of failing. This module connects to that engine's Log service (what
// `pulumi.log.warn` uses in a program) and the CLI shows the message as a "warning:" diagnostic.
// Best effort: outside a provider host (tests, the recovery tool) or when the engine cannot be
// reached, the warning goes to stderr. Messages are redacted like errors.

import * as path from "node:path";
import { redactText } from "./redact";

interface EngineClientLike {
  log(request: unknown, callback: (error: unknown) => void): void;
}

let client: EngineClientLike | null | undefined;
let LogRequest: (new () => { setSeverity(v: number): void; setMessage(v: string): void }) | undefined;

/** The engine address the dynamic provider host was started with: `node .../cmd/dynamic-provider <address>`. */
function engineAddress(argv: readonly string[] = process.argv): string | undefined {
  const at = argv.findIndex((a) => /cmd[\\/]dynamic-provider(?:[\\/]index(?:\.js)?)?$/.test(a));
  const address = at >= 0 ? argv[at + 1] : undefined;
  return address && /^[\w.[\]:-]+:\d+$/.test(address) ? address : undefined;
}

// The engine address a provider plugin was started with (its entry point says so: see setEngineAddress).
let pluginEngine: string | undefined;

/** The provider plugin's engine address (`pulumi-resource-access-keys [flags] <address>`, as its server reads it). */
export function setEngineAddress(address: string | undefined): void {
  pluginEngine = address && /^[\w.[\]:-]+:\d+$/.test(address) ? address : undefined;
  client = undefined;
}

function engine(): EngineClientLike | null {
  if (client !== undefined) return client;
  client = null;
  const address = pluginEngine ?? engineAddress();
  if (!address) return client;
  try {
    // @grpc/grpc-js as @pulumi/pulumi resolves it, so the generated client and the credentials agree.
    // Loaded only here, in the provider host, and only when a warning is sent: no program pays for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = (id: string): any => require(id);
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const grpc = load(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
    const services = load("@pulumi/pulumi/proto/engine_grpc_pb");
    LogRequest = load("@pulumi/pulumi/proto/engine_pb").LogRequest;
    client = new services.EngineClient(address, grpc.credentials.createInsecure()) as EngineClientLike;
  } catch {
    client = null;
  }
  return client;
}

/** LogSeverity.WARNING in pulumirpc. */
const WARNING = 2;

/** Shows `message` as a warning in the Pulumi CLI (or on stderr outside a provider host). */
export async function warn(message: string): Promise<void> {
  const text = redactText(message);
  const c = engine();
  if (c && LogRequest) {
    const request = new LogRequest();
    request.setSeverity(WARNING);
    request.setMessage(text);
    const sent = await new Promise<boolean>((resolve) => {
      try {
        c.log(request, (error) => resolve(!error));
      } catch {
        resolve(false);
      }
    });
    if (sent) return;
  }
  process.stderr.write(`warning: ${text}\n`);
}
