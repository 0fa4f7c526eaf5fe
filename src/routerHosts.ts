/** The router's admin listener (built-in admin API, HAProxy's exporter) stays on loopback; it also wants its secret. */
export const ROUTER_ADMIN_HOST = '127.0.0.1';
