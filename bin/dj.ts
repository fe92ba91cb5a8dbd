#!/usr/bin/env node
// The binary is bundled and minified (scripts/bundle.mjs); with --verbose or DJ_DEBUG=1 stack
// traces point into the sources through the maps beside it (chunks loaded from here on).
if (process.argv.includes("-v") || process.argv.includes("--verbose") || process.env.DJ_DEBUG === "1") process.setSourceMapsEnabled(true);
const { runCli } = await import("../src/cli.js");

process.exitCode = await runCli(process.argv.slice(2));
