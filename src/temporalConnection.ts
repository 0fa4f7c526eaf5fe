import { InterceptingCall, ListenerBuilder, RequesterBuilder, type Interceptor } from '@grpc/grpc-js';
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';

/** How long close() lets calls still in flight finish (a re-send waiting out its backoff, mostly) before it closes anyway. */
const CLOSE_GRACE_MS = 5_000;

/**
 * A client Connection whose retries end with it. The SDK's retry interceptor re-sends a call
 * that failed with a retryable status after a backoff timer; if the channel was closed in
 * between (API shutdown, the end of a test file), the re-send throws "Channel has been shut
 * down" from that timer: an uncaught exception that fails a test file or crashes a process on
 * its way down. So close() first stops retries (a failure after it goes to the caller), then
 * waits for the calls in flight, including re-sends already scheduled, to end before it closes
 * the channel (at most CLOSE_GRACE_MS: a long poll is not worth waiting out).
 */
export async function connectTemporal(options: ConnectionOptions): Promise<Connection> {
  let closing = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const defaults = defaultGrpcRetryOptions();
  const retry = makeGrpcRetryInterceptor({
    ...defaults,
    retryableDecider: (attempt, s) => !closing && defaults.retryableDecider(attempt, s),
  });
  // Outermost: one call as its caller sees it, from start to its final status, retries included.
  const track: Interceptor = (callOptions, nextCall) =>
    new InterceptingCall(
      nextCall(callOptions),
      new RequesterBuilder()
        .withStart((metadata, _listener, next) => {
          inFlight += 1;
          next(
            metadata,
            new ListenerBuilder()
              .withOnReceiveStatus((status, nextStatus) => {
                inFlight -= 1;
                if (inFlight === 0) idle?.();
                nextStatus(status);
              })
              .build(),
          );
        })
        .build(),
    );
  const connection = await Connection.connect({ ...options, interceptors: [track, retry] });
  const close = connection.close.bind(connection);
  connection.close = async () => {
    closing = true;
    if (inFlight > 0) {
      await new Promise<void>((resolve) => {
        idle = resolve;
        setTimeout(resolve, CLOSE_GRACE_MS).unref();
      });
    }
    await close();
  };
  return connection;
}
