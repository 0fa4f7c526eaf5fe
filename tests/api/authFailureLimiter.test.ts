import { AuthFailureLimiter } from '../../api/authFailureLimiter';

type Step = [atMs: number, action: 'fail' | 'ok' | 'check', address: string, tokenHash?: string, retryAfter?: number];

/** The rule as a table over a clock the test moves; limit 3 failures per 10 s. */
test.each<[string, Step[]]>([
  [
    'the limit-th failure locks the address until its window ends',
    [
      [0, 'fail', 'a'],
      [100, 'fail', 'a'],
      [200, 'check', 'a', 'x', 0],
      [200, 'fail', 'a'],
      [300, 'check', 'a', 'x', 10],
      [9_500, 'check', 'a', 'x', 1],
      [10_000, 'check', 'a', 'x', 0],
    ],
  ],
  [
    'addresses are counted apart',
    [
      [0, 'fail', 'a'],
      [0, 'fail', 'a'],
      [0, 'fail', 'a'],
      [0, 'check', 'a', 'x', 10],
      [0, 'check', 'b', 'x', 0],
    ],
  ],
  [
    'a token that worked from the address gets through the lock; others do not',
    [
      [0, 'ok', 'a', 'good'],
      [0, 'fail', 'a'],
      [0, 'fail', 'a'],
      [0, 'fail', 'a'],
      [1_000, 'check', 'a', 'good', 0],
      [1_000, 'check', 'a', 'other', 9],
      [1_000, 'check', 'b', 'good', 0],
    ],
  ],
  [
    'a failure after the window ended starts a new window',
    [
      [0, 'fail', 'a'],
      [0, 'fail', 'a'],
      [0, 'fail', 'a'],
      [10_000, 'fail', 'a'],
      [10_000, 'check', 'a', 'x', 0],
    ],
  ],
])('%s', (_name, steps) => {
  let now = 0;
  const limiter = new AuthFailureLimiter({ maxFailures: 3, windowSeconds: 10 }, { now: () => now });
  for (const [at, action, address, tokenHash, expected] of steps) {
    now = at;
    if (action === 'fail') limiter.recordFailure(address);
    if (action === 'ok') limiter.recordSuccess(address, tokenHash!);
    if (action === 'check')
      expect({ at, address, tokenHash, retryAfter: limiter.retryAfterSeconds(address, tokenHash!) }).toEqual({
        at,
        address,
        tokenHash,
        retryAfter: expected,
      });
  }
});
