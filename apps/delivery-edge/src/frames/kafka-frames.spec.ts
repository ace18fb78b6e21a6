import { ReplayReader, type FramesReaderOptions } from './kafka-frames';

/** A kafkajs consumer whose connect waits until released, recording the order of calls. */
function fakeKafka() {
  const calls: string[] = [];
  const configs: unknown[] = [];
  let releaseConnect: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (releaseConnect = resolve));
  const consumer = {
    events: { GROUP_JOIN: 'join', CRASH: 'crash' },
    on: () => undefined,
    connect: async () => {
      calls.push('connect:start');
      await connected;
      calls.push('connect:end');
    },
    subscribe: async () => void calls.push('subscribe'),
    run: async () => void calls.push('run'),
    seek: () => void calls.push('seek'),
    disconnect: async () => void calls.push('disconnect'),
  };
  const options = {
    kafka: { consumer: (config: unknown) => (configs.push(config), consumer) },
    admin: { fetchTopicOffsets: async () => [{ partition: 0, low: '0', high: '10' }] },
    topic: 'frames',
    groupPrefix: 'edge',
    maxRawBytes: 1 << 20,
    logger: { warn: () => undefined },
    onUndecodable: () => undefined,
  } as unknown as FramesReaderOptions;
  return { options, calls, configs, releaseConnect };
}

const target = { stream: 's', partition: 0, startOffset: 0, lastOffset: 9, onFrame: () => undefined, onEnd: () => undefined };

describe('ReplayReader', () => {
  it('a stop while the consumer is still connecting waits for the start and then disconnects that consumer, once', async () => {
    const { options, calls, releaseConnect } = fakeKafka();
    const reader = new ReplayReader(options, target, () => undefined);
    const started = reader.start();
    await new Promise((resolve) => setImmediate(resolve));
    const stopped = reader.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['connect:start']); // nothing disconnected under a connect still in progress
    releaseConnect();
    await Promise.all([started, stopped]);
    expect(calls).toEqual(['connect:start', 'connect:end', 'subscribe', 'run', 'disconnect']);
    expect(ReplayReader.live).toBe(0);
    await reader.stop();
    expect(calls.filter((c) => c === 'disconnect')).toHaveLength(1);
  });

  it('creates consumers kafkajs never restarts on its own (an owned consumer that crashes is not run again unowned)', async () => {
    const { options, configs, releaseConnect } = fakeKafka();
    releaseConnect();
    const reader = new ReplayReader(options, target, () => undefined);
    await reader.start();
    const config = configs[0] as { retry?: { restartOnFailure?: (error: Error) => Promise<boolean> } };
    expect(await config.retry?.restartOnFailure?.(new Error('crash'))).toBe(false);
    await reader.stop();
    expect(ReplayReader.live).toBe(0);
  });
});
