// The serialized provider of SshKeyPair (see provider-object.ts). Module name and kind are stored in
// users' states: keep them. The kind is a literal in the one function that names it, so the text
// Pulumi stores when it captures this by value (a linked install) holds it once.
import { providerMethods } from "./provider-object";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const $ak = (op: number, a: unknown[]): Promise<any> => require("pulumi-access-keys/op")("index:SshKeyPair", op, a);

export = providerMethods($ak);
