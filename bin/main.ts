// The CLI itself. scripts/bundle.mjs makes it one CommonJS file, dist/bin/main.js, that the
// launcher (bin/dj.ts) compiles through V8's code cache.
import { runCli } from "../src/cli.js";

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
