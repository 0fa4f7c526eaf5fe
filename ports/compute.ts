/**
 * What activities need from a place that runs a release's processes.
 * Every method is idempotent: activities may be retried after a crash at any point,
 * so `start` of a key that already runs returns the running revision, and `stop`
 * of a key that is gone resolves quietly.
 */
/** Where a revision's program comes from: an artifact directory on this host, or an OCI image. */
export type RevisionProgram =
  | {
      kind: 'artifact';
      /** Content-addressed artifact directory (read-only for the process). */
      artifactDir: string;
      /** argv of the service, resolved relative to the artifact directory. */
      command: string[];
    }
  | {
      kind: 'image';
      /** Always pinned: `repository@sha256:…`, so a retry or a new worker runs the same bytes. */
      image: string;
      /** Replaces the image's entrypoint when given. */
      command?: string[];
      /** Replaces the image's cmd when given. */
      args?: string[];
    };

export interface RevisionResources {
  memoryMb?: number;
  cpus?: number;
}

export interface RevisionSpec {
  /** Stable name of this revision, e.g. `d-abc123-blue-1.0.0-c1`. The idempotency key. */
  key: string;
  deploymentId: string;
  /** Owner of the deployment: container providers label and isolate by it. */
  tenantId: string;
  /** The manifest service this process runs (`web`, `worker`, …). */
  service: string;
  program: RevisionProgram;
  /** Fully resolved environment (may hold secrets: never log it, never put it in labels). */
  env: Record<string, string>;
  /** Name of the env var through which the process learns its port. */
  portEnv: string;
  /**
   * Port the program listens on inside its own network namespace (containers); the provider
   * publishes it where the router reaches it. Absent: the provider picks one and passes it in `portEnv`.
   */
  containerPort?: number;
  resources?: RevisionResources;
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface RunningRevision {
  key: string;
  endpoint: Endpoint;
  pid: number;
  startedAt: string;
}

export interface StopOptions {
  /** SIGTERM first; SIGKILL after this many ms if the process is still alive. */
  graceMs: number;
}

/** How a program run to its end (a release step) ended. */
export interface OneShotResult {
  /** null when a signal ended it. */
  exitCode: number | null;
  signal: string | null;
  /** Killed at its deadline. */
  timedOut: boolean;
  /** Its last lines of stdout and stderr, interleaved as written. */
  output: string[];
}

export interface OneShotOptions {
  timeoutMs: number;
  maxLines: number;
  abort?: AbortSignal;
}

export interface ComputeProvider {
  readonly name: string;
  /**
   * Runs the spec's program once to its end, as the deployment's processes run (same user,
   * artifact, env), listening on nothing. Optional: a provider without it cannot run a
   * manifest's release step, and an operation that needs one fails saying so.
   */
  runOnce?(spec: RevisionSpec, opts: OneShotOptions): Promise<OneShotResult>;
  start(spec: RevisionSpec): Promise<RunningRevision>;
  /** null when nothing runs under that key (never started, stopped, or crashed). */
  status(key: string): Promise<RunningRevision | null>;
  stop(key: string, opts: StopOptions): Promise<void>;
  /** Last lines of the revision's captured stdout/stderr, for the operation log. */
  tailLogs(key: string, maxLines: number): Promise<string[]>;
  /** Keys of every revision this provider believes runs for a deployment. */
  list(deploymentId: string): Promise<string[]>;
}

/**
 * The command could not be started at all (missing or non-executable program, a folder the
 * app's user cannot enter). No retry can fix that: activities fail the operation at once.
 */
export class RevisionStartError extends Error {
  override readonly name = 'RevisionStartError';
}
