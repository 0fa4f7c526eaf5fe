/** The proxy serves the world; the admin listener (no auth beyond loopback) stays on loopback. */
export const ROUTER_PUBLIC_HOST = '0.0.0.0';
export const ROUTER_ADMIN_HOST = '127.0.0.1';
