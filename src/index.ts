// Public API: the resources, their argument types, and the error classes with their guards.
// Clients, HTTP and key handling stay internal.

//
// Loading it loads the resource classes and what they need (@pulumi/pulumi, the provider objects Pulumi
// serializes, the error classes), never an implementation, undici, zod or sshpk: the provider host
// loads those, one resource kind at a time (internal/providers.ts). test/load.spec.ts keeps it so.

export { OctopusSshAccount } from "./octopus/resources";
export type { OctopusSshAccountArgs, OctopusConnection } from "./octopus/resources";
export { OctopusApiKey } from "./octopus/resources";
export type { OctopusApiKeyArgs } from "./octopus/resources";
export type { TenantedDeploymentParticipation } from "./octopus/schemas";
export { TfcSshKey } from "./tfc/resources";
export type { TfcConnection, TfcSshKeyArgs } from "./tfc/resources";
export { NovaKeypair } from "./nova/resources";
export type { NovaKeypairArgs, OpenStackConnection } from "./nova/resources";
export { SshKeyPair } from "./local/resources";
export type { SshKeyPairArgs } from "./local/resources";
export {
  AccessKeysError,
  ConfigurationError,
  HttpError,
  InputError,
  InvalidKeyError,
  NetworkError,
  OwnershipError,
  ResponseValidationError,
  TimeoutError,
  isAccessKeysError,
  isHttpError,
  isInputError,
  isNotFound,
} from "./core/errors";
export type { ErrorCode, KeyProblem } from "./core/errors";
