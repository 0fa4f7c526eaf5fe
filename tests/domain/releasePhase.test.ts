import { irreversibleCrossed, migrationName, ReleaseStepSchema, type ReleaseMigration } from '../../domain/releasePhase';
import { previewHostname, previewRouteId } from '../../domain/preview';

const irreversible = (version: string, name?: string): ReleaseMigration => ({ version, migration: { reversible: false, name } });
const ordered: ReleaseMigration[] = [
  { version: '1.0.0' },
  irreversible('2.0.0', 'drop-sessions'),
  { version: '2.1.0', migration: { reversible: true } },
  irreversible('3.0.0'),
  { version: '3.1.0' },
];

describe('irreversibleCrossed', () => {
  it.each<[string | null, string, string[]]>([
    ['3.1.0', '1.0.0', ['2.0.0', '3.0.0']],
    ['3.1.0', '2.1.0', ['3.0.0']],
    ['3.1.0', '3.0.0', []],
    ['3.0.0', '2.1.0', ['3.0.0']],
    ['2.0.0', '1.0.0', ['2.0.0']],
    ['2.1.0', '2.0.0', []],
    ['1.0.0', '3.1.0', []],
    ['3.1.0', '3.1.0', []],
    [null, '1.0.0', []],
    ['3.1.0', 'unknown', []],
    ['unknown', '1.0.0', []],
  ])('from %s to %s crosses %j', (from, to, expected) => {
    expect(irreversibleCrossed(ordered, from, to).map((r) => r.version)).toEqual(expected);
  });

  it('names a migration by its name, else by its release', () => {
    expect(migrationName(ordered[1])).toBe('drop-sessions');
    expect(migrationName(ordered[3])).toBe('migration of release 3.0.0');
  });
});

describe('ReleaseStepSchema', () => {
  it.each<[unknown, boolean]>([
    [{ command: ['node', 'migrate.js'] }, true],
    [{ service: 'migrate', timeoutSeconds: 60 }, true],
    [{ command: ['x'], service: 'web' }, false],
    [{}, false],
    [{ command: [] }, false],
    [{ command: ['x'], timeoutSeconds: 3601 }, false],
    [{ command: ['x'], extra: 1 }, false],
  ])('%j valid: %s', (step, ok) => {
    expect(ReleaseStepSchema.safeParse(step).success).toBe(ok);
  });
  it('defaults the timeout to 300 s', () => {
    expect(ReleaseStepSchema.parse({ command: ['x'] }).timeoutSeconds).toBe(300);
  });
});

describe('preview names', () => {
  it.each([
    ['d-abc.localhost', 'd-abc--preview.localhost'],
    ['d-abc.apps.example.com', 'd-abc--preview.apps.example.com'],
    ['d-abc', 'd-abc--preview'],
  ])('%s → %s', (host, preview) => {
    expect(previewHostname(host)).toBe(preview);
  });
  it('gives the preview a route id of its own', () => {
    expect(previewRouteId('d-abc')).toBe('d-abc--preview');
  });
});
