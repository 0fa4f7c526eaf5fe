import { labelValue, revisionObjectName, slotOf, tenantNamespace } from '../../compute/kubernetes/names';

const DNS_1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

test.each(['acme', 'ACME Corp.', '550e8400-e29b-41d4-a716-446655440000', '---', 'x'.repeat(200)])(
  'tenant %s gets a valid namespace',
  (tenant) => {
    expect(tenantNamespace(tenant)).toMatch(DNS_1035);
  },
);

test('tenants that clean up to the same text still get different namespaces', () => {
  expect(tenantNamespace('Acme')).not.toBe(tenantNamespace('acme'));
});

test.each(['d-abc123-blue-1.0.0-c1-op1-r0', 'D_ÜBER/1.0+build', 'y'.repeat(300)])('revision key %s gets a valid object name', (key) => {
  const name = revisionObjectName(key);
  expect(name).toMatch(DNS_1035);
  // `-env` is appended for the Secret.
  expect(`${name}-env`.length).toBeLessThanOrEqual(63);
});

test.each([
  ['web', 'web'],
  ['a b', /^h-[0-9a-f]{20}$/],
  ['z'.repeat(64), /^h-[0-9a-f]{20}$/],
])('label value of %s', (text, expected) => {
  expect(labelValue(text)).toMatch(expected);
});

test.each([
  ['dep-1-blue-1.0.0-c1-op-r0', 'dep-1', 'blue'],
  ['dep-1-green-2-c3-op-r1', 'dep-1', 'green'],
  ['other-key', 'dep-1', undefined],
])('slot of %s', (key, deploymentId, slot) => {
  expect(slotOf(key, deploymentId)).toBe(slot);
});
