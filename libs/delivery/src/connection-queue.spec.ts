import fc from 'fast-check';
import { CloseCode } from './close-codes';
import { ConnectionQueue, type ConnectionQueueOptions, type EnqueueOutcome, type OutboundItem, type QueueSnapshot } from './connection-queue';
import type { SlowConsumerPolicyName } from './subscription';

type Payload = string;

const frame = (stream: string, seq: number, bytes = 100): OutboundItem<Payload> => ({ kind: 'frame', stream, seq, bytes, payload: `${stream}#${seq}` });
const notice = (bytes = 10, payload = 'pong'): OutboundItem<Payload> => ({ kind: 'notice', bytes, payload });

function queueOf(capBytes: number, policy: SlowConsumerPolicyName, snapshotFor: ConnectionQueueOptions<Payload>['snapshotFor'] = () => undefined) {
  return new ConnectionQueue<Payload>({ capBytes, defaultPolicy: policy, snapshotFor, gapNoticeBytes: 50 });
}

function drain(queue: ConnectionQueue<Payload>): OutboundItem<Payload>[] {
  queue.reportDrained();
  const items: OutboundItem<Payload>[] = [];
  for (let item = queue.next(); item; item = queue.next()) items.push(item);
  return items;
}

function takeOne(queue: ConnectionQueue<Payload>): OutboundItem<Payload>[] {
  const item = queue.next();
  return item ? [item] : [];
}

/** One line per item, easy to read in expectations. */
function describeItems(items: readonly OutboundItem<Payload>[]): string[] {
  return items.map((item) => {
    switch (item.kind) {
      case 'frame':
        return `${item.stream} frame ${item.seq}`;
      case 'snapshot':
        return `${item.stream} snapshot ${item.seq}`;
      case 'gap':
        return `${item.stream} gap ${item.payload.firstMissingSeq}-${item.payload.lastMissingSeq} ${item.payload.reason}`;
      case 'notice':
        return `notice ${item.payload}`;
    }
  });
}

describe('ConnectionQueue', () => {
  it('hands out items in order, only while the transport is writable', () => {
    const queue = queueOf(1000, 'drop-oldest');
    queue.enqueue(frame('s', 1));
    queue.enqueue(notice());
    queue.reportWritable(false);
    expect(queue.next()).toBeUndefined();
    expect(queue.metrics()).toMatchObject({ queuedBytes: 110, queuedPayloads: 2, writable: false });
    expect(describeItems(drain(queue))).toEqual(['s frame 1', 'notice pong']);
    expect(queue.metrics()).toMatchObject({ queuedBytes: 0, queuedPayloads: 0, queuedEntries: 0, peakQueuedBytes: 110 });
  });

  it('pumps until the transport reports a full buffer, then waits for drained', () => {
    const queue = queueOf(1000, 'drop-oldest');
    for (let seq = 1; seq <= 4; seq++) queue.enqueue(frame('s', seq));
    const written: number[] = [];
    const write = (item: OutboundItem<Payload>) => {
      if (item.kind === 'frame') written.push(item.seq);
      return written.length % 2 !== 0;
    };
    expect(queue.pump(write)).toBe(2);
    expect(queue.pump(write)).toBe(0);
    queue.reportDrained();
    expect(queue.pump(write)).toBe(2);
    expect(written).toEqual([1, 2, 3, 4]);
  });

  describe('drop-oldest', () => {
    it('drops the oldest frames and names them with one gap notice before the next frame', () => {
      const queue = queueOf(300, 'drop-oldest');
      queue.reportWritable(false);
      const outcomes = [1, 2, 3, 4, 5].map((seq) => queue.enqueue(frame('s', seq)).action);
      expect(outcomes).toEqual(['queued', 'queued', 'queued', 'queued', 'queued']);
      expect(queue.metrics()).toMatchObject({ queuedBytes: 300, droppedFrames: 2 });
      expect(describeItems(drain(queue))).toEqual(['s gap 1-2 slow_consumer', 's frame 3', 's frame 4', 's frame 5']);
      expect(queue.metrics()).toMatchObject({ gapNotices: 1, droppedFrames: 2 });
    });

    it('starts a new gap notice once the previous one was written', () => {
      const queue = queueOf(200, 'drop-oldest');
      queue.reportWritable(false);
      for (const seq of [1, 2, 3]) queue.enqueue(frame('s', seq));
      queue.reportDrained();
      expect(describeItems(takeOne(queue))).toEqual(['s gap 1-1 slow_consumer']);
      queue.reportWritable(false);
      for (const seq of [4, 5]) queue.enqueue(frame('s', seq));
      expect(describeItems(drain(queue))).toEqual(['s gap 2-3 slow_consumer', 's frame 4', 's frame 5']);
    });

    it('sheds the oldest frames of the whole queue when the stream has none of its own', () => {
      const queue = queueOf(300, 'drop-oldest');
      queue.reportWritable(false);
      for (const seq of [1, 2, 3]) queue.enqueue(frame('busy', seq));
      expect(queue.enqueue(frame('quiet', 1)).action).toBe('queued');
      expect(describeItems(drain(queue))).toEqual(['busy gap 1-1 slow_consumer', 'busy frame 2', 'busy frame 3', 'quiet frame 1']);
    });

    it('makes the stream that overflows pay first, sparing older frames of quieter streams', () => {
      const queue = queueOf(300, 'drop-oldest');
      queue.reportWritable(false);
      queue.enqueue(frame('quiet', 1));
      for (const seq of [1, 2, 3]) queue.enqueue(frame('busy', seq));
      expect(describeItems(drain(queue))).toEqual(['quiet frame 1', 'busy gap 1-1 slow_consumer', 'busy frame 2', 'busy frame 3']);
    });

    it('sheds a coalescing stream by coalescing it, and closes rather than drop a disconnect stream', () => {
      const snapshots = (stream: string, asOfSeq: number): QueueSnapshot<Payload> => ({ asOfSeq, bytes: 20, payload: `${stream}@${asOfSeq}` });
      const queue = queueOf(300, 'drop-oldest', snapshots);
      queue.setPolicy('state', 'coalesce');
      queue.reportWritable(false);
      for (const seq of [1, 2, 3]) queue.enqueue(frame('state', seq));
      queue.enqueue(frame('events', 1));
      expect(describeItems(drain(queue))).toEqual(['state snapshot 3', 'events frame 1']);

      const strict = queueOf(200, 'drop-oldest');
      strict.setPolicy('orders', 'disconnect');
      strict.reportWritable(false);
      strict.enqueue(frame('orders', 1));
      strict.enqueue(frame('orders', 2));
      expect(strict.enqueue(frame('events', 1))).toMatchObject({ action: 'close', code: CloseCode.SlowConsumer });
    });
  });

  describe('coalesce', () => {
    it('replaces the queued frames with one snapshot, built when it is written, that later frames fold into', () => {
      const asked: Array<[string, number]> = [];
      const queue = queueOf(300, 'coalesce', (stream, asOfSeq) => {
        asked.push([stream, asOfSeq]);
        return { asOfSeq, bytes: 40, payload: `snapshot@${asOfSeq}` };
      });
      queue.reportWritable(false);
      const outcomes = [1, 2, 3, 4, 5].map((seq) => queue.enqueue(frame('s', seq)).action);
      expect(outcomes).toEqual(['queued', 'queued', 'queued', 'coalesced', 'coalesced']);
      // The frames' bytes are released at once; the snapshot is not built yet.
      expect(queue.metrics()).toMatchObject({ queuedBytes: 0, coalesces: 1, coalescedFrames: 5 });
      expect(asked).toEqual([]);
      queue.reportDrained();
      expect(queue.next()).toEqual({ kind: 'snapshot', stream: 's', seq: 5, bytes: 40, payload: 'snapshot@5' });
      expect(asked).toEqual([['s', 5]]);
      expect(queue.enqueue(frame('s', 6)).action).toBe('queued');
      expect(describeItems(drain(queue))).toEqual(['s frame 6']);
    });

    it('skips later frames a newer-than-asked snapshot already reflects', () => {
      const queue = queueOf(200, 'coalesce', () => ({ asOfSeq: 9, bytes: 40, payload: 'snapshot@9' }));
      queue.reportWritable(false);
      for (const seq of [1, 2, 3]) queue.enqueue(frame('s', seq));
      queue.reportDrained();
      expect(describeItems(takeOne(queue))).toEqual(['s snapshot 9']);
      expect([8, 9, 10].map((seq) => queue.enqueue(frame('s', seq)).action)).toEqual(['superseded', 'superseded', 'queued']);
      expect(queue.metrics().supersededFrames).toBe(2);
    });

    it('names what was folded with a gap notice when no snapshot is available', () => {
      const queue = queueOf(200, 'coalesce', () => undefined);
      queue.reportWritable(false);
      for (const seq of [1, 2, 3, 4]) queue.enqueue(frame('s', seq));
      queue.enqueue(frame('s', 5));
      expect(describeItems(drain(queue))).toEqual(['s gap 1-5 slow_consumer']);
      expect(queue.metrics()).toMatchObject({ snapshotFallbacks: 1, gapNotices: 1 });
      // A snapshot older than asked is as good as none.
      const stale = queueOf(100, 'coalesce', () => ({ asOfSeq: 1, bytes: 10, payload: 'old' }));
      stale.reportWritable(false);
      for (const seq of [1, 2, 3]) stale.enqueue(frame('s', seq));
      expect(describeItems(drain(stale))).toEqual(['s gap 1-3 slow_consumer']);
    });
  });

  describe('disconnect', () => {
    it('asks for a 4008 close when full, then refuses everything and releases its payloads', () => {
      const queue = queueOf(200, 'disconnect');
      queue.reportWritable(false);
      queue.enqueue(frame('s', 1));
      queue.enqueue(frame('s', 2));
      const closing = queue.enqueue(frame('s', 3));
      expect(closing).toEqual({ action: 'close', code: CloseCode.SlowConsumer, reason: 'slow consumer: the queue is full (stream "s", policy disconnect)' });
      expect(queue.closed).toBe(true);
      expect(queue.enqueue(notice())).toBe(closing);
      expect(drain(queue)).toEqual([]);
      expect(queue.metrics()).toMatchObject({ queuedBytes: 0, queuedPayloads: 0, disconnects: 1 });
    });
  });

  describe('items larger than the cap', () => {
    it('admits one alone into an empty queue', () => {
      const queue = queueOf(100, 'disconnect');
      expect(queue.enqueue(frame('s', 1, 500)).action).toBe('queued');
      expect(queue.metrics()).toMatchObject({ queuedBytes: 500, oversizedItems: 1 });
      expect(describeItems(drain(queue))).toEqual(['s frame 1']);
    });

    it('is handled by policy, without shedding the queue for it, when other bytes are queued', () => {
      // drop-oldest: the stream's older frames go first; other streams are not shed for it.
      const dropping = queueOf(300, 'drop-oldest');
      dropping.reportWritable(false);
      dropping.enqueue(frame('other', 1));
      dropping.enqueue(frame('s', 1));
      expect(dropping.enqueue(frame('s', 2, 1000)).action).toBe('dropped');
      dropping.enqueue(frame('s', 3));
      expect(describeItems(drain(dropping))).toEqual(['other frame 1', 's gap 1-2 slow_consumer', 's frame 3']);

      const alone = queueOf(300, 'drop-oldest');
      alone.reportWritable(false);
      alone.enqueue(frame('s', 1));
      expect(alone.enqueue(frame('s', 2, 1000)).action).toBe('queued');
      expect(describeItems(drain(alone))).toEqual(['s gap 1-1 slow_consumer', 's frame 2']);

      const closing = queueOf(300, 'disconnect');
      closing.enqueue(frame('s', 1));
      expect(closing.enqueue(frame('s', 2, 1000)).action).toBe('close');
    });
  });

  describe('control items', () => {
    it('are never dropped: frames are shed for them, and the connection closes if that is not enough', () => {
      const queue = queueOf(300, 'drop-oldest');
      queue.reportWritable(false);
      for (const seq of [1, 2, 3]) queue.enqueue(frame('s', seq));
      expect(queue.enqueue(notice(150, 'ack')).action).toBe('queued');
      expect(describeItems(drain(queue))).toEqual(['s gap 1-2 slow_consumer', 's frame 3', 'notice ack']);

      const full = queueOf(300, 'drop-oldest');
      full.reportWritable(false);
      full.enqueue(notice(250, 'a'));
      expect(full.enqueue(notice(100, 'b'))).toMatchObject({ action: 'close', code: CloseCode.SlowConsumer });
    });

    it('delivers a caller snapshot and skips frames it already reflects, and never an older snapshot', () => {
      const queue = queueOf(1000, 'drop-oldest');
      queue.enqueue({ kind: 'gap', stream: 's', seq: 4, bytes: 50, payload: { stream: 's', firstMissingSeq: 1, lastMissingSeq: 4, reason: 'retention', earliestAvailableSeq: 5 } });
      queue.enqueue({ kind: 'snapshot', stream: 's', seq: 6, bytes: 200, payload: 'initial@6' });
      expect([5, 6, 7].map((seq) => queue.enqueue(frame('s', seq)).action)).toEqual(['superseded', 'superseded', 'queued']);
      queue.enqueue({ kind: 'snapshot', stream: 's', seq: 7, bytes: 200, payload: 'stale@7' });
      expect(describeItems(drain(queue))).toEqual(['s gap 1-4 retention', 's snapshot 6', 's frame 7']);
    });
  });

  it('never moves a client backwards, whatever order the caller enqueues in', () => {
    const queue = queueOf(1000, 'drop-oldest');
    queue.enqueue(frame('s', 5));
    queue.enqueue(frame('s', 6));
    queue.enqueue({ kind: 'gap', stream: 's', seq: 10, bytes: 50, payload: { stream: 's', firstMissingSeq: 1, lastMissingSeq: 10, reason: 'retention' } });
    queue.enqueue(frame('s', 8));
    queue.enqueue(frame('s', 11));
    expect(describeItems(drain(queue))).toEqual(['s frame 5', 's frame 6', 's gap 7-10 retention', 's frame 11']);
    expect(queue.enqueue(frame('s', 11)).action).toBe('superseded');
  });

  it('forgets an unsubscribed stream with everything it had queued', () => {
    const queue = queueOf(300, 'drop-oldest');
    queue.reportWritable(false);
    for (const seq of [1, 2, 3, 4]) queue.enqueue(frame('gone', seq));
    queue.enqueue({ kind: 'notice', stream: 'gone', bytes: 10, payload: 'subscribed' });
    queue.enqueue(frame('kept', 1, 10));
    queue.forgetStream('gone');
    expect(queue.metrics()).toMatchObject({ queuedBytes: 10, queuedPayloads: 1, queuedEntries: 1 });
    expect(describeItems(drain(queue))).toEqual(['kept frame 1']);
  });

  it('rejects a cap that is not positive', () => {
    expect(() => queueOf(0, 'coalesce')).toThrow(RangeError);
  });

  describe('properties', () => {
    const STREAMS = ['a', 'b', 'c'] as const;
    const policy = fc.constantFrom<SlowConsumerPolicyName>('coalesce', 'drop-oldest', 'disconnect');
    const operation = fc.oneof(
      { weight: 6, arbitrary: fc.record({ op: fc.constant('frame' as const), stream: fc.constantFrom(...STREAMS), bytes: fc.integer({ min: 1, max: 600 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('notice' as const), bytes: fc.integer({ min: 1, max: 60 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('take' as const), count: fc.integer({ min: 1, max: 4 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('blocked' as const) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('drained' as const) }) },
    );

    it('stays within the cap (+ one item) and never loses a seq silently, for any sequence of events', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 50, max: 500 }),
          fc.tuple(policy, policy, policy),
          fc.boolean(),
          fc.array(operation, { maxLength: 150 }),
          (capBytes, policies, snapshotsAvailable, operations) => {
            const lastEnqueued = new Map<string, number>(STREAMS.map((s) => [s, 0]));
            const lastOutcome = new Map<string, EnqueueOutcome['action']>();
            const queue = new ConnectionQueue<Payload>({
              capBytes,
              snapshotFor: (stream, asOfSeq) => (snapshotsAvailable ? { asOfSeq, bytes: 30, payload: `${stream}@${asOfSeq}` } : undefined),
            });
            STREAMS.forEach((stream, i) => queue.setPolicy(stream, policies[i] ?? 'coalesce'));
            const delivered: OutboundItem<Payload>[] = [];
            let noticesAccepted = 0;
            for (const operation of operations) {
              switch (operation.op) {
                case 'frame': {
                  const seq = (lastEnqueued.get(operation.stream) ?? 0) + 1;
                  lastEnqueued.set(operation.stream, seq);
                  lastOutcome.set(operation.stream, queue.enqueue(frame(operation.stream, seq, operation.bytes)).action);
                  break;
                }
                case 'notice':
                  if (queue.enqueue(notice(operation.bytes)).action === 'queued') noticesAccepted++;
                  break;
                case 'take':
                  for (let i = 0; i < operation.count; i++) {
                    const item = queue.next();
                    if (item) delivered.push(item);
                  }
                  break;
                case 'blocked':
                  queue.reportWritable(false);
                  break;
                case 'drained':
                  queue.reportDrained();
                  break;
              }
              const metrics = queue.metrics();
              expect(metrics.queuedBytes <= capBytes || metrics.queuedPayloads === 1).toBe(true);
            }
            delivered.push(...drain(queue));

            for (const stream of STREAMS) {
              // Walk what the client saw: each item continues exactly where the previous one ended.
              let position = 0;
              for (const item of delivered) {
                if (item.kind === 'notice' || item.stream !== stream) continue;
                if (item.kind === 'frame') expect(item.seq).toBe(position + 1);
                if (item.kind === 'gap') {
                  expect(item.payload.firstMissingSeq).toBe(position + 1);
                  expect(item.payload.lastMissingSeq).toBeGreaterThanOrEqual(item.payload.firstMissingSeq);
                }
                if (item.kind === 'snapshot') expect(item.seq).toBeGreaterThan(position);
                position = item.seq;
              }
              if (queue.closed) continue;
              // Nothing was lost silently: frames, gap ranges and snapshots cover 1..N exactly.
              expect(position).toBe(lastEnqueued.get(stream));
              const kinds = new Set(delivered.filter((item) => item.kind !== 'notice' && item.stream === stream).map((item) => item.kind));
              if (queue.metrics().disconnects === 0 && policies[STREAMS.indexOf(stream)] === 'disconnect') expect([...kinds].every((kind) => kind === 'frame')).toBe(true);
              if (lastOutcome.get(stream) === 'coalesced') {
                const last = delivered.filter((item) => item.kind !== 'notice' && item.stream === stream).at(-1);
                expect(last).toMatchObject({ kind: snapshotsAvailable ? 'snapshot' : 'gap', seq: lastEnqueued.get(stream) });
              }
            }
            if (!queue.closed) expect(delivered.filter((item) => item.kind === 'notice')).toHaveLength(noticesAccepted);
          },
        ),
        { numRuns: 400 },
      );
    });
  });
});
