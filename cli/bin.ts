#!/usr/bin/env -S npx tsx
/** The `financelake` bin (package.json "bin"): runs the CLI through tsx. */
import { main } from "./main";

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
