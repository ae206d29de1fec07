// An SSH key in an HCP Terraform organization, so that runs can clone private Git modules.
//
//   pulumi config set tfe:organization acme
//   pulumi config set --secret tfe:token ...          # a user or team token (organization tokens cannot manage SSH keys)
//   pulumi config set --secret modulesKey -- "$(cat ~/.ssh/modules_ed25519)"   # unencrypted
//   pulumi up
// Terraform Enterprise: `pulumi config set tfe:hostname tfe.example.com` (or TFE_ADDRESS=https://host/path).
import * as pulumi from "@pulumi/pulumi";
import { TfcSshKey } from "pulumi-access-keys";

const config = new pulumi.Config();

const key = new TfcSshKey("private-modules", {
  name: config.get("keyName") ?? "private-modules",
  privateKey: config.requireSecret("modulesKey"),
  // organization: "acme",          // default: tfe:organization, else TFE_ORGANIZATION
});

export const sshKeyId = key.sshKeyId; // assign it to workspaces (Settings > SSH key)
export const publicKey = key.publicKey; // add it as a read-only deploy key where the modules live
export const fingerprint = key.fingerprint;
