// The serialized provider of NovaKeypair (see provider-object.ts). Module name and kind are stored in
// users' states: keep them.
import { providerObject } from "./provider-object";

export = providerObject("nova:Keypair");
