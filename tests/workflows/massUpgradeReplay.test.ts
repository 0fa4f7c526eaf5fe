import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { replayFailures } from '../helpers/temporalEnv';

/**
 * Histories recorded before a change to the rollout workflow must replay under today's code.
 * The fixture is the three runs (continue-as-new every 2 starts) of a fleet rollout recorded
 * by tests/massUpgrade before the patch mass-upgrade-background-starts-first-task: its first
 * run asked for mass-upgrade-background-starts after its first local activity.
 * tests/massUpgrade replays the histories today's code records.
 */
describe('mass upgrade histories from before the first-task patch', () => {
  const fixture = join(__dirname, '../fixtures/histories/mass-upgrade-before-first-task-patch.json');
  const runs = (JSON.parse(readFileSync(fixture, 'utf8')) as { workflowId: string; history: unknown }[]).map((r) => ({
    workflowId: r.workflowId,
    history: historyFromJSON(r.history),
  }));

  /** The run's markers in order: a patch by its id, a local activity as "local activity". */
  const markers = (i: number) =>
    runs[i].history.events!.flatMap((e) => {
      const m = e.markerRecordedEventAttributes;
      if (!m) return [];
      if (m.markerName !== 'core_patch') return ['local activity'];
      return [JSON.parse(Buffer.from(m.details!['patch-data'].payloads![0].data!).toString()).id as string];
    });

  it('holds the shape the patch is about: the first run asks for the old patch after a local activity', () => {
    expect(runs).toHaveLength(3);
    expect(markers(0).slice(0, 3)).toEqual(['mass-upgrade-local-bookkeeping', 'local activity', 'mass-upgrade-background-starts']);
    expect(markers(1).slice(0, 2)).toEqual(['mass-upgrade-local-bookkeeping', 'mass-upgrade-background-starts']);
    expect(runs.flatMap((_, i) => markers(i))).not.toContain('mass-upgrade-background-starts-first-task');
  });

  it('replays every run under the current workflow code', async () => {
    expect(await replayFailures(runs)).toEqual([]);
  });
});
