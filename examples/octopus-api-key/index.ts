// The first API key of a new Octopus Deploy server: nobody has a key yet, so the provider logs in
// with the administrator's username and password (session cookie + CSRF token) and creates one.
//
//   pulumi config set octopusUrl https://octopus.example.com
//   pulumi config set octopusUser admin
//   pulumi config set --secret octopusPassword '...'
//   pulumi up
//   pulumi stack output automationKey --show-secrets
import * as pulumi from "@pulumi/pulumi";
import { OctopusApiKey } from "pulumi-access-keys";

const config = new pulumi.Config();

const key = new OctopusApiKey("automation", {
  purpose: "Pulumi automation",
  // expires: "2027-12-31",      // default: the server's default expiry; changing it replaces the key
  connection: {
    serverUrl: config.require("octopusUrl"),
    username: config.require("octopusUser"),
    password: config.requireSecret("octopusPassword"),
  },
});

export const automationKey = key.apiKey; // secret
export const automationKeyId = key.apiKeyId;
export const owner = key.userId;
export const expires = key.expires;
