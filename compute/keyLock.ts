/**
 * Serialises work per revision key inside one process, so a double start (an activity retry
 * racing its first attempt) cannot launch twice. Across processes each provider relies on
 * its own record: state files for local processes, unique container names for containers.
 */
export function createKeyLocks(): <T>(key: string, fn: () => Promise<T>) => Promise<T> {
  const locks = new Map<string, Promise<unknown>>();
  return function withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = locks.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    locks.set(key, settled);
    void settled.then(() => locks.get(key) === settled && locks.delete(key));
    return next;
  };
}
