import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/**
 * The client's body as undici's request body, counting bytes. A stream of our own rather
 * than `req` itself: undici destroys the body it was given when the upstream request
 * fails or the upstream answers before reading it all, and destroying `req` would take
 * the client's socket with it, before we could answer 413 or 502 on it.
 * Backpressure runs both ways: undici pauses this stream, which pauses `req`.
 */
export function requestBody(req: IncomingMessage, maxBytes: number, onTooLarge: () => void): Readable {
  let size = 0;
  const body = new Readable({
    read: () => req.resume(),
    destroy: (err, callback) => {
      detach();
      req.resume(); // whatever the client still sends is read and dropped
      callback(err);
    },
  });
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) {
      detach();
      req.resume();
      onTooLarge();
      return;
    }
    if (!body.push(chunk)) req.pause();
  };
  const onEnd = () => body.push(null);
  const detach = () => {
    req.off('data', onData);
    req.off('end', onEnd);
  };
  req.on('data', onData);
  req.on('end', onEnd);
  return body;
}
