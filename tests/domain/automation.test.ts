import { autoUpdateDecision, type AutoUpdateCandidate } from '../../domain/autoUpdate';
import { massUpgradeEventFor } from '../../domain/notifications/events';
import { nextAttemptDelayMs } from '../../domain/notifications/retry';
import { signatureMatches, signBody } from '../../domain/signature';

const base: AutoUpdateCandidate = {
  enabled: true,
  pausedAt: null,
  releaseVersion: '1.0.0',
  canUpgrade: true,
  maxPerWeek: 5,
  updatesThisWeek: 0,
};

describe('autoUpdateDecision', () => {
  it.each<[string, Partial<AutoUpdateCandidate>, string | null, object]>([
    ['behind and under the cap', {}, '2.0.0', { upgradeTo: '2.0.0' }],
    ['one below the cap', { updatesThisWeek: 4 }, '2.0.0', { upgradeTo: '2.0.0' }],
    ['at the cap', { updatesThisWeek: 5 }, '2.0.0', { skip: 'weekly cap of 5 auto-updates reached' }],
    ['off', { enabled: false }, '2.0.0', { skip: 'auto-update is off' }],
    ['paused', { pausedAt: new Date('2026-12-01T00:00:00Z') }, '2.0.0', { skip: 'auto-update paused since 2026-12-01T00:00:00.000Z' }],
    ['on the newest', {}, '1.0.0', { skip: 'already on the newest active release' }],
    ['no release at all', {}, null, { skip: 'already on the newest active release' }],
    ['busy or failed', { canUpgrade: false }, '2.0.0', { skip: 'its status does not allow an upgrade now' }],
  ])('%s', (_name, patch, newest, expected) => {
    expect(autoUpdateDecision({ ...base, ...patch }, newest)).toEqual(expected);
  });
});

describe('delivery backoff', () => {
  const p = { initialDelayMs: 1000, maxDelayMs: 5000, maxAttempts: 5 };
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 5000],
    [5, null],
    [9, null],
  ])('after %i failed attempts waits %p', (attempts, delay) => {
    expect(nextAttemptDelayMs(attempts, p)).toBe(delay);
  });
});

describe('mass-upgrade events', () => {
  it.each([
    [null, 'running', 'mass_upgrade.started'],
    ['running', 'running', null],
    ['running', 'paused', 'mass_upgrade.paused'],
    ['paused', 'running', null],
    ['halting', 'halted', 'mass_upgrade.halted'],
    ['running', 'baking', null],
    ['baking', 'completed', 'mass_upgrade.completed'],
  ])('%p -> %p is %p', (prev, next, event) => {
    expect(massUpgradeEventFor(prev, next)).toBe(event);
  });
});

describe('HMAC signatures (X-Hub-Signature-256)', () => {
  const body = Buffer.from('{"version":"2.0.0"}');
  it('accepts its own signature and the known GitHub example', () => {
    expect(signatureMatches('s3cret', body, signBody('s3cret', body))).toBe(true);
    // GitHub's documented test vector: secret "It's a Secret to Everybody", payload "Hello, World!".
    expect(
      signatureMatches(
        "It's a Secret to Everybody",
        Buffer.from('Hello, World!'),
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      ),
    ).toBe(true);
  });
  it.each([
    ['missing', undefined],
    ['another secret', signBody('other', body)],
    ['no prefix', signBody('s3cret', body).slice(7)],
    ['sha1 scheme', 'sha1=' + 'a'.repeat(40)],
    ['truncated', signBody('s3cret', body).slice(0, 40)],
    ['not hex', 'sha256=' + 'z'.repeat(64)],
  ])('refuses %s', (_n, sig) => {
    expect(signatureMatches('s3cret', body, sig)).toBe(false);
  });
  it('refuses a signature of a different body', () => {
    expect(signatureMatches('s3cret', Buffer.from('{"version":"2.0.1"}'), signBody('s3cret', body))).toBe(false);
  });
});
