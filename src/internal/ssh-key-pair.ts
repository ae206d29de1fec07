// The serialized provider of SshKeyPair (see provider-object.ts). Module name and kind are stored in
// users' states: keep them.
import { providerObject } from "./provider-object";

export = providerObject("index:SshKeyPair");
