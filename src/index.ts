// Public API: the resources, their argument types, and the error classes with their guards.
// Clients, HTTP and key handling stay internal.

export { OctopusSshAccount } from "./octopus/ssh-account";
export type { OctopusSshAccountArgs, OctopusConnection } from "./octopus/ssh-account";
export { OctopusApiKey } from "./octopus/api-key";
export type { OctopusApiKeyArgs } from "./octopus/api-key";
export type { TenantedDeploymentParticipation } from "./octopus/schemas";
export { TfcSshKey } from "./tfc/ssh-key";
export type { TfcConnection, TfcSshKeyArgs } from "./tfc/ssh-key";
export { NovaKeypair } from "./nova/keypair";
export type { NovaKeypairArgs, OpenStackConnection } from "./nova/keypair";
export { SshKeyPair } from "./local/ssh-key-pair";
export type { SshKeyPairArgs } from "./local/ssh-key-pair";
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
