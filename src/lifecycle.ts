/**
 * Resources that must be released on every exit path (database pools, S3 clients). Services
 * register a closer when they open something; `runCli` calls `closeAll()` in its `finally`.
 */
type Closer = () => Promise<void> | void;

const closers = new Set<Closer>();

export function onClose(closer: Closer): () => void {
  closers.add(closer);
  return () => closers.delete(closer);
}

export async function closeAll(): Promise<void> {
  const pending = [...closers];
  closers.clear();
  await Promise.allSettled(pending.map(async (close) => close()));
}
