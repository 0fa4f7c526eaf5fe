import { casRevisionStatus, liveRevisions } from '../db/queries/revisions';
import { FailureType } from '../domain/failures';
import { RouterUnsupportedError } from '../ports/traffic';
import { nonRetryable } from './failure';
import type { Counters } from '../domain/strategy';
import type { ActivityDeps } from './deps';
import { phaseLog } from './operationLog';
import type { RevisionRef } from '../contract/deployPhases';

/**
 * Route edits for strategies that move traffic gradually (rolling, canary). Only one
 * operation runs per deployment, so reading the route and writing it back is safe; each
 * write replaces the whole upstream set atomically.
 */
export function createRouteSetActivities(deps: ActivityDeps) {
  return {
    async servingRevisions(input: { deploymentId: string }): Promise<RevisionRef[]> {
      return (await liveRevisions(deps.db, input.deploymentId))
        .filter((r) => r.status === 'serving' && r.url)
        .map((r) => ({ key: r.key, url: r.url as string }));
    },

    /** Sets the upstream set with weights; revisions that join it are recorded as serving. */
    async setUpstreams(input: {
      operationId: string;
      deploymentId: string;
      hostname: string;
      upstreams: (RevisionRef & { weight: number })[];
      step: string;
    }): Promise<void> {
      try {
        await deps.router.setRoute({
          deploymentId: input.deploymentId,
          hostname: input.hostname,
          upstreams: input.upstreams,
          suspended: null,
        });
      } catch (err) {
        if (err instanceof RouterUnsupportedError) throw nonRetryable(FailureType.UnsupportedByRouter, err.message);
        throw err;
      }
      for (const u of input.upstreams)
        await casRevisionStatus(deps.db, u.key, ['starting', 'ready', 'warm'], 'serving', { retire_token: null });
      const summary = input.upstreams.map((u) => `${u.key}×${u.weight}`).join(', ');
      await phaseLog(deps, input.operationId, 'switchTraffic')(`route-${input.step}`, `route: ${summary}`);
    },

    /** Cumulative router counters (finished requests and their 5xx) summed per group of revision keys. */
    async routeCounters(input: { deploymentId: string; groups: Record<string, string[]> }): Promise<Record<string, Counters>> {
      const stats = await deps.router.stats(input.deploymentId);
      const out: Record<string, Counters> = {};
      for (const [name, keys] of Object.entries(input.groups)) {
        const ups = (stats?.upstreams ?? []).filter((u) => keys.includes(u.key));
        out[name] = {
          requests: ups.reduce((n, u) => n + (u.finished ?? u.requests), 0),
          errors5xx: ups.reduce((n, u) => n + u.errors5xx, 0),
        };
      }
      return out;
    },

    /** One line in the operation log from workflow code (which has no I/O of its own). */
    async note(input: {
      operationId: string;
      phase: 'switchTraffic' | 'awaitReady' | 'finalize';
      step: string;
      message: string;
      level?: 'info' | 'warn' | 'error';
    }): Promise<void> {
      await phaseLog(deps, input.operationId, input.phase)(input.step, input.message, input.level);
    },
  };
}
