// A throwaway project in which this package is *installed* (a real copy under node_modules, as npm
// would lay it out), for tests that must see what a user's program sees: how Pulumi serializes the
// providers of an installed package, and whether that text runs in a fresh process.

import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "./host";

export interface InstalledProject {
  dir: string;
  /** Runs a CommonJS script in the project directory and returns its stdout (asynchronously, so servers in this process keep answering). */
  run(script: string, env?: Record<string, string>): Promise<string>;
  remove(): void;
}

/**
 * `copy` (default): package.json and the built dist/src copied into `<tmp>/node_modules/pulumi-access-keys`,
 * as `npm install pulumi-access-keys` lays it out. `link`: `node_modules/pulumi-access-keys` is a
 * symlink to this checkout, as `npm install ../pulumi-access-keys`, a `file:` dependency, a workspace or
 * `npm link` make it, and Node resolves the package to its real path, outside any node_modules.
 * Every dependency is linked.
 */
export function makeInstalledProject(layout: "copy" | "link" = "copy"): InstalledProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pak-${layout === "copy" ? "installed" : "linked"}-`));
  const modules = path.join(dir, "node_modules");
  const pkg = path.join(modules, "pulumi-access-keys");
  if (layout === "copy") {
    fs.mkdirSync(path.join(pkg, "dist"), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, "package.json"), path.join(pkg, "package.json"));
    fs.cpSync(path.join(REPO_ROOT, "dist", "src"), path.join(pkg, "dist", "src"), { recursive: true });
  } else {
    fs.mkdirSync(modules, { recursive: true });
    fs.symlinkSync(REPO_ROOT, pkg, "dir");
  }
  for (const entry of fs.readdirSync(path.join(REPO_ROOT, "node_modules"))) {
    if (entry === "pulumi-access-keys" || entry === ".bin" || entry.startsWith(".")) continue;
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules", entry), path.join(modules, entry), "dir");
  }
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "installed-test", private: true }));
  return {
    dir,
    async run(script, env = {}) {
      const file = path.join(dir, `script-${Date.now()}-${Math.random().toString(36).slice(2)}.js`);
      fs.writeFileSync(file, script);
      try {
        // Dependencies are symlinks into this checkout; preserving them keeps every module's path
        // under this project's node_modules, as in a real install (Pulumi's serializer looks there).
        return await new Promise<string>((resolve, reject) => {
          execFile(
            process.execPath,
            [file],
            { cwd: dir, env: { ...process.env, ...(layout === "copy" ? { NODE_PRESERVE_SYMLINKS: "1" } : {}), ...env }, encoding: "utf8", timeout: 60_000 },
            (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
          );
        });
      } finally {
        fs.rmSync(file, { force: true });
      }
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
