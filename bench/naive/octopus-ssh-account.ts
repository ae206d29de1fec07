// A naive OctopusSshAccount (see helpers.ts): the provider object's methods call imported helpers.

import * as pulumi from "@pulumi/pulumi";
import { ApiClient, keyInfo, requireEnv } from "./helpers";

function octopusClient(): ApiClient {
  return new ApiClient(requireEnv("OCTOPUS_URL"), { "x-octopus-apikey": requireEnv("OCTOPUS_API_KEY"), "content-type": "application/json" });
}

function accountBody(inputs: any, withKey: boolean) {
  return {
    AccountType: "SshKeyPair",
    Name: inputs.name,
    Username: inputs.username,
    Description: inputs.description ?? "",
    PrivateKeyFile: withKey ? { HasValue: true, NewValue: Buffer.from(inputs.privateKey).toString("base64") } : { HasValue: true },
    EnvironmentIds: [],
    TenantIds: [],
    TenantTags: [],
    TenantedDeploymentParticipation: "Untenanted",
    SpaceId: inputs.space,
  };
}

const octopusSshAccountProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    const info = keyInfo(inputs.privateKey);
    const res = await octopusClient().call("POST", `/api/${inputs.space}/accounts`, accountBody(inputs, true));
    return { id: res.Id, outs: { ...inputs, accountId: res.Id, ...info } };
  },
  async read(id, props) {
    const res = await octopusClient().call("GET", `/api/${props.space}/accounts/${id}`, undefined, true);
    return res ? { id, props: { ...props, name: res.Name, username: res.Username } } : {};
  },
  async update(id, olds, news) {
    await octopusClient().call("PUT", `/api/${news.space}/accounts/${id}`, { ...accountBody(news, news.privateKey !== olds.privateKey), Id: id });
    return { outs: { ...news, accountId: id, ...keyInfo(news.privateKey) } };
  },
  async delete(id, props) {
    await octopusClient().call("DELETE", `/api/${props.space}/accounts/${id}`, undefined, true);
  },
};

export interface NaiveOctopusSshAccountArgs {
  name: pulumi.Input<string>;
  username: pulumi.Input<string>;
  privateKey: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  space: pulumi.Input<string>;
}

export class NaiveOctopusSshAccount extends pulumi.dynamic.Resource {
  declare readonly accountId: pulumi.Output<string>;
  declare readonly publicKey: pulumi.Output<string>;
  declare readonly fingerprint: pulumi.Output<string>;

  constructor(name: string, args: NaiveOctopusSshAccountArgs, opts?: pulumi.CustomResourceOptions) {
    super(octopusSshAccountProvider, name, { ...args, accountId: undefined, publicKey: undefined, fingerprint: undefined, keyType: undefined }, { ...opts, additionalSecretOutputs: ["privateKey"] }, "naive", "OctopusSshAccount");
  }
}
