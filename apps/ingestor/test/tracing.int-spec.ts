import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ChangeEventSchema, topicCatalog } from '@deltastream/contracts';
import { createKafkaClient } from '@deltastream/kafka';
import { createLogger } from '@deltastream/observability';
import { eventually, OtlpReceiver, startService, TopicReader, waitForStatus, type RunningService } from '@deltastream/testing';
import { FakeUpstream, sourceYaml } from './fake-upstream';

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

describe('ingestor tracing over OTLP', () => {
  let service: RunningService | undefined;
  let reader: TopicReader<typeof ChangeEventSchema> | undefined;
  const upstream = new FakeUpstream();
  const collector = new OtlpReceiver();

  afterAll(async () => {
    service?.child.kill('SIGKILL');
    await service?.exited;
    await reader?.stop();
    await upstream.stop();
    await collector.stop();
  });

  it('exports a span per poll that the produced records carry as their parent', async () => {
    const url = await upstream.start();
    await collector.start();
    upstream.records = Array.from({ length: 5 }, (_, i) => ({ id: `e${i}`, version: 1, updated_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }));
    const namespace = `it-trace-${randomUUID().slice(0, 8)}`;
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ds-trace-')), 'deltastream.yaml');
    const sourceId = `traced-${randomUUID().slice(0, 6)}`;
    writeFileSync(file, `version: 1\nsources:\n${sourceYaml(sourceId, url)}`);
    service = await startService('ingestor', { DELTASTREAM_CONFIG: file, TOPIC_NAMESPACE: namespace, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '100' });
    await waitForStatus(service, '/readyz', 200);
    const kafka = createKafkaClient({ clientId: 'trace-it', brokers, logger: createLogger('trace-it', 'warn') });
    reader = await new TopicReader(kafka, topicCatalog({ namespace }).events.name, ChangeEventSchema).start();
    await eventually(() => reader?.records.length === 5, 30_000, () => '5 events');

    const traceparent = reader.records[0]?.headers?.['traceparent']?.toString() ?? '';
    const [, traceId, spanId] = traceparent.split('-');
    await eventually(() => collector.trace(traceId ?? '').length > 0, 30_000, () => `spans of trace ${traceId}`);
    const span = collector.trace(traceId ?? '').find((s) => s.spanId === spanId);
    expect(span).toMatchObject({ service: 'ingestor', name: `poll ${sourceId}`, attributes: { 'deltastream.source': sourceId } });
  });
});
