// OctopusApiKey: an API key of an Octopus user, including the very first one on a fresh server.
//
// | operation | HTTP                                        | notes                                        |
// |-----------|---------------------------------------------|----------------------------------------------|
// | create    | POST /api/users/{userId}/apikeys            | + one login, /users/me or user lookup per process |
// | read      | GET /api/users/{userId}/apikeys/{id}        | 404: gone (revoked, or the user deleted)     |
// | update    | none                                        | only `connection` can change in place        |
// | delete    | DELETE /api/users/{userId}/apikeys/{id}     | revokes; 404: already gone                   |
//
// Octopus cannot change a key: purpose, expiry and user all replace it (the new key is made first,
// then the old one revoked). An expired key is replaced on the next `up`.
//
// With a connection that holds a username and password instead of an API key, the provider logs in
// (POST /api/users/login), keeps the session cookie and echoes the anti-forgery cookie in
// X-Octopus-Csrf-Token, so the first key of a new server needs no key to start from (seed 004).
//
// The key's value is in the create answer only; it is kept in state as a secret. Creating a key is not
// idempotent and a key has no unique name to look up, so a create whose answer was lost (connection
// dropped after sending) is reported rather than retried: retrying could leave an unusable key behind.

import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { OperationContext, ResourceImpl } from "../core/provider";
import { containsUnknown, diffProps, inputsFrom, sameResolved, schemaFailures } from "../core/provider";
import provider = require("../internal/octopus-api-key");
import { DURATION_RULE, parseDuration, parseServiceTime, rotationDue } from "../core/duration";
import { warn } from "../core/engine-log";
import { InputError } from "../core/errors";
import { isAmbiguous } from "../core/http";
import { OctopusClient, octopusClientAt, octopusMoved, resolveOctopusSettings } from "./client";
import { OctopusConnectionSchema } from "./schemas";
import type { OctopusConnectionArgs } from "./schemas";

/** Resolved inputs. */
export interface ApiKeyInputs {
  purpose: string;
  expires?: string;
  renewBefore?: string;
  rotateAfter?: string;
  user?: string;
  connection?: OctopusConnectionArgs;
}

/** Outputs. */
export interface ApiKeyOutputs extends ApiKeyInputs {
  /** The key (secret). */
  apiKey: string;
  apiKeyId: string;
  userId: string;
  created: string | null;
  expires?: string;
  /** The server the key lives on (normalized URL); absent in states written before it was recorded. */
  endpoint?: string;
  /** Taken over by `pulumi import` (or looked up by id): its value is not known. */
  imported?: boolean;
}

const InputsSchema = z.object({
  purpose: z
    .string({ error: "purpose must be a string" })
    .refine((s) => s.trim().length > 0, { message: "purpose must not be empty: say what the key is for" }),
  expires: z
    .string({ error: `expires must be an ISO 8601 date or time, like 2027-01-31, or ${DURATION_RULE}` })
    .refine((s) => parseDuration(s) !== undefined || !Number.isNaN(Date.parse(s)), { message: `expires must be an ISO 8601 date or time, like 2027-01-31 or 2027-01-31T00:00:00Z, or ${DURATION_RULE}` })
    .optional(),
  renewBefore: duration("renewBefore"),
  rotateAfter: duration("rotateAfter"),
  user: z.string().refine((s) => s.trim().length > 0, { message: "user must not be empty: give a user id (Users-N) or a username, or leave it out" }).optional(),
  connection: OctopusConnectionSchema.optional(),
});

function duration(what: string) {
  return z
    .string({ error: `${what} must be ${DURATION_RULE}` })
    .refine((s) => parseDuration(s) !== undefined, { message: `${what} must be ${DURATION_RULE}` })
    .optional();
}

/** Whether a declared expiry is a lifetime (`"90d"`) rather than a date. */
function isLifetime(expires: unknown): expires is string {
  return parseDuration(expires) !== undefined;
}

/**
 * Whether the key's expiry (`expiresAt`, as Octopus reports it) is what `declared` asks for: the same
 * instant for a date; for a lifetime, the key's own lifetime (created to expiry), within a minute or
 * 1% (the create's latency and clock skew). Unknown times never differ.
 */
function expiryMatches(expiresAt: unknown, created: unknown, declared: unknown): boolean {
  if (declared === undefined || declared === null) return true;
  if (!isLifetime(declared)) return sameInstant(expiresAt, declared);
  const end = typeof expiresAt === "string" ? parseServiceTime(expiresAt) : undefined;
  const start = typeof created === "string" ? parseServiceTime(created) : undefined;
  if (end === undefined || start === undefined) return true;
  const want = parseDuration(declared)!;
  return Math.abs(end - start - want) <= Math.max(60_000, want / 100);
}

function sameInstant(a: unknown, b: unknown): boolean {
  if (typeof a !== "string" || typeof b !== "string") return a === b;
  const x = Date.parse(a);
  const y = Date.parse(b);
  return Number.isNaN(x) || Number.isNaN(y) ? a === b : x === y;
}

/** ISO 8601 with an explicit offset, as Octopus expects; a bare date means midnight UTC. */
function toOctopusTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const lifetime = parseDuration(value);
  if (lifetime !== undefined) return new Date(Date.now() + lifetime).toISOString();
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

function client(inputs: { connection?: OctopusConnectionArgs }, ctx: OperationContext): OctopusClient {
  return new OctopusClient(resolveOctopusSettings(ctx.resource, inputs.connection, ctx));
}

function inputsOf(props: Record<string, any>): ApiKeyInputs {
  return inputsFrom<ApiKeyInputs>(props, ["purpose", "expires", "renewBefore", "rotateAfter", "user", "connection"]);
}

/** The provider implementation, run in the Pulumi provider host. */
export const apiKeyImpl: ResourceImpl = {
  resource: "OctopusApiKey",

  secretsOf(props) {
    return [props.apiKey, props.connection?.apiKey, props.connection?.password];
  },

  async check(olds, news) {
    const failures = schemaFailures(InputsSchema, news);
    // A date in the past is a mistake in a new key (Octopus would reject it). In a key that exists,
    // the same date merely says the key has expired: that must not fail every preview of the stack
    // (diff warns and says how to renew it).
    const past = typeof news.expires === "string" && !containsUnknown(news.expires) && !isLifetime(news.expires) && Date.parse(news.expires) <= Date.now();
    if (past && !(typeof olds.expires === "string" && sameInstant(olds.expires, news.expires))) {
      failures.push({ property: "expires", reason: "expires is in the past; Octopus would reject it: give a later date" });
    }
    // A key renewed as soon as it is made would be replaced on every `up`.
    const lifetime = parseDuration(news.expires);
    const margin = parseDuration(news.renewBefore);
    if (lifetime !== undefined && margin !== undefined && margin >= lifetime) {
      failures.push({ property: "renewBefore", reason: `renewBefore ("${String(news.renewBefore)}") must be shorter than the key's lifetime, expires ("${String(news.expires)}"), or every \`up\` would replace the key` });
    }
    return failures.length ? { inputs: news, failures } : { inputs: news };
  },

  async diff(_id, olds, news, ctx) {
    // The same user named by id, by username or not at all (the authenticated user) is not a change:
    // a replacement would mint a new key and revoke the one every consumer holds.
    const sameUser = await sameResolved(olds.user, news.user, olds.userId, (user) => client(news, ctx).resolveUserId(user));
    // Another server in the `connection` argument: a new key there, the old one revoked here.
    const moved = await octopusMoved(ctx.resource, _id, olds, news, ctx);
    const result = diffProps(olds, news, [
      { name: "purpose", replaces: true },
      // Without an expiry the server chose one; only an explicit, different expiry replaces.
      { name: "expires", replaces: true, equal: (a, b) => expiryMatches(a, olds.created, b) },
      // A new margin or period takes effect from the key's own expiry and creation: stored by an update.
      { name: "renewBefore" },
      { name: "rotateAfter" },
      { name: "user", replaces: true, equal: () => sameUser },
      { name: "connection" },
    ]);
    // A key whose create failed after Octopus made it (its answer unusable) has no value in state:
    // useless to every consumer, so it is replaced (and revoked).
    // An imported key has no value either, by nature: it is kept (others may hold it), and said so.
    if (olds.apiKeyId && (olds.apiKey === undefined || olds.apiKey === null)) {
      if (olds.imported !== true) return { changes: true, replaces: [...new Set([...(result.replaces ?? []), "apiKey"])] };
      await warn(
        `OctopusApiKey '${String(olds.purpose)}' (${_id}) was imported: Octopus shows a key's value only to whoever makes it, so \`apiKey\` is empty. ` +
          "To give consumers a key whose value this stack holds, run `pulumi up --replace` on it (a new key first, then this one revoked).",
      );
    }
    // An expired key is useless: replace it.
    if (moved) return { changes: true, replaces: [...new Set([...(result.replaces ?? []), "connection"])] };
    const expiresAt = typeof olds.expires === "string" ? parseServiceTime(olds.expires) : undefined;
    const expired = expiresAt !== undefined && !containsUnknown(news.expires) && expiresAt <= Date.now();
    // Expired at the date the program still gives: a new key with that date would be refused, so the
    // key stays as it is, and the user is told how to renew it, while the rest of the stack goes on.
    if (expired && typeof news.expires === "string" && !isLifetime(news.expires) && Date.parse(news.expires) <= Date.now()) {
      await warn(
        `OctopusApiKey '${String(olds.purpose)}' (${_id}) expired on ${String(olds.expires)}, the date its \`expires\` still gives: ` +
          "set a later `expires` (or leave it out for the server's default) and run `pulumi up` to replace it with a new key, revoking this one",
      );
      return result;
    }
    if (expired) {
      return { changes: true, replaces: [...new Set([...(result.replaces ?? []), "expires"])] };
    }
    // Renewal: due once the key is within renewBefore of its expiry.
    const margin = containsUnknown(news.renewBefore) ? undefined : parseDuration(news.renewBefore);
    if (expiresAt !== undefined && margin !== undefined && expiresAt - margin <= Date.now()) {
      await warn(
        `OctopusApiKey '${String(olds.purpose)}' (${_id}): renewal due since ${new Date(expiresAt - margin).toISOString()} (expires ${String(olds.expires)}, renewBefore "${String(news.renewBefore)}"): ` +
          "replacing it with a new key, then revoking this one",
      );
      return { changes: true, replaces: [...new Set([...(result.replaces ?? []), "renewBefore"])] };
    }
    // Scheduled rotation: due once the key is older than rotateAfter.
    const due = containsUnknown(news.rotateAfter) ? undefined : rotationDue(olds.created, news.rotateAfter);
    if (due !== undefined && due <= Date.now()) {
      await warn(`OctopusApiKey '${String(olds.purpose)}' (${_id}): rotation due since ${new Date(due).toISOString()} (created ${String(olds.created)}, rotateAfter "${String(news.rotateAfter)}"): replacing it with a new key, then revoking this one`);
      return { changes: true, replaces: [...new Set([...(result.replaces ?? []), "rotateAfter"])] };
    }
    return result;
  },

  async create(raw, ctx) {
    const inputs = inputsOf(raw);
    const octopus = client(inputs, ctx);
    // Everything that can fail or wait happens before the POST (the login, who the user is), and
    // nothing but building the outputs after it: the time in which a killed `pulumi up` leaves a key
    // whose value nobody has is one request's answer plus the engine's checkpoint. A key made in that
    // time is found by purpose and revoked by pulumi-access-keys-recover (src/octopus/recovery.ts).
    const userId = await octopus.resolveUserId(inputs.user);
    let created;
    try {
      created = await octopus.createApiKey(userId, inputs.purpose, toOctopusTime(inputs.expires));
    } catch (error) {
      if (isAmbiguous(error)) {
        (error as Error).message +=
          `. The key may have been created without its value reaching us: look for keys with purpose '${inputs.purpose}' of ${userId} in the Octopus portal and revoke any you do not recognise, then run \`pulumi up\` again`;
      }
      throw error;
    }
    const outs: ApiKeyOutputs = {
      ...inputs,
      apiKey: created.ApiKey,
      apiKeyId: created.Id,
      userId: created.UserId ?? userId,
      purpose: created.Purpose ?? inputs.purpose,
      created: created.Created ?? null,
      ...(created.Expires ? { expires: created.Expires } : {}),
      // `expires` is now the date; a lifetime as declared is kept beside it, so a refresh gives the
      // engine the inputs the program wrote.
      ...(isLifetime(inputs.expires) ? { expiresGiven: inputs.expires } : {}),
      // Where the key lives (the server URL), recorded so a move is never a silent state update.
      endpoint: octopus.settings.serverUrl,
    };
    return { id: created.Id, outs };
  },

  async read(id, props, ctx) {
    const old = props as ApiKeyOutputs;
    const octopus = octopusClientAt(ctx.resource, id, old.endpoint, old.connection, ctx);
    const lookup = !old.apiKeyId; // OctopusApiKey.get: only the id, the user and the connection
    const userId = old.userId || (await octopus.resolveUserId(old.user));
    const key = await octopus.getApiKey(userId, id);
    if (!key) {
      // A lookup of a key that is not there is an error; a refresh forgets it.
      if (lookup) throw new InputError("id", `${userId} has no API key '${id}' that these credentials can see`);
      // A refresh forgets it only when the user's key list, read with the same credentials, lacks it
      // too (or the user is gone, and their keys with them).
      await octopus.confirmApiKeyGone(userId, id);
      return {};
    }
    const outs: ApiKeyOutputs = {
      ...old,
      // `imported`: taken over by `pulumi import` (or looked up): its value was shown once, to its maker.
      ...(lookup ? { apiKeyId: key.Id ?? id, userId, imported: true } : {}),
      purpose: key.Purpose ?? old.purpose,
      created: key.Created ?? old.created ?? null,
      ...(key.Expires ? { expires: key.Expires } : {}),
    };
    const inputs = inputsOf(old);
    if (isLifetime((old as { expiresGiven?: unknown }).expiresGiven)) inputs.expires = (old as { expiresGiven?: string }).expiresGiven;
    if (key.Purpose && key.Purpose !== inputs.purpose) inputs.purpose = key.Purpose;
    return { id, props: outs, inputs };
  },

  async update(id, olds, news, ctx) {
    // Only `connection` (and the provider code) can change without a replacement: nothing to send,
    // once the new settings are known to point at the server the key lives on.
    const inputs = inputsOf(news);
    const old = olds as ApiKeyOutputs;
    octopusClientAt(ctx.resource, id, old.endpoint, inputs.connection, ctx);
    // An input left out is gone (renewBefore, rotateAfter); the key's own times are as they were.
    const { renewBefore: _r, rotateAfter: _a, ...kept } = old;
    return { outs: { ...kept, ...inputs, ...(old.expires ? { expires: old.expires } : {}) } };
  },

  async delete(id, props, ctx) {
    const old = props as ApiKeyOutputs;
    const octopus = octopusClientAt(ctx.resource, id, old.endpoint, old.connection, ctx);
    await octopus.deleteApiKey(old.userId, id);
  },
};


/** @internal Exposed for tests: the object Pulumi serializes. */
export const octopusApiKeyProvider: pulumi.dynamic.ResourceProvider = provider;
