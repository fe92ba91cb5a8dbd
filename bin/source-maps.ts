// The binary is bundled and minified (scripts/bundle.mjs). With --verbose or DJ_DEBUG=1, stack
// traces of the chunks loaded from here on (every command) point into the sources through the
// maps beside them. Imported first by dj.ts, so it runs before any command module loads.
if (process.argv.includes("-v") || process.argv.includes("--verbose") || process.env.DJ_DEBUG === "1") process.setSourceMapsEnabled(true);
