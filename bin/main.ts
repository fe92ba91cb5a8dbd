// The CLI itself. scripts/bundle.mjs makes it one CommonJS file, dist/bin/main.js, that the
// launcher (bin/dj.ts) compiles through V8's code cache.
import { runCli } from "../src/cli.js";

// A command left waiting on a promise nothing will settle would let the event loop run dry and
// Node exit 0, as if it had worked (an ES module's top-level await exited 13 there). Such an end
// is made exit 1, said in one line, and leaves no code cache (bin/dj.ts checks the code after
// this listener). Not by setting exitCode early: commander reads it for its help's exit code.
let settled = false;
process.once("exit", (code) => {
  if (settled || code !== 0) return;
  process.exitCode = 1;
  process.stderr.write("dj: the command stopped before it finished; this is a bug in dj, please report it with the output of --verbose\n");
});
runCli(process.argv.slice(2)).then((code) => {
  settled = true;
  process.exitCode = code;
});
