import { InterceptingCall, Metadata, status, type Interceptor, type InterceptingListener } from '@grpc/grpc-js';
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';

/**
 * A client Connection whose retries end with it. The SDK's retry interceptor re-sends a call
 * that failed with a retryable status after a backoff timer; when the connection was closed
 * in between (API shutdown, the end of a test file), the re-send throws "Channel has been shut
 * down" from that timer: an uncaught exception that fails a test file or crashes a process on
 * its way down. After close() a failed call is not retried, and a re-send already scheduled
 * fails to its caller as UNAVAILABLE instead of touching the closed channel.
 */
export async function connectTemporal(options: ConnectionOptions): Promise<Connection> {
  let closed = false;
  const defaults = defaultGrpcRetryOptions();
  const retry = makeGrpcRetryInterceptor({
    ...defaults,
    retryableDecider: (attempt, s) => !closed && defaults.retryableDecider(attempt, s),
  });
  // Innermost: the re-send of the retry interceptor comes through here.
  const refuseWhenClosed: Interceptor = (callOptions, nextCall) => (closed ? closedCall() : new InterceptingCall(nextCall(callOptions)));
  const connection = await Connection.connect({ ...options, interceptors: [retry, refuseWhenClosed] });
  const close = connection.close.bind(connection);
  connection.close = async () => {
    closed = true;
    await close();
  };
  return connection;
}

/** A call that never reaches a channel: it ends at once with UNAVAILABLE "connection closed". */
function closedCall(): InterceptingCall {
  const noop = () => undefined;
  const dead: ConstructorParameters<typeof InterceptingCall>[0] = {
    cancelWithStatus: noop,
    getPeer: () => 'closed',
    start: (_metadata: Metadata, listener?: Partial<InterceptingListener>) => {
      setImmediate(() => listener?.onReceiveStatus?.({ code: status.UNAVAILABLE, details: 'connection closed', metadata: new Metadata() }));
    },
    sendMessageWithContext: noop,
    sendMessage: noop,
    startRead: noop,
    halfClose: noop,
    getAuthContext: () => null,
  };
  return new InterceptingCall(dead);
}
