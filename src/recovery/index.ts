// Public entry point of `pulumi-access-keys/recovery`: the recovery after an interrupted `pulumi up`,
// for Automation API programs and CI scripts (the command `pulumi-access-keys-recover` runs the same).
// Re-exports only.

export { CLOCK_SLACK_MS, RecoveryError, describePlan, recoverInterruptedCreates } from "./recover";
export type { RecoverOptions, RecoveryReport } from "./recover";
export type { Outcome, Resolution } from "./types";
