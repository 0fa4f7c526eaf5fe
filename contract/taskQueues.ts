/**
 * Fleet rollouts poll a task queue of their own, so a rollout's workflow tasks (start the
 * next upgrades, count an outcome) never wait behind the tasks of the hundreds of upgrade
 * children it keeps running on the main queue. Derived from the main queue's name, so every
 * worker, API and test that knows one knows both.
 */
export const rolloutTaskQueue = (taskQueue: string): string => `${taskQueue}-rollouts`;
