import net from 'node:net';

/**
 * Sends bytes exactly as written (http.request and fetch refuse or merge repeated Host
 * headers) and returns the status line's code once the server closes or answers.
 */
export function rawStatus(baseUrl: string, requestText: string): Promise<number> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname, () => socket.write(requestText));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`no status line in ${JSON.stringify(text.slice(0, 200))}`)));
  });
}
