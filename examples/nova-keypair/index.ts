// OpenStack Nova key pairs three ways. Credentials come from the usual OS_* variables (source your
// openrc file) or from `openstack:*` stack config, exactly as for @pulumi/openstack:
//
//   source ~/demo-openrc.sh        # OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, ...
//   pulumi config set --secret myPublicKey -- "$(cat ~/.ssh/id_ed25519.pub)"
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import { NovaKeypair } from "pulumi-access-keys";

const config = new pulumi.Config();

// 1. Import a public key you already have.
const imported = new NovaKeypair("imported", { name: "laptop", publicKey: config.require("myPublicKey") });

// 2. Let Nova generate the pair: its private key is returned once and kept in state as a secret.
const byNova = new NovaKeypair("by-nova", { name: "ci-deploy" });

// 3. Generate locally (ed25519), which also works on clouds that no longer generate keys.
const local = new NovaKeypair("local", { name: "ops-ed25519", generate: "local" });

export const importedFingerprint = imported.fingerprint; // Nova's MD5 form, aa:bb:...
export const ciDeployPrivateKey = byNova.privateKey; // secret: `pulumi stack output ciDeployPrivateKey --show-secrets`
export const opsPublicKey = local.publicKey;
