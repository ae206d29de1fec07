// A preload that CPU-profiles a Node.js process Pulumi starts (the program, the provider host), for
// looking into a bench figure. Node 20 refuses --cpu-prof in NODE_OPTIONS, but not --require:
//
//   BENCH_PROFILE_DIR=/tmp/prof NODE_OPTIONS="--require $PWD/dist/bench/profile-hook.js" pulumi up ...
//
// writes one <pid>-<script>.cpuprofile per Node process into BENCH_PROFILE_DIR when it exits (open
// it in Chrome DevTools, or sum self time by file). Not used by `npm run bench` itself.

import * as fs from "node:fs";
import * as inspector from "node:inspector";
import * as path from "node:path";

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 1000 });
  session.post("Profiler.start");
  let written = false;
  const write = (): void => {
    if (written) return;
    written = true;
    // An in-process session answers synchronously, so this completes inside an `exit` handler.
    session.post("Profiler.stop", (error, result) => {
      if (error) return;
      const script = (process.argv[1] ?? "node").split(path.sep).slice(-3).join("_");
      fs.writeFileSync(path.join(dir, `${process.pid}-${script}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.on("exit", write);
  // The engine stops plugins with a signal; write the profile before going.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      write();
      process.exit(0);
    });
  }
}
