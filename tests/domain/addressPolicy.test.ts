import { literalHostVerdict, parseCidrList, tenantMayReach } from '../../domain/notifications/addressPolicy';

describe('tenant webhook address policy', () => {
  const none = parseCidrList('');
  it.each([
    ['8.8.8.8', true],
    ['2001:4860::8888', true],
    ['127.0.0.1', false],
    ['127.9.9.9', false],
    ['::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['::', false],
    ['fe80::1', false],
    ['fd00::1', false],
    ['224.0.0.1', false],
    ['not-an-ip', false],
  ])('%s → allowed %s', (address, ok) => {
    expect(tenantMayReach(address, none).ok).toBe(ok);
  });

  it('opens exactly the operator-listed ranges', () => {
    const allowed = parseCidrList(' 10.20.0.0/16 , fd12::/16');
    expect(tenantMayReach('10.20.3.4', allowed).ok).toBe(true);
    expect(tenantMayReach('10.21.3.4', allowed).ok).toBe(false);
    expect(tenantMayReach('fd12::7', allowed).ok).toBe(true);
    expect(tenantMayReach('127.0.0.1', allowed).ok).toBe(false);
  });

  it('names the range it refuses', () => {
    expect(tenantMayReach('169.254.169.254', none)).toEqual({
      ok: false,
      reason: '169.254.169.254 is a linkLocal address; tenant webhooks reach public addresses only',
    });
  });

  it('refuses a CIDR list entry that is not a CIDR', () => {
    expect(() => parseCidrList('10.0.0.0/8,nope')).toThrow('"nope" is not a CIDR such as 10.0.0.0/8');
  });

  it.each([
    ['127.0.0.1', false],
    ['[::1]', false],
    ['localhost', false],
    ['api.localhost', false],
    ['hooks.example.com', true],
    ['93.184.215.14', true],
  ])('host %s at subscription time → allowed %s', (host, ok) => {
    expect(literalHostVerdict(host, none).ok).toBe(ok);
  });
});
