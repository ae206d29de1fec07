// Public entry point of `pulumi-access-keys/emulators`: local fakes of the services, for tests,
// demos and users' own CI. Re-exports only.

export { startOctopusEmulator } from "./octopus";
export type {
  CreateOctopusUserOptions,
  OctopusAccountRecord,
  OctopusApiKeyReadShape,
  OctopusApiKeyRecord,
  OctopusEmulator,
  OctopusEmulatorOptions,
  OctopusEmulatorState,
  OctopusEmulatorUser,
  OctopusSessionRecord,
  OctopusSpaceRecord,
  OctopusUserRecord,
} from "./octopus";

export { startAllEmulators } from "./cli";
export { FaultInjector, emptyResponse, jsonResponse, readBody, startEmulatorServer, writeResponse } from "./server";
export type {
  EmulatorHandler,
  EmulatorRequest,
  EmulatorResponse,
  EmulatorServer,
  EmulatorServerOptions,
  Fault,
  FaultMatch,
  FaultRateOptions,
  FaultRule,
  InjectedFault,
  RecordedRequest,
  RequestLog,
} from "./server";

export { JSON_API_MEDIA_TYPE, startTfcEmulator } from "./tfc";
export type {
  CreateTfcTokenOptions,
  TfcEmulator,
  TfcEmulatorOptions,
  TfcEmulatorState,
  TfcOrganizationRecord,
  TfcRateLimitedRequest,
  TfcSshKeyRecord,
  TfcTeamRecord,
  TfcTokenKind,
  TfcTokenRecord,
  TfcUserRecord,
} from "./tfc";

export { startNovaEmulator } from "./nova";
export type {
  CreateNovaApplicationCredentialOptions,
  CreateNovaUserOptions,
  NovaApplicationCredentialRecord,
  NovaComputeUrlForm,
  NovaDomainRecord,
  NovaEmulator,
  NovaEmulatorApplicationCredential,
  NovaEmulatorCredentials,
  NovaEmulatorOptions,
  NovaEmulatorState,
  NovaEmulatorUser,
  NovaKeypairRecord,
  NovaNameErrorStyle,
  NovaPasswordCredentials,
  NovaProjectRecord,
  NovaRoleRecord,
  NovaTokenRecord,
  NovaUserRecord,
} from "./nova";
