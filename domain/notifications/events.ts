/**
 * The events subscriptions receive. Operation events are per deployment, so per tenant;
 * mass-upgrade events span tenants and reach admin subscriptions only.
 * `operation.awaiting_promotion` is emitted by manual promotion (preview before the switch).
 */
export const OPERATION_EVENTS = [
  'operation.started',
  'operation.phase',
  'operation.succeeded',
  'operation.failed',
  'operation.awaiting_promotion',
] as const;
export type OperationEventType = (typeof OPERATION_EVENTS)[number];

export const MASS_UPGRADE_EVENTS = [
  'mass_upgrade.started',
  'mass_upgrade.paused',
  'mass_upgrade.halted',
  'mass_upgrade.cancelled',
  'mass_upgrade.completed',
] as const;
export type MassUpgradeEventType = (typeof MASS_UPGRADE_EVENTS)[number];

export const EVENT_TYPES = [...OPERATION_EVENTS, ...MASS_UPGRADE_EVENTS] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isMassUpgradeEvent(t: string): t is MassUpgradeEventType {
  return (MASS_UPGRADE_EVENTS as readonly string[]).includes(t);
}

/** The mass-upgrade event a status change is worth, if any (progress snapshots are not events). */
export function massUpgradeEventFor(previous: string | null, next: string): MassUpgradeEventType | null {
  if (previous === next) return null;
  if (next === 'running' && previous === null) return 'mass_upgrade.started';
  const t = `mass_upgrade.${next}`;
  return isMassUpgradeEvent(t) && t !== 'mass_upgrade.started' ? t : null;
}
