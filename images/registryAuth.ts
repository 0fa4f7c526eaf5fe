import type { RegistryCredentials } from './distributionRegistry';

/** The registry token flow (distribution's "token authentication"): the 401 names a realm to ask. */
export interface BearerChallenge {
  realm: string;
  service?: string;
  scope?: string;
}

export function bearerChallenge(header: string | null): BearerChallenge | null {
  if (!header || !/^bearer\s/i.test(header)) return null;
  const params: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/([a-z_]+)="([^"]*)"/gi)) params[m[1].toLowerCase()] = m[2];
  if (!params.realm) return null;
  return { realm: params.realm, service: params.service, scope: params.scope };
}

export async function fetchBearerToken(challenge: BearerChallenge, credentials: RegistryCredentials): Promise<string> {
  const url = new URL(challenge.realm);
  if (challenge.service) url.searchParams.set('service', challenge.service);
  if (challenge.scope) url.searchParams.set('scope', challenge.scope);
  const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  const res = await fetch(url, { headers: { authorization: `Basic ${basic}` }, signal: AbortSignal.timeout(10_000) });
  // The status only: the body of a failed token answer may echo what was sent.
  if (!res.ok) throw new Error(`registry token endpoint ${url.host} answered ${res.status}`);
  const body = (await res.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new Error(`registry token endpoint ${url.host} returned no token`);
  return token;
}
