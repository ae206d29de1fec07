// An SSH key pair account in Octopus Deploy.
//
//   pulumi config set octopusdeploy:address https://octopus.example.com
//   pulumi config set --secret octopusdeploy:apiKey API-XXXXXXXX
//   pulumi config set --secret deployKey -- "$(cat ~/.ssh/id_ed25519)"   # PEM or OpenSSH text, or base64 of it
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import { OctopusSshAccount } from "pulumi-access-keys";

const config = new pulumi.Config();

const account = new OctopusSshAccount("deploy", {
  name: config.get("accountName") ?? "Deploy over SSH",
  username: config.get("sshUser") ?? "deploy",
  privateKey: config.requireSecret("deployKey"),
  privateKeyPassphrase: config.getSecret("deployKeyPassphrase"),
  description: "Managed by Pulumi",
  // space: "Spaces-1",           // default: octopusdeploy:spaceId, else the server's default space
  // environmentIds: ["Environments-1"],
});

export const accountId = account.accountId;
export const spaceId = account.spaceId;
export const fingerprint = account.fingerprint; // SHA256:..., as `ssh-keygen -l` prints it
export const publicKey = account.publicKey; // for the target hosts' authorized_keys
