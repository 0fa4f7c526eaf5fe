/**
 * Stable failure type names. They are the `type` of ApplicationFailures, the `code`
 * of API errors and the `error_type` of failed operations, so dashboards and scripts
 * can match on them. Never rename one; add a new one instead.
 */
export const FailureType = {
  IllegalTransition: 'IllegalTransition',
  DeploymentNotFound: 'DeploymentNotFound',
  ReleaseNotFound: 'ReleaseNotFound',
  InvalidManifest: 'InvalidManifest',
  MissingRequiredEnv: 'MissingRequiredEnv',
  ArtifactMissing: 'ArtifactMissing',
  ReadinessTimeout: 'ReadinessTimeout',
  RevisionCrashed: 'RevisionCrashed',
  /** An operation's stored strategy options (canary steps…) do not parse. */
  InvalidStrategyOptions: 'InvalidStrategyOptions',
  /** An operation names a strategy this version does not know. */
  UnknownStrategy: 'UnknownStrategy',
  /** A secret env value is encrypted under a key this worker does not have. */
  SecretKeyMismatch: 'SecretKeyMismatch',
  /** The program is missing or not executable, or the app's user cannot reach it. */
  CommandNotRunnable: 'CommandNotRunnable',
  /** A manual-promotion preview was aborted, by a person or by its timeout; the old version serves on. */
  PreviewAborted: 'PreviewAborted',
  /** The manifest's release step exited non-zero or ran past its timeout; nothing was switched. */
  ReleaseFailed: 'ReleaseFailed',
  /** The target release's image is gone from the registry (garbage-collected, or deleted by hand). */
  ImageMissing: 'ImageMissing',
  /** The configured traffic router cannot do what the strategy asks (weights on the kubernetes router). */
  UnsupportedByRouter: 'UnsupportedByRouter',
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failures that no retry can fix: bad input or a release that does not work. */
export const NON_RETRYABLE_FAILURES: FailureType[] = Object.values(FailureType);
