/**
 * The words of a command line that name the command (`dj codecs check zarr` → codecs, check,
 * zarr): the arguments that are not options, skipping the value of --config, the one global flag
 * that takes one. Read twice before commander parses anything: by commands/program.ts, to declare
 * only the invoked command's options, and by the launcher (bin/dj.ts), to pick the command's code
 * cache. `help` says whether the run only asks for help (`--help`, `-h`, `dj help fetch`,
 * `dj codecs help check`); its word is then left out of `words`.
 */
export function commandWords(argv: readonly string[]): { words: string[]; help: boolean } {
  const words: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--config") i++;
    else if (arg === "--help" || arg === "-h") help = true;
    else if (!arg.startsWith("-")) words.push(arg);
  }
  // `dj help fetch`, and `dj codecs help check` (commander's help subcommand of a group).
  const at = words[0] === "help" ? 0 : words[1] === "help" ? 1 : -1;
  if (at >= 0) words.splice(at, 1);
  return { words, help: help || at >= 0 };
}
