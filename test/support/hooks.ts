// Root hooks (loaded by .mocharc.json): close the HTTP pools the providers opened, so mocha exits on
// its own and a leaked socket shows up as a hang rather than passing silently.
import { closePools } from "../../src/core/http";
import { resetNameScopes } from "../../src/core/names";
import { resetRunRecord } from "../../src/core/provider";
import { resetSharedHost } from "../../src/internal/providers";
import { resetNovaCaches } from "../../src/nova/client";
import { resetOpenStackCaches } from "../../src/nova/keystone";
import { resetOctopusCaches } from "../../src/octopus/client";

export const mochaHooks = {
  afterEach(): void {
    // Per-process caches (logins, space lists) would hide requests from the next test's counts.
    resetOctopusCaches();
    resetOpenStackCaches();
    resetNovaCaches();
    resetNameScopes();
    resetRunRecord();
    resetSharedHost();
  },
  async afterAll(): Promise<void> {
    await closePools();
  },
};
