/**
 * The idle deadline for a streamed result (dj fetch --format csv|jsonl on MySQL): mysql2's own
 * `timeout` counts the whole query, which would cut off a long export; this one counts only the
 * wait for each next row.
 */

/**
 * The rows of a stream, each within `idleMs` of asking for it: a server that stops sending rows
 * fails the read as a stalled statement (the connection is destroyed first). The clock runs only
 * while dj waits for the server, not while the caller writes a batch out.
 */
export async function* withIdleDeadline<Row>(rows: AsyncIterable<Row>, idleMs: number, abandon: () => void): AsyncGenerator<Row> {
  const it = rows[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const next = it.next();
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          next.catch(() => {}); // it fails once the connection is gone; the stall is the error
          abandon();
          reject(Object.assign(new Error(`no row within ${idleMs} ms`), { code: "PROTOCOL_SEQUENCE_TIMEOUT", $djOp: "SELECT" }));
        }, idleMs);
      });
      let step: IteratorResult<Row>;
      try {
        step = await Promise.race([next, stalled]);
      } finally {
        // Stopped before the row is handed on: the caller's time with it is not the server's.
        clearTimeout(timer);
      }
      if (step.done) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } finally {
    // A consumer that stops early (a closed pipe, a failed write) ends the source stream too,
    // as a plain for-await would: mysql2 resumes and releases the connection's socket then.
    // Not awaited: after a stall the connection is gone and the stream may never report closed.
    if (!finished) it.return?.()?.catch(() => {});
  }
}
