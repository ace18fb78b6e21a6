import { ChangeEventSchema, DeadLetterSchema, FrameSchema, WindowBatchSchema, EncodedBatchSchema } from './index';
import { DEFAULT_FRAMES_RETENTION_MS, topicCatalog } from './topics';

describe('topicCatalog', () => {
  const catalog = topicCatalog();

  it('names every topic with a version suffix and keeps the names unique', () => {
    const names = Object.values(catalog).map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^deltastream\.[a-z-]+\.v\d+$/);
  });

  it('declares the generated Protobuf type of each value', () => {
    const generated = [ChangeEventSchema, WindowBatchSchema, EncodedBatchSchema, FrameSchema, DeadLetterSchema].map((s) => s.typeName);
    expect(Object.values(catalog).map((t) => t.valueType).sort()).toEqual(generated.sort());
  });

  it('retains frames 7 days by default so late consumers can replay, and honours overrides', () => {
    expect(catalog.frames.retentionMs).toBe(DEFAULT_FRAMES_RETENTION_MS);
    expect(DEFAULT_FRAMES_RETENTION_MS).toBe(604_800_000);
    const custom = topicCatalog({ partitions: 12, framesRetentionMs: 3_600_000 });
    expect(custom.frames.retentionMs).toBe(3_600_000);
    expect(custom.events.partitions).toBe(12);
    expect(custom.deadLetter.partitions).toBe(3);
    expect(topicCatalog({ namespace: 'staging' }).frames.name).toBe('staging.frames.v1');
  });
});
