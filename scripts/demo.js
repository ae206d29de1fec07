#!/usr/bin/env node
// Placeholder until the end-to-end demo lands (it needs the Pulumi CLI, which the end-to-end work
// installs): says so instead of failing obscurely.
"use strict";
console.log(
  [
    "The pulumi-access-keys demo (a stack run with the Pulumi CLI against the bundled emulators) is not here yet.",
    "Until it is: `npm test` runs every suite against the emulators, and examples/ holds one program per resource",
    "that you can run with `pulumi up` against your own Octopus server.",
  ].join("\n"),
);
