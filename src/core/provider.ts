// Helpers shared by the four resources: running an implementation in the provider host, input
// checking, and diffing.
//
// Pulumi serializes the provider object into every resource's state, twice (inputs and outputs), and
// refresh/destroy run that stored text. The provider objects (src/internal/<resource>.ts) therefore
// hold nothing but calls into `runOperation` through the package's stable internal entry point, so
// `__provider` stays small, never holds a credential, and always runs the installed version. The
// price: the entry point's signature can never change incompatibly, because old states call it.

import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { ZodType } from "zod";
import type { SettingsContext, StackConfig } from "./connection";
import { movedError } from "./connection";
import { LOGICAL_NAME } from "./resource-options";
export { LOGICAL_NAME, replacementOrder } from "./resource-options";
import { describeFailure } from "./errors";
import { withOperationSecrets } from "./redact";
import { jsonEqual, toPlainObject } from "./json";

/** The value the engine sends for inputs that are not known yet (during preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when a value (or anything inside it) is not known yet. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** The provider operations an implementation may define. */
export type Operation = "check" | "diff" | "create" | "read" | "update" | "delete";

/** Per-call context: stack config (from configure) and the environment, read now. */
export interface OperationContext extends SettingsContext {
  resource: string;
  /**
   * Whether this provider process deleted the object with this id, of this resource kind, earlier in
   * this run (a replacement that deletes first): `adopt` naming it then means "the object this
   * resource replaces", not a mistake.
   */
  deletedInRun?(id: string): boolean;
}

// What this provider process adopted and deleted in this run. Not a memory of diffs: facts about
// requests this process made, which the engine cannot contradict. Adoptions are kept per kind, id and
// place (the recorded endpoint and owner: a Nova id is a name, unique only per user and cloud), since
// they stop a delete; deletions per kind and id, since they only let a create go ahead.
// - A delete of an object a create adopted in this run is not sent: the object now belongs to the
//   resource that adopted it. That happens when a replacement that creates first adopts the object it
//   replaces (`adopt` still in the program, `deleteBeforeReplace: false`), or when `adopt` moves an
//   object from a resource the program dropped to a new one.
// - `deletedInRun` tells a create that the object `adopt` names was deleted by this run.
const adoptedInRun = new Set<string>();
const deletedInRun = new Set<string>();

function objectKey(resource: string, id: string, props: Props | undefined): string {
  return `${resource}\0${id}\0${canonicalJson(props?.endpoint ?? null)}\0${typeof props?.userId === "string" ? props.userId : ""}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Props)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Forgets what this process adopted and deleted (tests). */
export function resetRunRecord(): void {
  adoptedInRun.clear();
  deletedInRun.clear();
}

type Props = Record<string, any>;

/** What one resource implements; the dispatcher adds context, normalisation and error messages. */
export interface ResourceImpl {
  /** The resource's public name, for messages: "OctopusSshAccount". */
  resource: string;
  check(olds: Props, news: Props, ctx: OperationContext): Promise<pulumi.dynamic.CheckResult>;
  /**
   * Auto-naming (resources whose `name` is optional): how a generated name is made from the logical
   * name. Absent: the resource has no auto-name.
   */
  autoName?: AutoNameRule;
  diff(id: string, olds: Props, news: Props, ctx: OperationContext): Promise<pulumi.dynamic.DiffResult>;
  /** `adopted`: the object existed and was taken over (`adopt`), not made. */
  create(inputs: Props, ctx: OperationContext): Promise<pulumi.dynamic.CreateResult & { adopted?: boolean }>;
  read(id: string, props: Props, ctx: OperationContext): Promise<pulumi.dynamic.ReadResult>;
  update(id: string, olds: Props, news: Props, ctx: OperationContext): Promise<pulumi.dynamic.UpdateResult>;
  delete(id: string, props: Props, ctx: OperationContext): Promise<void>;
  /** Secret values in these props, so every message can be scrubbed of them. */
  secretsOf(props: Props): (string | undefined)[];
}

/** The state the thin provider keeps in the host process (never serialized: set in configure). */
export interface ProviderHostState {
  stackConfig?: StackConfig;
}

/**
 * Runs one operation of one resource in the provider host. Called by the serialized provider of every
 * version of this package: keep the signature.
 */
export async function runOperation(impl: ResourceImpl, op: Operation, host: ProviderHostState | undefined, args: unknown[]): Promise<unknown> {
  const ctx: OperationContext = { resource: impl.resource, stackConfig: host?.stackConfig ?? {}, env: process.env };
  const secretsFrom = (...propsList: unknown[]) =>
    propsList.flatMap((p) => (p && typeof p === "object" ? impl.secretsOf(p as Props) : []));
  // Known to every message built during the operation, not only to the final one (see core/redact).
  let secrets: (string | undefined)[] = [];
  try {
    secrets = secretsFrom(...args);
  } catch {
    // props of a shape secretsOf does not expect: the patterns and the clients' own secrets still apply
  }
  return withOperationSecrets(secrets, () => run(impl, op, ctx, args, secrets));
}

async function run(impl: ResourceImpl, op: Operation, ctx: OperationContext, args: unknown[], secrets: readonly (string | undefined)[]): Promise<unknown> {
  try {
    switch (op) {
      case "check": {
        const [olds, news] = args as [Props, Props];
        const named = applyAutoName(impl.autoName, olds ?? {}, adoptionInputs(olds ?? {}, news ?? {}));
        const result = await impl.check(olds ?? {}, named.inputs, ctx);
        const failures = [...named.failures, ...(result.failures ?? [])];
        return { ...result, ...(result.inputs ? { inputs: toPlainObject(result.inputs) } : {}), ...(failures.length ? { failures } : {}) };
      }
      case "diff": {
        const [id, olds, news] = args as [string, Props, Props];
        return engineNamesChanges(await impl.diff(id, olds ?? {}, news ?? {}, ctx), olds ?? {});
      }
      case "create": {
        const [inputs] = args as [Props];
        const result = await impl.create(inputs, { ...ctx, deletedInRun: (id) => deletedInRun.has(`${impl.resource}\0${id}`) });
        const outs = toPlainObject(result.outs ?? {}) as Props;
        if (result.adopted) adoptedInRun.add(objectKey(impl.resource, result.id, outs));
        return { id: result.id, outs };
      }
      case "read": {
        const [id, props] = args as [string, Props];
        const result = await impl.read(id, props ?? {}, ctx);
        if (!result.id) return {};
        return {
          id: result.id,
          ...(result.props ? { props: toPlainObject(result.props) } : {}),
          ...(result.inputs ? { inputs: toPlainObject(result.inputs) } : {}),
        };
      }
      case "update": {
        const [id, olds, news] = args as [string, Props, Props];
        const result = await impl.update(id, olds ?? {}, news ?? {}, ctx);
        return { outs: toPlainObject(result.outs ?? {}) };
      }
      case "delete": {
        const [id, props] = args as [string, Props];
        const key = objectKey(impl.resource, id, props);
        // Adopted by another resource (or its own replacement) in this run: it is that resource's now.
        if (adoptedInRun.has(key)) return undefined;
        await impl.delete(id, props ?? {}, ctx);
        // By kind and id only: `adopt` names an id, not a place. What it decides is to create instead
        // of failing, never to touch an object.
        deletedInRun.add(`${impl.resource}\0${id}`);
        return undefined;
      }
    }
  } catch (error) {
    // Package errors keep their class, code and `id` (a half-created object the engine must record).
    const failure = describeFailure(impl.resource, op, error, secrets);
    if (op === "create" && failure.id) {
      // The engine stores these as the object's outputs, and the dynamic provider host adds nothing:
      // without `__provider` the next `up`, refresh or destroy of the object could not run at all.
      // Resources put in what they know that is not secret (secrets are never in an error).
      const [inputs] = args as [Props];
      failure.properties = { ...(failure.properties ?? {}), __provider: inputs?.__provider };
      // With an id the engine shows only "resource init failed" and these reasons: say why.
      if (!failure.reasons?.length) failure.reasons = [failure.message];
    }
    throw failure;
  }
}

/** A diff result, with the properties found changed (diffProps), which the dynamic host cannot send. */
export type DiffOutcome = pulumi.dynamic.DiffResult & { changedKeys?: readonly string[] };

/**
 * `replaceOnChanges` needs the names of the changed properties, and the dynamic provider host of
 * @pulumi/pulumi 3.248 sends none: to the engine, "changes: true" names nothing, and no
 * replaceOnChanges ever applies. "changes: unknown" makes the engine compare old and new inputs
 * itself and name what differs. That is given only for an in-place change that the inputs show:
 * every changed property was in the old state (so the engine's comparison sees it too). A change
 * only the provider can see (a half-made object's missing outputs, drift, due rotations, moves) or any
 * replacement keeps the provider's own answer.
 */
export function engineNamesChanges(result: DiffOutcome, olds: Props): pulumi.dynamic.DiffResult {
  const { changedKeys, ...diff } = result;
  if (diff.changes !== true || diff.replaces?.length || diff.deleteBeforeReplace || !changedKeys?.length) return diff;
  if (!changedKeys.every((k) => olds[k] !== undefined && olds[k] !== null)) return diff;
  return { ...diff, changes: undefined };
}

/**
 * Keeps `adopt` out of the stored inputs of a resource already in state (old inputs given): it acted
 * on the first create, and an update has nothing to adopt. Applied to every check, before the
 * resource's own. (A replacement is checked again without old inputs and sees `adopt`: a replacement
 * that deletes first finds nothing to adopt and creates, see {@link OperationContext.deletedInRun};
 * one that creates first takes the old object over, which its delete then leaves alone.)
 */
export function adoptionInputs(olds: Props, news: Props): Props {
  const inState = Object.keys(olds).some((k) => k !== "__provider");
  if (!inState) return news;
  const { adopt: _dropped, ...rest } = news;
  return rest;
}

/**
 * Outputs without the secret ones, for a create that made its object and then failed: the engine
 * keeps them (see runOperation), unencrypted, so nothing secret may be among them.
 */
export function publicOutputs(outs: Props, secretKeys: readonly string[]): Props {
  const out: Props = {};
  for (const [k, v] of Object.entries(outs)) if (!secretKeys.includes(k) && k !== "connection" && v !== undefined) out[k] = v;
  return out;
}

/** How a resource makes a name from its logical name. */
export interface AutoNameRule {
  /** The longest name the service takes. */
  maxLength: number;
  /** The logical name with characters the service refuses replaced. */
  clean(logical: string): string;
}

/**
 * Auto-naming, as Pulumi's own providers do it. A resource given no `name` is named after its logical
 * name plus "-" and 7 random hex digits, once: every later check has the old inputs and keeps the
 * name they hold. The engine checks a replacement again without old inputs (and a targeted one,
 * `--replace`, only so): it gets a new name, so the new object is made beside the old one before the
 * old one is deleted. `adopt` takes over an object by its name, so it needs `name`.
 */
export function applyAutoName(rule: AutoNameRule | undefined, olds: Props, news: Props): { inputs: Props; failures: CheckFailure[] } {
  const { [LOGICAL_NAME]: logical, ...inputs } = news;
  if (!rule || (inputs.name !== undefined && inputs.name !== null)) return { inputs, failures: [] };
  if (typeof olds.name === "string" && olds.name) return { inputs: { ...inputs, name: olds.name }, failures: [] };
  if (inputs.adopt !== undefined && inputs.adopt !== null && inputs.adopt !== false) {
    return { inputs, failures: [{ property: "name", reason: "adopt takes over an existing object, which keeps its name: give `name` (an auto-generated name never matches an existing object)" }] };
  }
  if (typeof logical !== "string" || !logical) return { inputs, failures: [{ property: "name", reason: "name is required" }] };
  const suffix = `-${randomBytes(4).toString("hex").slice(0, 7)}`;
  const base = rule.clean(logical).slice(0, rule.maxLength - suffix.length);
  return { inputs: { ...inputs, name: `${base}${suffix}` }, failures: [] };
}

/** A failure to report from `check`: `{property, reason}`. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/**
 * Validates inputs against a zod schema, skipping any property whose value is not known yet.
 * Returns the failures, one per problem, with the property path joined by dots.
 */
export function schemaFailures(schema: ZodType, news: Props): CheckFailure[] {
  const { __provider: _ignored, ...inputs } = news;
  const result = schema.safeParse(inputs);
  if (result.success) return [];
  return result.error.issues
    .filter((issue) => !containsUnknown(inputs[String(issue.path[0])]))
    .map((issue) => ({ property: issue.path.map(String).join("."), reason: issue.message }));
}

/**
 * Whether a new spelling of "where" (a space, a user) means what the old one resolved to: `Spaces-1`,
 * `Default` and nothing (when Spaces-1 is the default) are one space. Equal strings, or the new one
 * being the resolved id, need no request; otherwise `resolve` (a per-process cached lookup) decides.
 * Anything unknown or unresolvable is a difference, as before.
 */
export async function sameResolved(oldGiven: unknown, newGiven: unknown, oldResolved: unknown, resolve: (given: string | undefined) => Promise<string>): Promise<boolean> {
  if ((oldGiven ?? null) === (newGiven ?? null)) return true;
  if (newGiven !== undefined && newGiven !== null && newGiven === oldResolved) return true;
  if (typeof oldResolved !== "string" || !oldResolved || containsUnknown(newGiven) || (newGiven !== undefined && newGiven !== null && typeof newGiven !== "string")) return false;
  try {
    return (await resolve((newGiven as string | null) ?? undefined)) === oldResolved;
  } catch {
    return false;
  }
}

/**
 * Whether the object moved: the place its connection settings now resolve to (`now`) is not the
 * `endpoint` it recorded at create. A move given in the resource's own `connection` argument
 * (`givenInArgument`) replaces the object: the old one is deleted with the connection the state
 * holds. A move that comes from stack config or the environment is an error with the way out
 * (core/connection movedError), since the state's object would otherwise be forgotten or the wrong
 * one touched. States written before `endpoint` was recorded, and settings not known yet, never move.
 */
export async function endpointMoved(
  resource: string,
  id: string,
  olds: Props,
  news: Props,
  now: () => Promise<string | undefined> | string | undefined,
  same: (recorded: unknown, now: string) => boolean,
  givenInArgument: (connection: any) => boolean,
): Promise<boolean> {
  if (olds.endpoint === undefined || olds.endpoint === null || containsUnknown(news.connection)) return false;
  let where: string | undefined;
  try {
    where = await now();
  } catch {
    return false; // unresolvable settings: the operation itself reports them
  }
  if (where === undefined || same(olds.endpoint, where)) return false;
  if (givenInArgument(news.connection)) return true;
  throw movedError(resource, id, describeEndpoint(olds.endpoint), where);
}

function describeEndpoint(endpoint: unknown): string {
  if (typeof endpoint === "string") return endpoint;
  if (endpoint && typeof endpoint === "object") {
    const e = endpoint as Record<string, unknown>;
    return [e.authUrl, e.region ? `(region ${String(e.region)})` : ""].filter(Boolean).join(" ");
  }
  return String(endpoint);
}

/** One property in a diff. */
export interface DiffField {
  name: string;
  /** A change replaces the resource. */
  replaces?: boolean;
  /** Custom equality (normalised comparison); default deep JSON equality. */
  equal?: (a: any, b: any) => boolean;
}

/**
 * Compares old outputs with new inputs over the given fields, and the serialized provider itself (so
 * new provider code reaches state; pulumi/pulumi#6490). Unknown new values count as changes.
 */
export function diffProps(olds: Props, news: Props, fields: readonly DiffField[], options: { deleteBeforeReplace?: boolean } = {}): DiffOutcome {
  const changed: string[] = [];
  const replaces: string[] = [];
  for (const field of fields) {
    const a = olds[field.name];
    const b = news[field.name];
    const same = containsUnknown(b) ? false : field.equal ? field.equal(a, b) : jsonEqual(a, b);
    if (!same) {
      changed.push(field.name);
      if (field.replaces) replaces.push(field.name);
    }
  }
  const providerChanged = olds.__provider !== undefined && news.__provider !== undefined && olds.__provider !== news.__provider;
  return {
    changes: changed.length > 0 || providerChanged,
    changedKeys: changed,
    ...(replaces.length ? { replaces } : {}),
    ...(replaces.length && options.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
  };
}

/**
 * The resource's own inputs out of a props object (outputs or inputs, `__provider` and output-only
 * keys aside), without undefined or null values: what read returns as `inputs` and what create and
 * update work from.
 */
export function inputsFrom<T>(props: Props, keys: readonly string[]): T {
  const out: Props = {};
  for (const key of keys) if (props[key] !== undefined && props[key] !== null) out[key] = props[key];
  return out as T;
}
