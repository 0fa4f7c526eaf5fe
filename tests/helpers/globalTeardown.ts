import { promises as fs } from 'node:fs';
import { STACK_KEY, type TestStack } from './globalSetup';

/** Stops what globalSetup started; each step runs even if another fails. */
export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as Record<string, unknown>)[STACK_KEY] as TestStack | undefined;
  if (!stack) return;
  delete (globalThis as Record<string, unknown>)[STACK_KEY];
  const results = await Promise.allSettled([stack.temporal?.stop(), stack.postgres?.stop()]);
  await fs.rm(stack.tmpDir, { recursive: true, force: true });
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}
