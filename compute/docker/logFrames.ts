import type Docker from 'dockerode';
import { engineStatus } from './engineClient';

/**
 * Container logs without a TTY come multiplexed: frames of an 8-byte header
 * `[stream (1 stdout, 2 stderr), 0, 0, 0, uint32 BE length]` and the payload (CONTAINERS.md §8).
 * Stdout and stderr are merged in the order the engine wrote them, as a terminal would show them.
 */
export function demuxLogFrames(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const stream = buffer[offset];
    const length = buffer.readUInt32BE(offset + 4);
    // Not a frame header: the engine sent raw output (a TTY container); keep it as it is.
    if (stream > 2 || buffer[offset + 1] !== 0 || buffer[offset + 2] !== 0 || buffer[offset + 3] !== 0) {
      parts.push(buffer.subarray(offset));
      offset = buffer.length;
      break;
    }
    parts.push(buffer.subarray(offset + 8, Math.min(buffer.length, offset + 8 + length)));
    offset += 8 + length;
  }
  if (offset < buffer.length) parts.push(buffer.subarray(offset));
  return Buffer.concat(parts).toString('utf8');
}

export function lastLines(text: string, maxLines: number): string[] {
  const lines = text.split('\n').filter((l) => l.length > 0);
  return maxLines > 0 ? lines.slice(-maxLines) : [];
}

/** A container's last lines of output from the engine; none once it is gone. */
export async function readLogs(docker: Docker, id: string, maxLines: number): Promise<string[]> {
  try {
    const raw = await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: maxLines, follow: false });
    return lastLines(demuxLogFrames(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))), maxLines);
  } catch (err) {
    if (engineStatus(err) === 404) return [];
    throw err;
  }
}
