import { renderHaproxyFiles, type HaproxySettings } from '../../../traffic/haproxy/haproxyConfig';
import { emptyState } from '../../../traffic/haproxy/haproxyState';

const settings: HaproxySettings = {
  dir: '/srv/haproxy',
  bindHost: '127.0.0.1',
  port: 8080,
  adminHost: '127.0.0.1',
  adminPort: 8081,
  maxBodyBytes: 1024,
};
const globalSection = (config: string) => config.slice(0, config.indexOf('\ndefaults'));

test.each([
  [undefined, []],
  [1, ['  nbthread 1']],
  [2, ['  nbthread 2']],
])('threads %p renders nbthread lines %p in the global section', (threads, expected) => {
  const { config } = renderHaproxyFiles(emptyState({ poolSize: 1, slotsPerBackend: 1 }), { ...settings, threads });
  expect(
    globalSection(config)
      .split('\n')
      .filter((l) => l.includes('nbthread')),
  ).toEqual(expected);
});
