import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig } from '@deltastream/service-shell';
import { windowerConfigSchema } from './config';

function suiteFile(streamsYaml: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'windower-config-')), 'suite.yaml');
  writeFileSync(file, `version: 1\nstreams:\n${streamsYaml}`);
  return file;
}

describe('windower configuration', () => {
  it('maps each stream’s window (ms → windowMs) and fills the defaults', () => {
    const config = parseConfig('windower', windowerConfigSchema, {
      DELTASTREAM_CONFIG: suiteFile('  - name: sensors\n    window: { ms: 5000, hopMs: 1000, mode: latest }\n  - name: trades\n'),
      TOPIC_NAMESPACE: 'ns',
    });
    expect(config.DELTASTREAM_CONFIG).toEqual([
      { stream: 'sensors', windowMs: 5000, hopMs: 1000, allowedLatenessMs: 1000, idleFlushMs: 1000, maxEvents: 10_000, maxBytes: 512 * 1024, mode: 'latest' },
      { stream: 'trades', windowMs: 5000, allowedLatenessMs: 1000, idleFlushMs: 1000, maxEvents: 10_000, maxBytes: 512 * 1024, mode: 'all' },
    ]);
    expect([config.WINDOWER_MAX_BUFFERED_BYTES, config.WINDOWER_TICK_MS, config.WINDOWER_SESSION_TIMEOUT_MS]).toEqual([256 * 1024 * 1024, 250, 10_000]);
  });

  it('refuses a window the windowing library refuses (a hop longer than the window), naming the stream', () => {
    const parse = () => parseConfig('windower', windowerConfigSchema, { DELTASTREAM_CONFIG: suiteFile('  - name: sensors\n    window: { ms: 1000, hopMs: 2000 }\n') });
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/DELTASTREAM_CONFIG: stream "sensors": hopMs must be a positive integer ≤ windowMs/);
  });

  it('refuses a bad budget and a session timeout below the broker minimum', () => {
    expect(() => parseConfig('windower', windowerConfigSchema, { DELTASTREAM_CONFIG: suiteFile('  - name: s\n'), WINDOWER_MAX_BUFFERED_BYTES: '0', WINDOWER_SESSION_TIMEOUT_MS: '1000' })).toThrow(
      /WINDOWER_MAX_BUFFERED_BYTES[\s\S]*WINDOWER_SESSION_TIMEOUT_MS/,
    );
  });
});
