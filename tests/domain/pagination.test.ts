import {
  CursorError,
  cutPage,
  decodeCursor,
  encodeCursor,
  fingerprint,
  MAX_CURSOR_LENGTH,
  scopeOf,
  type CursorSpec,
  type SortKey,
} from '../../domain/pagination';

const deployments: CursorSpec = { list: 'deployments', key: ['timestamp', 'text'], scope: scopeOf({ tenantId: 'acme' }) };
const logs: CursorSpec = { list: 'operation-logs', key: ['integer'], scope: scopeOf({ operationId: 'op-1' }) };
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('cursor round trip', () => {
  it.each<[string, CursorSpec, SortKey]>([
    ['a (created_at, id) key', deployments, ['2026-12-01T09:42:28.123456Z', 'd-abc123']],
    ['an integer key', logs, [42]],
    ['a key at the epoch', deployments, ['1970-01-01T00:00:00.000000Z', 'd-0000']],
  ])('%s comes back unchanged', (_n, spec, key) => {
    const c = encodeCursor(spec, key);
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(spec, c)).toEqual(key);
  });
});

describe('cursors this list did not make are refused', () => {
  const good = encodeCursor(deployments, ['2026-12-01T09:42:28.123456Z', 'd-abc123']);
  it.each<[string, CursorSpec, string, RegExp]>([
    ['empty', deployments, '', /not a cursor/],
    ['not base64url', deployments, 'a+b/c=', /not a cursor/],
    ['base64 of no JSON', deployments, Buffer.from('hello').toString('base64url'), /not a cursor/],
    ['JSON of another shape', deployments, b64({ k: [] }), /not a cursor/],
    ['a JSON array', deployments, b64([1, 2]), /not a cursor/],
    ['too long', deployments, 'a'.repeat(MAX_CURSOR_LENGTH + 1), /not a cursor/],
    ['from another list', logs, good, /another list \(deployments\)/],
    ['made with other filters (another tenant)', { ...deployments, scope: scopeOf({ tenantId: 'globex' }) }, good, /other filters/],
    ['a key of the wrong length', deployments, b64({ l: 'deployments', q: fingerprint(deployments.scope), k: ['x'] }), /does not fit/],
    [
      'a timestamp that is no time',
      deployments,
      b64({ l: 'deployments', q: fingerprint(deployments.scope), k: ["1'; drop table deployments--", 'd-1'] }),
      /does not fit/,
    ],
    [
      'a day that does not exist',
      deployments,
      b64({ l: 'deployments', q: fingerprint(deployments.scope), k: ['2026-02-30T00:00:00.000000Z', 'd-1'] }),
      /does not fit/,
    ],
    [
      'a timestamp without microseconds',
      deployments,
      b64({ l: 'deployments', q: fingerprint(deployments.scope), k: ['2026-02-03T00:00:00Z', 'd-1'] }),
      /does not fit/,
    ],
    ['a negative integer', logs, b64({ l: 'operation-logs', q: fingerprint(logs.scope), k: [-1] }), /does not fit/],
    ['a fractional integer', logs, b64({ l: 'operation-logs', q: fingerprint(logs.scope), k: [1.5] }), /does not fit/],
    ['a string for an integer', logs, b64({ l: 'operation-logs', q: fingerprint(logs.scope), k: ['1'] }), /does not fit/],
    [
      'an id longer than any id',
      deployments,
      b64({ l: 'deployments', q: fingerprint(deployments.scope), k: ['2026-02-03T00:00:00.000000Z', 'd'.repeat(201)] }),
      /does not fit/,
    ],
  ])('%s', (_n, spec, raw, message) => {
    expect(() => decodeCursor(spec, raw)).toThrow(CursorError);
    expect(() => decodeCursor(spec, raw)).toThrow(message);
  });

  it('refuses to encode a key that does not fit the list', () => {
    expect(() => encodeCursor(logs, ['2026-12-01T09:42:28.123456Z'])).toThrow(CursorError);
  });
});

describe('scopeOf', () => {
  it.each<[Record<string, unknown>, Record<string, unknown>, boolean]>([
    [{ a: 1, b: 'x' }, { b: 'x', a: 1 }, true],
    [{ a: 1, b: undefined }, { a: 1 }, true],
    [{ tenantId: 'acme' }, { tenantId: 'globex' }, false],
    [{ tenantId: null }, { tenantId: 'acme' }, false],
    [{ since: new Date('2026-01-01T00:00:00Z') }, { since: new Date('2026-01-01T00:00:01Z') }, false],
  ])('%j and %j are the same query: %s', (a, b, same) => {
    expect(scopeOf(a) === scopeOf(b)).toBe(same);
  });
});

describe('cutPage', () => {
  const keyOf = (n: number): SortKey => [n];
  it.each<[string, number[], number, number[], SortKey | null]>([
    ['no rows', [], 3, [], null],
    ['fewer rows than the limit', [1, 2], 3, [1, 2], null],
    ['exactly the limit: nothing follows', [1, 2, 3], 3, [1, 2, 3], null],
    ['one more than the limit: the key of the last row shown', [1, 2, 3, 4], 3, [1, 2, 3], [3]],
    ['limit 1', [7, 8], 1, [7], [7]],
  ])('%s', (_n, rows, limit, items, nextKey) => {
    expect(cutPage(rows, limit, keyOf)).toEqual({ items, nextKey });
  });
});
