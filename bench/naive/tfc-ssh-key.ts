// A naive TfcSshKey (see helpers.ts): the provider object's methods call imported helpers.

import * as pulumi from "@pulumi/pulumi";
import { ApiClient, keyInfo, requireEnv } from "./helpers";

function tfcClient(): ApiClient {
  return new ApiClient(`${requireEnv("TFE_ADDRESS")}/api/v2`, {
    authorization: `Bearer ${requireEnv("TFE_TOKEN")}`,
    "content-type": "application/vnd.api+json",
    accept: "application/vnd.api+json",
  });
}

const tfcSshKeyProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    const info = keyInfo(inputs.privateKey);
    const organization = inputs.organization ?? requireEnv("TFE_ORGANIZATION");
    const res = await tfcClient().call("POST", `/organizations/${organization}/ssh-keys`, { data: { type: "ssh-keys", attributes: { name: inputs.name, value: inputs.privateKey } } });
    return { id: res.data.id, outs: { ...inputs, organization, sshKeyId: res.data.id, ...info } };
  },
  async read(id, props) {
    const res = await tfcClient().call("GET", `/ssh-keys/${id}`, undefined, true);
    return res ? { id, props: { ...props, name: res.data.attributes.name } } : {};
  },
  async update(id, _olds, news) {
    await tfcClient().call("PATCH", `/ssh-keys/${id}`, { data: { type: "ssh-keys", attributes: { name: news.name } } });
    return { outs: { ...news, sshKeyId: id, ...keyInfo(news.privateKey) } };
  },
  async delete(id) {
    await tfcClient().call("DELETE", `/ssh-keys/${id}`, undefined, true);
  },
};

export interface NaiveTfcSshKeyArgs {
  name: pulumi.Input<string>;
  privateKey: pulumi.Input<string>;
  organization?: pulumi.Input<string>;
}

export class NaiveTfcSshKey extends pulumi.dynamic.Resource {
  declare readonly sshKeyId: pulumi.Output<string>;
  declare readonly publicKey: pulumi.Output<string>;
  declare readonly fingerprint: pulumi.Output<string>;

  constructor(name: string, args: NaiveTfcSshKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(tfcSshKeyProvider, name, { ...args, sshKeyId: undefined, publicKey: undefined, fingerprint: undefined, keyType: undefined }, { ...opts, additionalSecretOutputs: ["privateKey"] }, "naive", "TfcSshKey");
  }
}
