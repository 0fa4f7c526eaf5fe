import net from 'node:net';

/** HAProxy answers on its own socket in microseconds; a stuck one must not hang an activity. */
export const RUNTIME_API_TIMEOUT_MS = 5_000;

export class HaproxyCommandError extends Error {
  constructor(
    message: string,
    readonly command: string,
    /** The connect error's code (ECONNREFUSED, ENOENT...) when the socket could not be reached. */
    readonly socketCode?: string,
  ) {
    super(message);
    this.name = 'HaproxyCommandError';
  }
}

/** Answers that mean the command did nothing; HAProxy 2.6 has no status code on the socket. */
const FAILURE = /^(no such|unknown|require|invalid|missing|unexpected|permission denied|can't|cannot|'set server'|.*\bnot found\b)/im;

/**
 * How long a socket that refuses connections is retried. A reload re-executes the master,
 * whose CLI socket is closed and re-bound meanwhile, so a stats poll that lands in that
 * window is refused although HAProxy is fine; a stopped HAProxy still fails after this.
 */
export const RUNTIME_API_RECONNECT_MS = 2_000;
const RECONNECT_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EAGAIN']);

/** One command per connection (HAProxy's non-interactive mode): write it, read the answer until EOF. */
export async function runtimeCommand(socketPath: string, command: string, timeoutMs = RUNTIME_API_TIMEOUT_MS): Promise<string> {
  const deadline = Date.now() + RUNTIME_API_RECONNECT_MS;
  for (;;) {
    try {
      return await runtimeCommandOnce(socketPath, command, timeoutMs);
    } catch (err) {
      const code = err instanceof HaproxyCommandError ? err.socketCode : undefined;
      if (!code || !RECONNECT_CODES.has(code) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function runtimeCommandOnce(socketPath: string, command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`HAProxy runtime API at ${socketPath} did not answer in ${timeoutMs} ms`)));
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      reject(new HaproxyCommandError(`HAProxy runtime API at ${socketPath}: ${err.message}`, command, err.code)),
    );
    socket.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Like runtimeCommand, but an answer that says the command failed is an error. */
export async function runtimeChange(socketPath: string, command: string): Promise<string> {
  const answer = await runtimeCommand(socketPath, command);
  if (FAILURE.test(answer.trim())) throw new HaproxyCommandError(`HAProxy refused "${command}": ${answer.trim()}`, command);
  return answer;
}

/** Puts a map entry in place whether or not it exists yet (`set map` only changes existing keys). */
export async function putMapEntry(socketPath: string, mapFile: string, key: string, value: string): Promise<void> {
  const answer = await runtimeCommand(socketPath, `set map ${mapFile} ${key} ${value}`);
  if (!answer.trim()) return;
  if (/not found/i.test(answer)) {
    await runtimeChange(socketPath, `add map ${mapFile} ${key} ${value}`);
    return;
  }
  throw new HaproxyCommandError(`HAProxy refused "set map ${mapFile} ${key}": ${answer.trim()}`, 'set map');
}

export async function deleteMapEntry(socketPath: string, mapFile: string, key: string): Promise<void> {
  const answer = await runtimeCommand(socketPath, `del map ${mapFile} ${key}`);
  if (answer.trim() && !/not found/i.test(answer))
    throw new HaproxyCommandError(`HAProxy refused "del map ${mapFile} ${key}": ${answer.trim()}`, 'del map');
}

export interface ServerStat {
  backend: string;
  server: string;
  /** Streams on the server now: in-flight requests. */
  scur: number;
  /** Streams (requests) sent to it since HAProxy started. */
  stot: number;
  hrsp5xx: number;
  /** Connection errors and retries toward it. */
  econ: number;
  status: string;
}

/** `show stat -1 4 -1`: the servers of every backend, one CSV row each (header line starts with "# "). */
export async function serverStats(socketPath: string): Promise<ServerStat[]> {
  return parseServerStats(await runtimeCommand(socketPath, 'show stat -1 4 -1'));
}

export function parseServerStats(csv: string): ServerStat[] {
  const lines = csv.split('\n').filter((l) => l.trim());
  const header = lines.shift();
  if (!header?.startsWith('# ')) throw new HaproxyCommandError(`unexpected "show stat" answer: ${csv.slice(0, 200)}`, 'show stat');
  const cols = header.slice(2).split(',');
  const at = (name: string) => cols.indexOf(name);
  const num = (row: string[], name: string) => Number(row[at(name)] || 0);
  return lines.map((line) => {
    const row = line.split(',');
    return {
      backend: row[at('pxname')],
      server: row[at('svname')],
      scur: num(row, 'scur'),
      stot: num(row, 'stot'),
      hrsp5xx: num(row, 'hrsp_5xx'),
      econ: num(row, 'econ'),
      status: row[at('status')],
    };
  });
}

/** Pids under "# old workers" in the master CLI's `show proc`: workers a reload replaced that still finish requests. */
export function parseOldWorkers(showProc: string): number[] {
  const pids: number[] = [];
  let inOld = false;
  for (const line of showProc.split('\n')) {
    if (line.startsWith('#')) {
      inOld = line.trim() === '# old workers';
      continue;
    }
    const pid = Number(line.trim().split(/\s+/, 1)[0]);
    if (inOld && Number.isInteger(pid) && pid > 0) pids.push(pid);
  }
  return pids;
}

/**
 * In-flight streams per `backend/server` on the workers a reload replaced. The new worker
 * only counts its own requests, so without these a drain that overlaps a reload would see
 * 0 and stop a revision under requests the old worker still proxies to it. The master
 * CLI reaches each old worker with `@!<pid>`; one that exits meanwhile counts nothing.
 */
export async function retiringInFlight(masterSocket: string): Promise<Map<string, number>> {
  const inFlight = new Map<string, number>();
  for (const pid of parseOldWorkers(await runtimeCommand(masterSocket, 'show proc'))) {
    let rows: ServerStat[];
    try {
      rows = parseServerStats(await runtimeCommand(masterSocket, `@!${pid} show stat -1 4 -1`));
    } catch {
      continue;
    }
    for (const r of rows)
      if (r.scur > 0) inFlight.set(`${r.backend}/${r.server}`, (inFlight.get(`${r.backend}/${r.server}`) ?? 0) + r.scur);
  }
  return inFlight;
}
