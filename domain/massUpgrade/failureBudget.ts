import type { FailureBudget } from './options';

/**
 * Failures a rollout of `total` deployments tolerates. With both a count and a ratio the
 * stricter one wins; a ratio rounds down (5 % of 10 tolerates 0).
 */
export function allowedFailures(budget: FailureBudget, total: number): number {
  const byCount = budget.count ?? Number.POSITIVE_INFINITY;
  const byRatio = budget.ratio !== undefined ? Math.floor(budget.ratio * total + 1e-9) : Number.POSITIVE_INFINITY;
  return Math.min(byCount, byRatio);
}

/** The halt reason when `failed` exceeds the budget, else null. */
export function budgetExceeded(budget: FailureBudget, failed: number, total: number): string | null {
  const allowed = allowedFailures(budget, total);
  if (failed <= allowed) return null;
  const what = [
    budget.count !== undefined ? `${budget.count} failure(s)` : null,
    budget.ratio !== undefined ? `${budget.ratio * 100}% of ${total}` : null,
  ]
    .filter(Boolean)
    .join(' and ');
  return `failure budget exceeded: ${failed} deployment(s) failed, the budget allows ${allowed} (${what})`;
}

/** "2" → { count: 2 }; "5%" → { ratio: 0.05 }; for the CLI's --budget. */
export function parseBudget(text: string): FailureBudget | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { count: Number(t) };
  const m = /^(\d{1,3}(?:\.\d+)?)%$/.exec(t);
  if (m && Number(m[1]) <= 100) return { ratio: Number(m[1]) / 100 };
  return null;
}
