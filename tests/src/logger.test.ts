import { usePretty, type LogFormat } from '../../src/logger';

describe('usePretty', () => {
  it.each<[LogFormat, boolean, boolean]>([
    ['auto', true, true],
    ['auto', false, false],
    ['pretty', false, true],
    ['pretty', true, true],
    ['json', true, false],
    ['json', false, false],
  ])('format %s with a terminal=%s → pretty=%s', (format, tty, expected) => {
    expect(usePretty(format, tty)).toBe(expected);
  });
});
