// Fixtures for the Octopus provider tests: an emulator per suite and the ambient settings to clear.

import { strict as assert } from "node:assert";
import { startOctopusEmulator } from "../../src/emulators/octopus";
import type { OctopusEmulator, OctopusEmulatorOptions } from "../../src/emulators/octopus";

/** Starts an emulator for the enclosing `describe`, closed after it. */
export function useOctopusEmulator(options: OctopusEmulatorOptions = {}): { get: () => OctopusEmulator } {
  let emulator: OctopusEmulator | undefined;
  before(async () => {
    emulator = await startOctopusEmulator(options);
  });
  after(async () => {
    await emulator?.close();
  });
  beforeEach(() => {
    emulator?.requests.clear();
    emulator?.faults.clear();
  });
  return {
    get: () => {
      assert.ok(emulator, "emulator not started");
      return emulator;
    },
  };
}

/** Environment variables that would leak ambient Octopus settings into a test. */
export const NO_OCTOPUS_ENV = {
  OCTOPUS_URL: undefined,
  OCTOPUS_API_KEY: undefined,
  OCTOPUS_APIKEY: undefined,
  OCTOPUS_SPACE: undefined,
  OCTOPUS_USERNAME: undefined,
  OCTOPUS_PASSWORD: undefined,
};
