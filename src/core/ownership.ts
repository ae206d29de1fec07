// The one rule by which a create may call an object it finds its own (DESIGN.md §2, "Ownership").
//
// A create whose outcome is unknown (a timeout, a connection lost after sending, a 5xx: a load
// balancer's 503 usually means "never reached the service", but not always) must look before it sends
// again, or it may duplicate the object. What it finds by name is its own work only with proof:
//   1. the object did not exist before the create sent anything (core/names.ts knows what existed:
//      one listing per scope and process, kept true by this process's own changes), and
//   2. it holds what was declared (the key's fingerprint, the username and settings, the type): each
//      resource judges this with the same function its recovery uses.
// Without both, the create fails with an OwnershipError that names the object and how to adopt it;
// it never adopts, changes or deletes it. With both, the object is returned, or, when it is this
// create's work but useless (a generated key pair whose private key was only in the lost answer),
// deleted (proven ours) and the create sent again.
//
// Residual window, documented in docs/RELIABILITY.md: an object made by someone else, with the same
// name and the same declared content, after this process listed the scope and before this create's
// ambiguous request, would pass both tests. For a key that is a copy of the same key, with the same
// settings: taking it over changes nothing anyone relies on.

import { OwnershipError, ResponseValidationError } from "./errors";
import { createWithLookup } from "./http";

/** How one resource judges what it finds after an ambiguous create. */
export interface OwnershipJudge<T> {
  /** "Octopus account" */
  kind: string;
  /** The object with the create's name now, if any (the newest one not known before, where names repeat). */
  find(): Promise<T | undefined>;
  /** Whether the object was known before this create sent anything. */
  existedBefore(found: T): Promise<boolean>;
  /** Why the object does not hold what was declared, or undefined when it does. */
  mismatch(found: T): string | undefined;
  /** Names the object, for messages: "Accounts-3 ('deploy') in Spaces-1". */
  describe(found: T): string;
  /** How to take it over: "set `adopt: \"Accounts-3\"`". */
  adoptHint(found: T): string;
  /**
   * For an object proven to be this create's work that the state cannot hold (its secret was in the
   * lost answer): remove it, so the create can be sent again. Absent: such an object is returned.
   */
  discard?(found: T): Promise<void>;
  /**
   * For a create whose answer arrived but could not be read (the object was made): the id and the
   * outputs (nothing secret) to give the engine for the object found and proven to be this create's,
   * so the engine records it instead of orphaning it.
   */
  record(found: T): { id: string; properties?: Record<string, unknown> };
}

/** Whether `found` is provably this create's work (see the rule above); the reason when it is not. */
async function unproven<T>(judge: OwnershipJudge<T>, found: T): Promise<"existed" | string | undefined> {
  if (await judge.existedBefore(found)) return "existed";
  return judge.mismatch(found);
}

/**
 * Sends a create; after an ambiguous failure, finds what the name holds and applies the rule above.
 * Retries only while nothing was found (or what was found was proven ours and discarded). When the
 * answer came but cannot be read, the object found and proven to be the create's is recorded on the
 * error (id and outputs), so the engine keeps it; an unproven one is left out of it.
 */
export async function createOwned<T>(send: () => Promise<T>, judge: OwnershipJudge<T>): Promise<T> {
  try {
    return await createWithLookup(send, async (error) => {
      const found = await judge.find();
      if (found === undefined) return undefined;
      const what = `${judge.kind} ${judge.describe(found)}`;
      const cause = error instanceof Error ? error.message : String(error);
      const why = await unproven(judge, found);
      if (why === "existed") {
        throw new OwnershipError(
          what,
          `the create's outcome is unknown (${cause}), and ${what} holds the name but existed before this create: it is not this stack's, and was left as it is. ` +
            `To manage it with this resource, ${judge.adoptHint(found)}; or choose another name`,
        );
      }
      if (why) {
        throw new OwnershipError(
          what,
          `the create's outcome is unknown (${cause}), and ${what} holds the name but not what was declared (${why}): nothing proves it is this create's work, so it was left as it is. ` +
            `Check who made it; to manage it with this resource, ${judge.adoptHint(found)}; or choose another name`,
        );
      }
      if (!judge.discard) return found;
      await judge.discard(found);
      return undefined;
    });
  } catch (error) {
    if (ResponseValidationError.isInstance(error)) {
      const found = await judge.find().catch(() => undefined);
      if (found !== undefined && !(await unproven(judge, found).catch(() => "unknown"))) Object.assign(error, judge.record(found));
    }
    throw error;
  }
}
