import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { connectTemporal } from '../../src/temporalConnection';

/**
 * Access to the run's shared Temporal server and workflow bundle (tests/helpers/globalSetup.ts).
 * Tests isolate themselves by task queue and workflow id, not by server.
 */
export interface TestTemporal {
  client: Client;
  /** For Worker.create({ connection }). */
  nativeConnection: NativeConnection;
  namespace: string;
  close(): Promise<void>;
}

export function testTemporalAddress(): string {
  return requireEnv('SLIPWAY_TEST_TEMPORAL_ADDRESS');
}

export function testNamespace(): string {
  return process.env.SLIPWAY_TEST_NAMESPACE ?? 'default';
}

export async function connectTestClient(): Promise<TestTemporal> {
  const address = testTemporalAddress();
  const namespace = testNamespace();
  const connection = await connectTemporal({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection, namespace }),
    nativeConnection,
    namespace,
    async close() {
      await Promise.allSettled([connection.close(), nativeConnection.close()]);
    },
  };
}

/** Pass as `workflowBundle` to Worker.create; built once per run by globalSetup. */
export function workflowBundle(): { codePath: string } {
  const codePath = process.env.SLIPWAY_TEST_WORKFLOW_BUNDLE;
  if (!codePath) {
    const why = process.env.SLIPWAY_TEST_WORKFLOW_BUNDLE_ERROR ?? 'globalSetup did not run';
    throw new Error(`No workflow bundle for this test run: ${why}`);
  }
  return { codePath };
}

/** Replays each history under this run's workflow bundle; one line per history that failed. */
export async function replayFailures(histories: { workflowId: string; history: temporal.api.history.v1.IHistory }[]): Promise<string[]> {
  const failures: string[] = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle: workflowBundle() }, histories))
    if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
  return failures;
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests through jest (globalSetup starts the servers)`);
  return value;
}
