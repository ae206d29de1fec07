// The environment the Pulumi CLI runs in for the end-to-end tests and the benchmarks (no mocha here:
// bench/ uses it too).

import * as path from "node:path";

/** Where one throwaway stack lives. */
export interface CliPlace {
  /** The directory holding `pulumi`. */
  bin: string;
  /** PULUMI_HOME: plugins, credentials, logs. */
  home: string;
  /** The file backend's directory. */
  backend: string;
  passphrase: string;
}

/**
 * The environment for the Pulumi CLI on a throwaway file backend: its own home, no update checks or
 * plugin downloads, and none of the developer's own Octopus settings (a program under test must get
 * its settings from the test). `extra` comes last.
 */
export function isolatedCliEnv(place: CliPlace, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    PATH: `${place.bin}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_HOME: place.home,
    PULUMI_BACKEND_URL: `file://${place.backend}`,
    PULUMI_CONFIG_PASSPHRASE: place.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    OCTOPUS_URL: "",
    OCTOPUS_API_KEY: "",
    OCTOPUS_APIKEY: "",
    OCTOPUS_USERNAME: "",
    OCTOPUS_PASSWORD: "",
    ...extra,
  };
}
