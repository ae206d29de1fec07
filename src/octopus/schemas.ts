// Octopus Deploy request and response shapes, defined once (see reference/octopus-api.md).
// Responses are parsed leniently (unknown fields kept, optional fields tolerated) because servers from
// 2019 to 2026 differ; what we rely on is required.

import { z } from "zod";

/** `{HasValue, NewValue, Hint}`: how Octopus carries secrets. Reads never include the value. */
export const SensitiveValueSchema = z.looseObject({
  HasValue: z.boolean().optional(),
  NewValue: z.string().nullable().optional(),
  Hint: z.string().nullable().optional(),
});
export type SensitiveValue = z.infer<typeof SensitiveValueSchema>;

const stringList = z.array(z.string()).nullable().optional().transform((v) => v ?? []);

export const AccountSchema = z.looseObject({
  Id: z.string().min(1),
  SpaceId: z.string().nullable().optional(),
  AccountType: z.string(),
  Name: z.string(),
  Slug: z.string().nullable().optional(),
  Description: z.string().nullable().optional(),
  EnvironmentIds: stringList,
  TenantIds: stringList,
  TenantTags: stringList,
  TenantedDeploymentParticipation: z.string().nullable().optional(),
  Username: z.string().nullable().optional(),
  PrivateKeyFile: SensitiveValueSchema.nullable().optional(),
  PrivateKeyPassphrase: SensitiveValueSchema.nullable().optional(),
  Links: z.record(z.string(), z.string()).optional(),
});
export type Account = z.infer<typeof AccountSchema>;

/** The body we send to create or replace an SshKeyPair account. */
export interface SshAccountBody {
  Id?: string;
  SpaceId: string;
  AccountType: "SshKeyPair";
  Name: string;
  Slug?: string;
  Description: string;
  EnvironmentIds: string[];
  TenantIds: string[];
  TenantTags: string[];
  TenantedDeploymentParticipation: TenantedDeploymentParticipation;
  Username: string;
  PrivateKeyFile: SensitiveValue;
  PrivateKeyPassphrase: SensitiveValue | null;
}

export const TENANTED_PARTICIPATION = ["Untenanted", "Tenanted", "TenantedOrUntenanted"] as const;
/** Whether an account is used for tenanted deployments, untenanted ones, or both. */
export type TenantedDeploymentParticipation = (typeof TENANTED_PARTICIPATION)[number];

export const SpaceSchema = z.looseObject({
  Id: z.string().min(1),
  Name: z.string(),
  Slug: z.string().nullable().optional(),
  IsDefault: z.boolean().nullable().optional(),
});
export type Space = z.infer<typeof SpaceSchema>;

export const UserSchema = z.looseObject({
  Id: z.string().min(1),
  Username: z.string(),
  DisplayName: z.string().nullable().optional(),
  IsService: z.boolean().nullable().optional(),
  IsActive: z.boolean().nullable().optional(),
});
export type User = z.infer<typeof UserSchema>;

/** The only response that contains an API key's value. */
export const ApiKeyCreatedSchema = z.looseObject({
  Id: z.string().min(1),
  Purpose: z.string().nullable().optional(),
  UserId: z.string().nullable().optional(),
  // What using the key needs: a value that can travel in the X-Octopus-ApiKey header. Not its looks
  // (API- and 32 letters today): a key whose format changes one day must not become an orphan.
  ApiKey: z.string().regex(/^[\x21-\x7e]+$/, "a non-empty API key of printable characters"),
  Created: z.string().nullable().optional(),
  Expires: z.string().nullable().optional(),
});
export type ApiKeyCreated = z.infer<typeof ApiKeyCreatedSchema>;

/** The least a create's answer must have for the key to be recorded (and revoked later) at all. */
export const CreatedIdSchema = z.looseObject({ Id: z.string().min(1) });

/** An API key as read back: `ApiKey` is a SensitiveValue on newer servers, a string or null on older. */
export const ApiKeySchema = z.looseObject({
  Id: z.string().min(1),
  Purpose: z.string().nullable().optional(),
  UserId: z.string().nullable().optional(),
  ApiKey: z.union([z.string(), SensitiveValueSchema]).nullable().optional(),
  Created: z.string().nullable().optional(),
  Expires: z.string().nullable().optional(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

/** A paged collection envelope. */
export function pagedSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({
    Items: z.array(item),
    TotalResults: z.number().optional(),
    ItemsPerPage: z.number().optional(),
    Links: z.record(z.string(), z.string()).optional(),
  });
}

/** Octopus error bodies: `ErrorMessage` plus the reasons in `Errors`. */
export const ErrorBodySchema = z.looseObject({
  ErrorMessage: z.string().optional(),
  Errors: z.array(z.string()).nullable().optional(),
  Details: z.unknown().optional(),
});

/** The message of an Octopus error body: `ErrorMessage` then each of `Errors`, as the TS client does. */
export function octopusErrorMessage(body: unknown, text: string): string {
  const parsed = ErrorBodySchema.safeParse(body);
  if (parsed.success && (parsed.data.ErrorMessage || parsed.data.Errors?.length)) {
    const reasons = (parsed.data.Errors ?? []).filter((e) => e && e !== parsed.data.ErrorMessage);
    return [parsed.data.ErrorMessage, ...reasons].filter(Boolean).join(" ");
  }
  const trimmed = text.trim();
  return trimmed.length > 300 ? `${trimmed.slice(0, 300)}…` : trimmed;
}

/** The `connection` argument of the Octopus resources. */
export const OctopusConnectionSchema = z.object({
  serverUrl: z.string().optional(),
  apiKey: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  space: z.string().optional(),
  caCertificate: z.string().optional(),
  insecure: z.boolean().optional(),
}).strict();
export type OctopusConnectionArgs = z.infer<typeof OctopusConnectionSchema>;
