import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';

/**
 * A client Connection whose retries stop once it is closed. The SDK's retry interceptor
 * re-sends a call that failed with a retryable status after a backoff timer; a call still in
 * flight when the connection closes fails that way, and the re-send then throws "Channel has
 * been shut down" from a timer: an uncaught exception that fails a test file or crashes a
 * process on its way down. After close() the call fails to its caller instead.
 */
export async function connectTemporal(options: ConnectionOptions): Promise<Connection> {
  let closed = false;
  const defaults = defaultGrpcRetryOptions();
  const connection = await Connection.connect({
    ...options,
    interceptors: [
      makeGrpcRetryInterceptor({
        ...defaults,
        retryableDecider: (attempt, status) => !closed && defaults.retryableDecider(attempt, status),
      }),
    ],
  });
  const close = connection.close.bind(connection);
  connection.close = async () => {
    closed = true;
    await close();
  };
  return connection;
}
