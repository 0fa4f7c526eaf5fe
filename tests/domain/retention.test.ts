import { retentionPlan, type RetentionRelease } from '../../domain/retention';

const rel = (version: string, day: number, images: string[], artifactDigest: string | null = null, appId = 'a'): RetentionRelease => ({
  appId,
  version,
  createdAt: new Date(Date.UTC(2026, 0, day)),
  images,
  artifactDigest,
});

const releases = [
  rel('1', 1, ['r/web@sha256:1', 'r/db@sha256:d'], 'sha256:art1'),
  rel('2', 2, ['r/web@sha256:2', 'r/db@sha256:d'], 'sha256:art1'),
  rel('3', 3, ['r/web@sha256:3', 'r/db@sha256:d'], 'sha256:art3'),
  rel('4', 4, ['r/web@sha256:4', 'r/db@sha256:d']),
  rel('9', 1, ['r/other@sha256:9'], 'sha256:art9', 'b'),
];

describe('retentionPlan', () => {
  it.each<[string, { appId: string; version: string }[], number, string[], string[]]>([
    [
      'keeps the newest per app; removes what only older releases use',
      [],
      1,
      ['r/web@sha256:1', 'r/web@sha256:2', 'r/web@sha256:3'],
      ['sha256:art1', 'sha256:art3'],
    ],
    [
      'never removes what a deployment serves or names as previous',
      [
        { appId: 'a', version: '1' },
        { appId: 'a', version: '2' },
      ],
      1,
      ['r/web@sha256:3'],
      ['sha256:art3'],
    ],
    ["keeps a warm revision's release", [{ appId: 'a', version: '3' }], 1, ['r/web@sha256:1', 'r/web@sha256:2'], ['sha256:art1']],
    ['keeps everything within keepNewest', [], 4, [], []],
    [
      'a shared image stays while one kept release uses it',
      [],
      1,
      ['r/web@sha256:1', 'r/web@sha256:2', 'r/web@sha256:3'],
      ['sha256:art1', 'sha256:art3'],
    ],
  ])('%s', (_n, referenced, keepNewest, images, artifacts) => {
    const plan = retentionPlan({ releases, referenced, keepNewest });
    expect(plan.removeImages).toEqual(images);
    expect(plan.removeArtifacts).toEqual(artifacts);
    expect(plan.removeImages).not.toContain('r/db@sha256:d');
    expect(plan.kept).toContainEqual({ appId: 'b', version: '9' });
  });
});
