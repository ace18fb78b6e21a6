import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectConfigRefused, expectServiceLifecycle, startService } from '@deltastream/testing';

describe('enricher service shell', () => {
  it('boots, reports healthy and ready (kafka, redis, consumer group), and exits 0 on SIGTERM', async () => {
    await expectServiceLifecycle('enricher', ['kafka', 'redis', 'consumer_group']);
  });

  it('refuses an invalid configuration with a clear message and exit code 78', async () => {
    await expectConfigRefused('enricher', { HTTP_PORT: 'not-a-port', LOG_LEVEL: 'loud' }, ['HTTP_PORT', 'LOG_LEVEL']);
  });

  it('refuses a suite file with an invalid transform, naming the step by its position', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ds-enrich-boot-')), 'deltastream.yaml');
    writeFileSync(file, 'version: 1\nsources: []\nstreams:\n  - name: sensors\n    transforms:\n      - { type: dropEmpty }\n      - { type: uppercase, fields: [id] }\n');
    const service = await startService('enricher', { DELTASTREAM_CONFIG: file });
    expect(await service.exited).toBe(78);
    expect(service.output()).toContain('enricher: invalid configuration');
    expect(service.output()).toContain('streams.0.transforms.1.type: unknown transform type "uppercase"');
  });
});
