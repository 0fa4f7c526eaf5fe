import { apiClient } from './apiClient';
import type { Api } from './hello';
import { startSlipwayStack, type SlipwayStack, type StackOptions } from './slipwayStack';

/**
 * One real stack for the enclosing describe: started before its first test, closed after
 * its last. `onReady` hands the stack and an admin client to the test file's variables.
 */
export function withStack(onReady: (s: SlipwayStack, admin: Api) => void | Promise<void>, opts?: StackOptions): void {
  let stack: SlipwayStack | undefined;
  beforeAll(async () => {
    stack = await startSlipwayStack(opts);
    await onReady(stack, apiClient(stack.apiUrl, stack.adminToken));
  });
  afterAll(async () => {
    await stack?.close();
  });
}
