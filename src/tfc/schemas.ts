// HCP Terraform / Terraform Enterprise JSON:API shapes for SSH keys (see reference/tfc-api.md).
// Parsed leniently: unknown fields are kept, and `status` in error objects may be a string or a number.

import { z } from "zod";

export const SshKeyDataSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().optional(),
  attributes: z.looseObject({ name: z.string() }),
  links: z.record(z.string(), z.string().nullable()).optional(),
});
export type SshKeyData = z.infer<typeof SshKeyDataSchema>;

export const SshKeyDocumentSchema = z.looseObject({ data: SshKeyDataSchema });

export const SshKeyListSchema = z.looseObject({
  data: z.array(SshKeyDataSchema),
  meta: z
    .looseObject({
      pagination: z.looseObject({ "next-page": z.number().nullable().optional() }).optional(),
    })
    .optional(),
});

/** JSON:API error objects, and the older `{"errors": ["message"]}` form. */
export const JsonApiErrorBodySchema = z.looseObject({
  errors: z.array(
    z.union([
      z.string(),
      z.looseObject({
        status: z.union([z.string(), z.number()]).optional(),
        title: z.string().optional(),
        detail: z.string().optional(),
        source: z.looseObject({ pointer: z.string().optional() }).optional(),
      }),
    ]),
  ),
});

/** "title: detail" for each error object, joined; the raw text when the body is not JSON:API. */
export function jsonApiErrorMessage(body: unknown, text: string): string {
  const parsed = JsonApiErrorBodySchema.safeParse(body);
  if (parsed.success && parsed.data.errors.length) {
    return parsed.data.errors
      .map((e) => {
        if (typeof e === "string") return e;
        const head = e.title ?? (e.status !== undefined ? String(e.status) : "error");
        return e.detail && e.detail !== head ? `${head}: ${e.detail}` : head;
      })
      .join("; ");
  }
  const trimmed = text.trim();
  return trimmed.length > 300 ? `${trimmed.slice(0, 300)}…` : trimmed;
}

/** The `connection` argument of TfcSshKey. */
export const TfcConnectionSchema = z
  .object({
    hostname: z.string().optional(),
    address: z.string().optional(),
    token: z.string().optional(),
    organization: z.string().optional(),
    caCertificate: z.string().optional(),
    insecure: z.boolean().optional(),
  })
  .strict();
export type TfcConnectionArgs = z.infer<typeof TfcConnectionSchema>;
