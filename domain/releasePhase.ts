import { z } from 'zod';

/**
 * The manifest's release phase (Heroku's release phase, Kamal's pre-deploy hook): one command
 * run once per operation that changes the code that serves, with the target's resolved env,
 * before any traffic moves. Kept apart from the services schema on purpose: these are new
 * top-level keys of the manifest.
 */

export const DEFAULT_RELEASE_TIMEOUT_SECONDS = 300;

export const ReleaseStepSchema = z
  .object({
    /** argv, resolved in the release's artifact like a service's command. */
    command: z.array(z.string().min(1)).min(1, 'needs at least the program to run').optional(),
    /** Or: run this service's command once (it must exit) instead of a command of its own. */
    service: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,39}$/, 'a service name')
      .optional(),
    timeoutSeconds: z.number().int().min(1).max(3600).default(DEFAULT_RELEASE_TIMEOUT_SECONDS),
  })
  .strict()
  .refine((r) => (r.command === undefined) !== (r.service === undefined), { message: 'give exactly one of command or service' });
export type ReleaseStep = z.infer<typeof ReleaseStepSchema>;

/** Expand–contract: an irreversible migration may not be stepped back across without force. */
export const MigrationSchema = z
  .object({
    reversible: z.boolean(),
    /** How refusals name it; the release version when absent. */
    name: z.string().min(1).max(200).optional(),
  })
  .strict();
export type Migration = z.infer<typeof MigrationSchema>;

/** The manifest keys this file owns; ManifestSchema spreads them in. */
export const releasePhaseKeys = { release: ReleaseStepSchema.optional(), migration: MigrationSchema.optional() };

/** A manifest's release step, checked against its services; null when it is fine. */
export function releaseStepProblem(m: { release?: ReleaseStep; services: { name: string }[] }): string | null {
  const service = m.release?.service;
  if (service !== undefined && !m.services.some((s) => s.name === service)) return `names no service of this manifest: ${service}`;
  return null;
}

export interface ReleaseMigration {
  version: string;
  migration?: Migration;
}

/**
 * The irreversible migrations a move from `from` to `to` steps back across: releases newer
 * than the target, up to and including the one that serves, in release order (oldest first).
 * A move forward, or to a version not in the list, crosses nothing.
 */
export function irreversibleCrossed(ordered: ReleaseMigration[], from: string | null, to: string): ReleaseMigration[] {
  const toAt = ordered.findIndex((r) => r.version === to);
  const fromAt = from === null ? -1 : ordered.findIndex((r) => r.version === from);
  if (toAt === -1 || fromAt === -1 || fromAt <= toAt) return [];
  return ordered.slice(toAt + 1, fromAt + 1).filter((r) => r.migration && !r.migration.reversible);
}

export const migrationName = (r: ReleaseMigration) => r.migration?.name ?? `migration of release ${r.version}`;
