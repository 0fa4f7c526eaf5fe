import { Context } from '@temporalio/activity';
import { hasOperationLogStep } from '../db/queries/operations';
import { FailureType } from '../domain/failures';
import { webService } from '../domain/manifest';
import { RevisionStartError, type RevisionProgram, type RevisionSpec } from '../ports/compute';
import type { ReleaseStepInput } from '../contract/deployPhases';
import type { ActivityDeps } from './deps';
import { nonRetryable } from './failure';
import { whileHeartbeating } from './heartbeating';
import { completePhase, enterPhase, phaseLog } from './operationLog';
import { missingEnvFailure, resolveRevisionEnv } from './revisionEnv';

/** The end of the output is where a failing migration says why. */
const OUTPUT_LINES = 100;

/** Output may echo env values; the secret ones never reach the operation log. */
function redact(lines: string[], secrets: string[]): string[] {
  const long = secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  return lines.map((line) => long.reduce((l, s) => l.split(s).join('[redacted]'), line));
}

/**
 * The manifest's release step: its command (or a named service's command) run to its end
 * through the compute provider's runOnce, from the release's artifact, as the deployment's
 * user, with the target's resolved env. Done once per operation: the "succeeded" log line is
 * the record, so a retried activity after success does nothing. A worker that dies while the
 * command runs means it runs again on the next attempt, which is why release commands must be
 * idempotent (as Heroku asks of its release phase).
 */
export function createRunReleaseStep(deps: ActivityDeps) {
  return async function runReleaseStep(input: ReleaseStepInput): Promise<void> {
    const log = phaseLog(deps, input.operationId, 'release');
    if (await hasOperationLogStep(deps.db, input.operationId, 'release', 'succeeded')) return;
    await enterPhase(deps, input.operationId, 'release');
    const { deployment, release, manifest, plan } = await resolveRevisionEnv(deps.db, deps.secrets, input.deploymentId, input.version);
    const step = manifest.release;
    if (!step) return;
    if (plan.missing.length > 0) throw missingEnvFailure(input.version, plan.missing);
    if (!deps.compute.runOnce)
      throw nonRetryable(FailureType.ReleaseFailed, `the ${deps.compute.name} compute provider cannot run release steps`);
    const service = step.service ? manifest.services.find((s) => s.name === step.service) : webService(manifest);
    if (!service) throw nonRetryable(FailureType.InvalidManifest, `release.service names no service: ${step.service}`);
    const command = step.command ?? service.command;
    let program: RevisionProgram;
    if (service.image) {
      // The step runs in the service's image; a provider that runs no images refuses it as not runnable.
      program = { kind: 'image', image: service.image, command, args: step.command ? undefined : service.args };
    } else {
      const artifactDir = release.artifact_digest ? await deps.artifacts.get(release.artifact_digest) : null;
      if (!artifactDir)
        throw nonRetryable(FailureType.ArtifactMissing, `artifact ${release.artifact_digest} of release ${input.version} is missing`);
      if (!command) throw nonRetryable(FailureType.InvalidManifest, `release step of ${input.version} has no command`);
      program = { kind: 'artifact', artifactDir, command };
    }
    const spec: RevisionSpec = {
      key: `${input.deploymentId}-release-${input.version.replace(/[^A-Za-z0-9._-]/g, '_')}-${input.operationId}`,
      deploymentId: input.deploymentId,
      tenantId: deployment.tenant_id,
      service: step.service ?? 'release',
      program,
      env: plan.values,
      portEnv: service.portEnv,
    };

    const shown = command?.join(' ') ?? `${service.image} (its own entrypoint)`;
    await log('started', `release step of ${input.version}: ${shown} (timeout ${step.timeoutSeconds} s)`);
    const runOnce = deps.compute.runOnce.bind(deps.compute);
    let result;
    try {
      result = await whileHeartbeating(() =>
        runOnce(spec, { timeoutMs: step.timeoutSeconds * 1000, maxLines: OUTPUT_LINES, abort: Context.current().cancellationSignal }),
      );
    } catch (err) {
      if (err instanceof RevisionStartError) {
        await log('not-runnable', err.message, 'error');
        throw nonRetryable(FailureType.CommandNotRunnable, err.message);
      }
      throw err;
    }
    const secretValues = plan.secretKeys.map((k) => plan.values[k]).filter((v): v is string => typeof v === 'string');
    const output = redact(result.output, secretValues);
    if (output.length > 0) await log('output', `release output (last ${output.length} lines):\n${output.join('\n')}`);
    if (result.timedOut || result.exitCode !== 0) {
      const why = result.timedOut
        ? `ran past its ${step.timeoutSeconds} s timeout and was killed`
        : result.exitCode === null
          ? `was killed by ${result.signal}`
          : `exited with code ${result.exitCode}`;
      await log('failed', `release step ${why}; nothing was switched`, 'error');
      throw nonRetryable(FailureType.ReleaseFailed, `release step of ${input.version} ${why}`);
    }
    await log('succeeded', 'release step succeeded');
    await completePhase(deps, input.deploymentId, 'release');
  };
}
