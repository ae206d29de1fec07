// Keystone v3 and Nova os-keypairs shapes (see reference/nova-api.md). Parsed leniently: unknown
// fields kept, show-only fields optional.

import { z } from "zod";

export const CatalogEndpointSchema = z.looseObject({
  interface: z.string(),
  region: z.string().nullable().optional(),
  region_id: z.string().nullable().optional(),
  url: z.string(),
});

export const TokenBodySchema = z.looseObject({
  token: z.looseObject({
    expires_at: z.string(),
    user: z.looseObject({ id: z.string(), name: z.string().optional() }).optional(),
    project: z.looseObject({ id: z.string(), name: z.string().optional() }).optional(),
    catalog: z
      .array(z.looseObject({ type: z.string(), name: z.string().optional(), endpoints: z.array(CatalogEndpointSchema) }))
      .optional(),
  }),
});
export type TokenBody = z.infer<typeof TokenBodySchema>;

/** `GET .../v2.1/`: the newest and oldest microversions the server offers. */
export const VersionDocumentSchema = z.union([
  z.looseObject({ version: z.looseObject({ version: z.string().optional(), min_version: z.string().optional() }) }),
  z.looseObject({ versions: z.array(z.looseObject({ id: z.string(), version: z.string().optional(), min_version: z.string().optional() })) }),
]);

export const KeypairSchema = z.looseObject({
  name: z.string(),
  public_key: z.string(),
  fingerprint: z.string(),
  private_key: z.string().nullable().optional(),
  user_id: z.string().nullable().optional(),
  type: z.string().nullable().optional(),
  created_at: z.string().nullable().optional(),
});
export type Keypair = z.infer<typeof KeypairSchema>;

export const KeypairDocumentSchema = z.looseObject({ keypair: KeypairSchema });

/** `GET /os-keypairs`: entries carry name, public key, fingerprint (and type from 2.2 on). */
export const KeypairListSchema = z.looseObject({
  keypairs: z.array(z.looseObject({ keypair: z.looseObject({ name: z.string() }) })),
  keypairs_links: z.array(z.looseObject({ rel: z.string().optional(), href: z.string() })).optional(),
});

/**
 * Nova faults `{"badRequest": {"code": 400, "message": "..."}}` (any fault name), Keystone errors
 * `{"error": {"code": 401, "title": "Unauthorized", "message": "..."}}`; the message, else the text.
 */
export function openstackErrorMessage(body: unknown, text: string): string {
  if (body && typeof body === "object" && !Array.isArray(body)) {
    for (const value of Object.values(body as Record<string, unknown>)) {
      if (value && typeof value === "object" && typeof (value as { message?: unknown }).message === "string") {
        return (value as { message: string }).message;
      }
    }
  }
  const trimmed = text.trim();
  return trimmed.length > 300 ? `${trimmed.slice(0, 300)}…` : trimmed;
}

/** The `connection` argument of NovaKeypair. */
export const OpenStackConnectionSchema = z
  .object({
    authUrl: z.string().optional(),
    region: z.string().optional(),
    interface: z.string().optional(),
    username: z.string().optional(),
    userId: z.string().optional(),
    password: z.string().optional(),
    userDomainName: z.string().optional(),
    userDomainId: z.string().optional(),
    projectName: z.string().optional(),
    projectId: z.string().optional(),
    projectDomainName: z.string().optional(),
    projectDomainId: z.string().optional(),
    applicationCredentialId: z.string().optional(),
    applicationCredentialName: z.string().optional(),
    applicationCredentialSecret: z.string().optional(),
    token: z.string().optional(),
    computeEndpoint: z.string().optional(),
    caCertificate: z.string().optional(),
    insecure: z.boolean().optional(),
  })
  .strict();
export type OpenStackConnectionArgs = z.infer<typeof OpenStackConnectionSchema>;
