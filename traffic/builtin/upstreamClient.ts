import { Client, type Dispatcher } from 'undici';

/** A dispatch handler that wants to know which connection carried its request. */
export interface ConnectionAware {
  connection?: UpstreamClient;
}

/**
 * One upstream connection slot of a pool, keeping what Node's `ClientRequest.reusedSocket`
 * told the old agent-based proxy: whether the socket a request goes out on already
 * carried a complete response. undici keeps that to itself, and the proxy needs it to
 * tell a keep-alive socket the app closed under us (retry, the app is fine) from an app
 * that resets fresh connections (mark it down).
 */
export class UpstreamClient extends Client {
  /** True once the current socket completed a response; a new socket starts fresh. */
  socketUsed = false;

  constructor(origin: URL, options: Client.Options) {
    super(origin, options);
    this.on('connect', () => {
      this.socketUsed = false;
    });
  }

  // The pool hands each request to one client, now or when one frees up; this is where it lands.
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
    (handler as ConnectionAware).connection = this;
    return super.dispatch(options, handler);
  }
}
