import { EventEmitter } from 'node:events';
import type { ClientRequest } from 'node:http';
import { armConnectTimeout, classifyEarlyError, upstreamPath, UpstreamTimeoutError } from '../../traffic/builtin/upstreamRequest';

const err = (code: string) => Object.assign(new Error(code), { code });

test.each([
  ['ECONNREFUSED', false, 'unreachable'],
  ['ECONNREFUSED', true, 'unreachable'],
  ['EHOSTUNREACH', false, 'unreachable'],
  ['UPSTREAM_CONNECT_TIMEOUT', false, 'unreachable'],
  ['ECONNRESET', false, 'unreachable'],
  ['ECONNRESET', true, 'stale'],
  ['EPIPE', true, 'stale'],
  ['UPSTREAM_IDLE_TIMEOUT', false, 'other'],
  ['HPE_INVALID_CONSTANT', false, 'other'],
  // undici's names for the same events
  ['UND_ERR_CONNECT_TIMEOUT', false, 'unreachable'],
  ['UND_ERR_SOCKET', false, 'unreachable'],
  ['UND_ERR_SOCKET', true, 'stale'],
  ['UND_ERR_DESTROYED', false, 'other'],
] as const)('%s on a %s socket is %s', (code, reused, kind) => {
  expect(classifyEarlyError(err(code), reused)).toBe(kind);
});

describe('connect timeout (simulated: loopback connects too fast to test it for real)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function fakeRequest() {
    const req = new EventEmitter() as EventEmitter & { destroyed?: Error };
    (req as unknown as { destroy(e: Error): void }).destroy = (e: Error) => {
      req.destroyed = e;
    };
    return req;
  }

  test('a socket still connecting after the bound destroys the request with UPSTREAM_CONNECT_TIMEOUT', () => {
    const req = fakeRequest();
    armConnectTimeout(req as unknown as ClientRequest, 5000);
    req.emit('socket', Object.assign(new EventEmitter(), { connecting: true }));
    jest.advanceTimersByTime(4999);
    expect(req.destroyed).toBeUndefined();
    jest.advanceTimersByTime(1);
    expect(req.destroyed).toBeInstanceOf(UpstreamTimeoutError);
    expect((req.destroyed as UpstreamTimeoutError).code).toBe('UPSTREAM_CONNECT_TIMEOUT');
  });

  test('a connected or pooled socket is left alone', () => {
    const connected = fakeRequest();
    armConnectTimeout(connected as unknown as ClientRequest, 5000);
    const socket = Object.assign(new EventEmitter(), { connecting: true });
    connected.emit('socket', socket);
    socket.emit('connect');
    const pooled = fakeRequest();
    armConnectTimeout(pooled as unknown as ClientRequest, 5000);
    pooled.emit('socket', Object.assign(new EventEmitter(), { connecting: false }));
    jest.advanceTimersByTime(10_000);
    expect(connected.destroyed).toBeUndefined();
    expect(pooled.destroyed).toBeUndefined();
  });
});

test.each([
  ['http://a', '/x?y=1', '/x?y=1'],
  ['http://a/base/', '/x', '/base/x'],
  ['http://a', 'http://evil.example/steal?q', '/steal?q'],
])('upstreamPath(%s, %s) = %s', (base, target, expected) => {
  expect(upstreamPath(new URL(base), target)).toBe(expected);
});
