/** "1 row", "2 rows", "0 rows": a count with its noun in agreement (for messages of every layer). */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}
