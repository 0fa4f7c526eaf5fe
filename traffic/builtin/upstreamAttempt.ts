import type { Dispatcher } from 'undici';
import type { ConnectionAware, UpstreamClient } from './upstreamClient';
import { UpstreamTimeoutError } from './upstreamRequest';

/** What one attempt reports to the proxy; `data` returning false asks for backpressure. */
export interface AttemptEvents {
  headers(status: number, statusText: string, rawHeaders: Buffer[]): void;
  data(chunk: Buffer): boolean;
  complete(): void;
  /** `early`: before any response header; `reusedSocket`: it went out on a socket that had served a response. */
  error(err: Error, early: boolean, reusedSocket: boolean): void;
}

/**
 * The undici dispatch handler of one upstream attempt. Besides relaying events it owns
 * the idle timeout (no byte either way for `idleTimeoutMs`), armed once the request is
 * on a connected socket, as `ClientRequest.setTimeout` was: a request queued behind a
 * full pool is waiting for us, not for the app.
 */
export class UpstreamAttempt implements Dispatcher.DispatchHandlers, ConnectionAware {
  connection?: UpstreamClient;
  private abortRequest?: (err?: Error) => void;
  private cancelledWith?: Error;
  private resumeBody?: () => void;
  private reusedSocket = false;
  private gotHeaders = false;
  private idle?: NodeJS.Timeout;

  constructor(
    private readonly events: AttemptEvents,
    private readonly idleTimeoutMs: number,
  ) {}

  /** Ends the attempt; one still queued for a connection is dropped when it gets one. */
  cancel(err: Error = new Error('cancelled by the proxy')): void {
    this.clearIdle();
    if (this.abortRequest) this.abortRequest(err);
    else this.cancelledWith ??= err;
  }

  /** Continues a body paused by `data` returning false. */
  resume(): void {
    this.idle?.refresh();
    this.resumeBody?.();
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.cancelledWith) {
      abort(this.cancelledWith);
      return;
    }
    this.abortRequest = abort;
    this.reusedSocket = this.connection?.socketUsed ?? false;
    if (this.idleTimeoutMs > 0) {
      const ms = this.idleTimeoutMs;
      this.idle = setTimeout(() => abort(new UpstreamTimeoutError('UPSTREAM_IDLE_TIMEOUT', `upstream idle for ${ms}ms`)), ms);
      this.idle.unref();
    }
  }

  onBodySent(): void {
    this.idle?.refresh();
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    this.idle?.refresh();
    if (status < 200) return true; // 1xx informational: Node's client kept them from the proxy too
    this.gotHeaders = true;
    this.resumeBody = resume;
    this.events.headers(status, statusText, rawHeaders);
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.idle?.refresh();
    return this.events.data(chunk);
  }

  onComplete(): void {
    this.clearIdle();
    if (this.connection) this.connection.socketUsed = true;
    this.events.complete();
  }

  onError(err: Error): void {
    this.clearIdle();
    this.events.error(err, !this.gotHeaders, this.reusedSocket);
  }

  private clearIdle(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
  }
}
