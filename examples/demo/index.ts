// The demo stack: the resources this package has, composed the way a platform team uses them.
//
// 1. The first API key of an Octopus server, made by logging in with a username and password
//    (the server has no key yet: the provider uses the session cookie and the CSRF token).
// 2. An SSH key pair account registered with that new key, from a private key kept as a secret.
// 3. The same private key uploaded to HCP Terraform, so its runs can clone private modules.
//
// `npm run demo` runs it against the bundled emulators. Against your own server:
//   pulumi config set octopusdeploy:address https://octopus.example.com
//   export OCTOPUS_USERNAME=admin OCTOPUS_PASSWORD=...     # or connection: { username, password }
//   pulumi config set tfe:organization acme && pulumi config set --secret tfe:token ...   # user or team token
//   pulumi config set --secret deployKey -- "$(cat ~/.ssh/id_ed25519)"
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import { OctopusApiKey, OctopusSshAccount, TfcSshKey } from "pulumi-access-keys";

const config = new pulumi.Config();

// No connection argument: the server URL comes from stack config (octopusdeploy:address) or
// OCTOPUS_URL, and the username and password from OCTOPUS_USERNAME / OCTOPUS_PASSWORD.
const automationKey = new OctopusApiKey("automation-key", {
  purpose: "pulumi-access-keys demo automation",
});

const deployAccount = new OctopusSshAccount("deploy-account", {
  name: config.get("accountName") ?? "Demo deploy account",
  username: "deploy",
  privateKey: config.requireSecret("deployKey"),
  description: "Created by the pulumi-access-keys demo",
  // Registered with the key made above, not with the login.
  connection: { apiKey: automationKey.apiKey },
});

// HCP Terraform: connection from tfe:* config or TFE_* variables.
const modulesKey = new TfcSshKey("modules-key", {
  name: "pulumi-access-keys-demo",
  privateKey: deployAccount.privateKey,
});

export const apiKeyId = automationKey.apiKeyId;
export const apiKeyOwner = automationKey.userId;
export const apiKey = automationKey.apiKey; // secret
export const accountId = deployAccount.accountId;
export const accountSpace = deployAccount.spaceId;
export const accountFingerprint = deployAccount.fingerprint;
export const accountPublicKey = deployAccount.publicKey;
export const accountPrivateKey = deployAccount.privateKey; // secret
export const tfcSshKeyId = modulesKey.sshKeyId;
export const tfcOrganization = modulesKey.organization;
export const tfcFingerprint = modulesKey.fingerprint; // the same key as the Octopus account's
