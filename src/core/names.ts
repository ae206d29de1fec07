// What one provider process knows of the names in one scope: an Octopus space, an HCP Terraform
// organization, a Nova user. One listing per scope per process, then every create, rename and delete
// this process makes, so that the knowledge stays true for the rest of the run.
//
// It answers two questions, the same way for every resource:
// - "did an object with this name exist before this create sent anything?", the first half of the
//   proof that an object found after an ambiguous create is this create's work (core/ownership.ts);
// - "is another create in this process making this name right now?": a create claims its name before
//   it looks, and holds the claim until its answer is recorded, so two resources of one stack with
//   one name never both pass the check (HCP Terraform would make both; Octopus and Nova would refuse
//   one of them after the other's object exists).
//
// Objects made elsewhere after the listing are not known; see ownership.ts for what that allows.

import { InputError } from "./errors";

/** One object as the scope knows it. */
export interface NamedObject {
  id: string;
  name: string;
  /** What kind of object it is, where the scope holds several (an Octopus account's type), for messages. */
  type?: string;
}

interface Scope {
  listing: Promise<Map<string, NamedObject>> | undefined;
  claims: Set<string>;
}

const scopes = new Map<string, Scope>();

/** Forgets every scope (tests). */
export function resetNameScopes(): void {
  scopes.clear();
}

/**
 * The names in one scope. `key` identifies the scope and the credential (different credentials may
 * see different objects); `list` lists the scope; `fold` maps a name to the form the service compares
 * (Octopus compares names without regard to letter case; HCP Terraform and Nova compare them exactly).
 */
export class NameScope {
  private readonly scope: Scope;

  constructor(
    key: string,
    private readonly list: () => Promise<NamedObject[]>,
    private readonly fold: (name: string) => string = (name) => name,
  ) {
    let scope = scopes.get(key);
    if (!scope) {
      scope = { listing: undefined, claims: new Set() };
      scopes.set(key, scope);
    }
    this.scope = scope;
  }

  private objects(): Promise<Map<string, NamedObject>> {
    let pending = this.scope.listing;
    if (!pending) {
      pending = this.list().then((all) => new Map(all.map((o) => [o.id, { ...o }])));
      this.scope.listing = pending;
      pending.catch(() => {
        if (this.scope.listing === pending) this.scope.listing = undefined;
      });
    }
    return pending;
  }

  /** The objects known to hold this name (as the service compares names). */
  async named(name: string): Promise<NamedObject[]> {
    const wanted = this.fold(name);
    return [...(await this.objects()).values()].filter((o) => this.fold(o.name) === wanted);
  }

  /** Whether the object with this id was known before (listed, or made or renamed by this process). */
  async knows(id: string): Promise<boolean> {
    return (await this.objects()).has(id);
  }

  /**
   * Claims a name for one create in this process, or fails naming the property when another create
   * holds it. Returns the release, to call once the create's outcome is recorded (or it failed).
   */
  claim(name: string, what: string): () => void {
    const folded = this.fold(name);
    if (this.scope.claims.has(folded)) {
      throw new InputError("name", `another resource of this stack is creating ${what} named '${name}' right now; names must be unique: give each resource its own name`);
    }
    this.scope.claims.add(folded);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.scope.claims.delete(folded);
    };
  }

  // The three records below change a listing that exists and never make one: an update or a delete
  // alone sends no listing request.

  /** Records an object this process made, or proved to be its own. */
  async added(object: NamedObject): Promise<void> {
    (await this.scope.listing?.catch(() => undefined))?.set(object.id, { ...object });
  }

  /** Records a rename this process made. */
  async renamed(id: string, name: string): Promise<void> {
    const known = await this.scope.listing?.catch(() => undefined);
    known?.set(id, { ...known.get(id), id, name });
  }

  /** Records a delete this process made (or found done). */
  async removed(id: string): Promise<void> {
    (await this.scope.listing?.catch(() => undefined))?.delete(id);
  }
}
