import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { LoadGenerator } from './loadGenerator';
import { LoadRecords, STATUS_ERROR } from './loadRecords';

export interface VegetaLoadOptions {
  bin: string;
  port: number;
  host: string;
  ratePerSec: number;
  /** vegeta's initial workers (each holds one keep-alive connection); it adds more up to 2,000 if answers slow down. */
  workers: number;
  timeoutSeconds: number;
}

/**
 * The LoadGenerator contract with the load coming from vegeta, a separate (Go) process,
 * so the load does not compete with the bench's own event loop. Every request's result
 * comes back through `vegeta encode -to json` (send time, status, latency, body: which
 * version answered) into the same records the in-process generator keeps, so windows are
 * cut the same way. `retarget` starts an attack on the new Host and stops the old one
 * (vegeta reads its target once). Windows are exact only after `stop()`, when every
 * vegeta has flushed its results.
 */
export function startVegetaLoad(o: VegetaLoadOptions): LoadGenerator {
  const t0 = Date.now();
  const now = () => Date.now() - t0;
  const records = new LoadRecords();
  const finished: Promise<void>[] = [];
  let current: ChildProcess | undefined;
  let currentHost = o.host;

  const attack = (host: string): ChildProcess => {
    const child = spawn(
      o.bin,
      [
        'attack',
        `-rate=${o.ratePerSec}/s`,
        '-duration=0', // until stopped
        `-timeout=${o.timeoutSeconds}s`,
        `-workers=${o.workers}`,
        '-max-workers=2000',
        `-header=Host: ${host}`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    child.stdin!.end(`GET http://127.0.0.1:${o.port}/\n`);
    const encode = spawn(o.bin, ['encode', '-to', 'json'], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdout!.pipe(encode.stdin!);
    finished.push(
      (async () => {
        for await (const line of createInterface({ input: encode.stdout! })) {
          if (!line) continue;
          const r = JSON.parse(line) as { timestamp: string; code: number; latency: number; body?: string; error?: string };
          const body = r.body ? Buffer.from(r.body, 'base64').toString('utf8') : undefined;
          const code = r.code === 0 ? STATUS_ERROR : r.code;
          // vegeta's error text ends with the cause ("…: connection reset by peer"); the cause is the kind.
          const err = code === STATUS_ERROR && r.error ? r.error.slice(r.error.lastIndexOf(': ') + 2) : undefined;
          records.add(Date.parse(r.timestamp) - t0, r.latency / 1e6, code, { body, err });
        }
      })(),
    );
    return child;
  };

  const stopAttack = async (child: ChildProcess | undefined): Promise<void> => {
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGINT'); // vegeta stops sending, waits for the requests in flight, writes their results
    await exited;
  };

  current = attack(o.host);
  return {
    now,
    retarget(host) {
      const next = host ?? o.host;
      if (next === currentHost) return;
      currentHost = next;
      const previous = current;
      current = attack(next);
      void stopAttack(previous);
    },
    window: (fromMs, toMs) => records.window(fromMs, toMs),
    async stop() {
      await stopAttack(current);
      await Promise.all(finished);
    },
  };
}
