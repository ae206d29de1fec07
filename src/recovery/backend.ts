// What a SIGKILL leaves in a file:// backend (a "DIY" backend on local disk), besides pending
// operations, and how recovery deals with it. Checked with Pulumi 3.248 (gocloud.dev fileblob v0.46):
//
// - Truncated sidecars. Every blob (the checkpoint, its backup, locks, history) has a `<file>.attrs`
//   sidecar (content type, MD5) that fileblob rewrites in place, truncating first, just before it
//   renames the new blob into place. A kill in between leaves an empty `.attrs`, and from then on every
//   command that reads that blob fails with `failed to load checkpoint: EOF`, `pulumi cancel` included.
//   The blob itself is intact (the rename never happened) and a missing sidecar is read as defaults, so
//   removing an unreadable sidecar repairs it.
// - The lock. The killed update's lock file stays, and every command that writes the stack refuses to
//   run until `pulumi cancel` removes it. `pulumi cancel` cannot tell whether the update is still
//   running; the lock records the pid and host, so recovery can: on the same host, a lock whose process
//   is gone is stale.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The directory of a file:// backend URL, or undefined for any other backend. */
export function fileBackendRoot(url: string | undefined): string | undefined {
  if (!url?.startsWith("file://")) return undefined;
  const bare = url.replace(/\?.*$/, "");
  if (bare === "file://~" || bare.startsWith("file://~/")) return path.join(os.homedir(), bare.slice("file://~".length));
  return fileURLToPath(bare);
}

/**
 * Removes the sidecar files under `<root>/.pulumi` that a kill left unreadable (not JSON). Returns
 * their paths, relative to the root. Readable sidecars are never touched.
 */
export function repairTruncatedSidecars(root: string): string[] {
  const repaired: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith(".attrs") && !isJson(fs.readFileSync(p, "utf8"))) {
        fs.rmSync(p);
        repaired.push(path.relative(root, p));
      }
    }
  };
  const meta = path.join(root, ".pulumi");
  if (fs.existsSync(meta)) walk(meta);
  return repaired;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A lock file of a file backend, and whether its update can still be running. */
export interface StackLock {
  file: string;
  pid?: number;
  hostname?: string;
  timestamp?: string;
  /** On this host, and its process is gone: the update is over. Undefined: cannot tell. */
  stale: boolean | undefined;
}

/** The lock files of one stack (project-scoped layout, and the legacy one). */
export function stackLocks(root: string, project: string, stack: string): StackLock[] {
  const dirs = [path.join(root, ".pulumi", "locks", "organization", project, stack), path.join(root, ".pulumi", "locks", stack)];
  return dirs.flatMap((dir) =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => f.endsWith(".json"))
          .map((f) => describeLock(path.join(dir, f)))
      : [],
  );
}

function describeLock(file: string): StackLock {
  let info: { pid?: unknown; hostname?: unknown; timestamp?: unknown } = {};
  try {
    info = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return { file, stale: undefined };
  }
  const pid = typeof info.pid === "number" ? info.pid : undefined;
  const hostname = typeof info.hostname === "string" ? info.hostname : undefined;
  const sameHost = hostname !== undefined && hostname === os.hostname();
  return {
    file,
    ...(pid !== undefined ? { pid } : {}),
    ...(hostname !== undefined ? { hostname } : {}),
    ...(typeof info.timestamp === "string" ? { timestamp: info.timestamp } : {}),
    stale: sameHost && pid !== undefined ? !processExists(pid) : undefined,
  };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
