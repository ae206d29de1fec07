// The Pulumi programs the bench runs. One program text serves both sides of the comparison: with
// `impl: "ours"` it declares this package's resources, with `impl: "null"` the same number of
// resources with the same inputs, served by a dynamic provider that answers at once and sends
// nothing (the engine floor). Both providers are packages under node_modules, so Pulumi stores both
// the same way (a short `require` of the package) and only what they do differs.
//
// Programs are plain JavaScript: TypeScript would add the same ts-node start-up to both sides and
// only make the difference noisier.

/** The resource types, by their class names in this package. */
export const RESOURCE_TYPES = ["OctopusSshAccount", "OctopusApiKey", "TfcSshKey", "NovaKeypair"] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** What `pulumi up` with `variant: "b"` changes, after an up with "a": the cheapest in-place update each type has. */
export const UPDATE_CHANGE: Record<ResourceType, string> = {
  OctopusSshAccount: "description (PUT)",
  OctopusApiKey: "connection only (no request; any other change replaces)",
  TfcSshKey: "name (PATCH)",
  NovaKeypair: "connection only (no request; any other change replaces)",
};

/** The null provider: a package whose `module.exports` is the provider object. */
export const NULL_PROVIDER_PACKAGE: Record<string, string> = {
  "package.json": JSON.stringify({ name: "bench-null-provider", version: "1.0.0", main: "index.js" }),
  "index.js": `"use strict";
// The engine floor's dynamic provider: answers at once, sends nothing. Outputs are the inputs.
let next = 0;
module.exports = {
  async create(inputs) { return { id: \`null-\${process.pid}-\${next++}\`, outs: inputs }; },
  async read(id, props) { return { id, props }; },
  async update(_id, _olds, news) { return { outs: news }; },
  async delete() {},
};
`,
};

/**
 * Every property each of our resources declares (arguments and outputs, seeded with undefined) and
 * its additionalSecretOutputs, as in the classes' constructors. The "shaped" engine floor declares
 * the same, to tell what the Pulumi SDK charges a program per declared property from what our code
 * costs.
 */
export const DECLARED: Record<ResourceType, { properties: string[]; secretOutputs: string[] }> = {
  OctopusSshAccount: {
    properties: ["__logicalName", "name", "username", "privateKey", "privateKeyPassphrase", "description", "environmentIds", "tenantIds", "tenantTags", "tenantedDeploymentParticipation", "space", "adopt", "connection", "accountId", "spaceId", "slug", "publicKey", "fingerprint", "keyType"],
    secretOutputs: ["privateKey", "privateKeyPassphrase", "connection"],
  },
  OctopusApiKey: { properties: ["purpose", "expires", "renewBefore", "rotateAfter", "user", "connection", "apiKey", "apiKeyId", "userId", "created"], secretOutputs: ["apiKey", "connection"] },
  TfcSshKey: { properties: ["__logicalName", "organization", "name", "privateKey", "adopt", "connection", "sshKeyId", "publicKey", "fingerprint", "keyType"], secretOutputs: ["privateKey", "connection"] },
  NovaKeypair: { properties: ["__logicalName", "name", "publicKey", "privateKey", "generate", "keyAlgorithm", "type", "userId", "rotateAfter", "adopt", "connection", "fingerprint", "createdAt"], secretOutputs: ["privateKey", "connection"] },
};

/** The sides a program can be: ours, the engine floor, and the engine floor with our declared properties. */
export type Impl = "ours" | "null" | "shaped";

/** The program of one side. Config: type, count, variant (a|b), privateKey (secret), publicKey. */
export function program(impl: Impl): string {
  const make =
    impl === "ours"
      ? `const pak = require("pulumi-access-keys");
const make = (i) => new pak[type](\`r-\${i}\`, inputs[type](i));`
      : impl === "null"
        ? `const provider = require("bench-null-provider");
const make = (i) => new pulumi.dynamic.Resource(provider, \`r-\${i}\`, inputs[type](i), undefined, "bench", \`Null\${type}\`);`
        : `const provider = require("bench-null-provider");
// The same properties and secret outputs as our class declares (DECLARED in bench/programs.ts).
const declared = ${JSON.stringify(DECLARED)}[type];
const shape = Object.fromEntries(declared.properties.map((p) => [p, undefined]));
const make = (i) => new pulumi.dynamic.Resource(provider, \`r-\${i}\`, { ...shape, ...inputs[type](i) }, { additionalSecretOutputs: declared.secretOutputs }, "bench", \`Shaped\${type}\`);`;
  return `"use strict";
// npm run bench: ${impl === "ours" ? "count resources of one type of pulumi-access-keys" : impl === "null" ? "the engine floor: the same resources and inputs, a null provider" : "the engine floor with the properties our resources declare"}.
const pulumi = require("@pulumi/pulumi");

const c = new pulumi.Config();
const type = c.require("type");
const count = c.requireNumber("count");
const variant = c.get("variant") || "a";
const privateKey = c.requireSecret("privateKey");
const publicKey = c.require("publicKey");
// Variant "b" makes the cheapest in-place update of each type (see UPDATE_CHANGE in bench/programs.ts).
const b = variant === "b";
const inputs = {
  OctopusSshAccount: (i) => ({ name: \`bench-\${i}\`, username: "deploy", privateKey, space: "Spaces-1", description: \`variant \${variant}\` }),
  OctopusApiKey: (i) => ({ purpose: \`bench-\${i}\`, ...(b ? { connection: { serverUrl: process.env.OCTOPUS_URL } } : {}) }),
  TfcSshKey: (i) => ({ name: b ? \`bench-\${i}-b\` : \`bench-\${i}\`, privateKey }),
  NovaKeypair: (i) => ({ name: \`bench-\${i}\`, publicKey, ...(b ? { connection: { authUrl: process.env.OS_AUTH_URL } } : {}) }),
};
if (!inputs[type]) throw new Error(\`unknown type \${type}\`);
${make}
for (let i = 0; i < count; i++) make(i);
`;
}

/** The naive comparison's program (TypeScript, like most programs): count of each naive resource. */
export const NAIVE_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { NaiveOctopusSshAccount } from "./octopus-ssh-account";
import { NaiveTfcSshKey } from "./tfc-ssh-key";

const c = new pulumi.Config();
const count = c.requireNumber("count");
const privateKey = c.requireSecret("privateKey");
for (let i = 0; i < count; i++) {
  new NaiveOctopusSshAccount(\`account-\${i}\`, { name: \`naive-\${i}\`, username: "deploy", privateKey, space: "Spaces-1" });
  new NaiveTfcSshKey(\`tfc-\${i}\`, { name: \`naive-\${i}\`, privateKey });
}
`;

/** The tsconfig.json \`pulumi new typescript\` writes (the naive program is compiled with it). */
export const NAIVE_TSCONFIG = JSON.stringify(
  {
    compilerOptions: {
      strict: true,
      outDir: "bin",
      target: "es2020",
      module: "commonjs",
      moduleResolution: "node",
      sourceMap: true,
      experimentalDecorators: true,
      pretty: true,
      noFallthroughCasesInSwitch: true,
      noImplicitReturns: true,
      forceConsistentCasingInFileNames: true,
    },
    files: ["index.ts"],
  },
  null,
  2,
);
