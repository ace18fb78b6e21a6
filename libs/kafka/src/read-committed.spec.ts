// kafkajs 2.2.4's read_committed filter activates at most one aborted transaction per record, so a fetch
// that starts inside several aborted transactions let the records of all but the first through (seen as a
// duplicated window batch after a kill -9). patches/kafkajs+2.2.4.patch (applied by patch-package on
// npm install) fixes it; this test fails if the patch is not applied.
type KafkajsBatch = new (topic: string, fetchedOffset: string, data: unknown) => { messages: { offset: string }[] };
const Batch = require('kafkajs/src/consumer/batch') as KafkajsBatch;

const record = (offset: number, producerId: string, control?: 'abort' | 'commit') => ({
  offset: String(offset),
  key: control ? Buffer.from([0, 0, 0, control === 'abort' ? 0 : 1]) : Buffer.from('k'),
  isControlRecord: control !== undefined,
  batchContext: { producerId, inTransaction: true },
});

describe('kafkajs read_committed filter (patched)', () => {
  it('drops the records of every aborted transaction a fetch starts inside, keeps committed ones', () => {
    // A fetch from offset 2, inside both aborted transactions (producers 5 and 6 began at 0 and 1); 7 commits.
    const batch = new Batch('t', '2', {
      partition: 0,
      highWatermark: '10',
      abortedTransactions: [
        { producerId: '5', firstOffset: '0' },
        { producerId: '6', firstOffset: '1' },
      ],
      messages: [record(2, '6'), record(3, '7'), record(4, '5'), record(5, '5', 'abort'), record(6, '6', 'abort'), record(7, '7', 'commit'), record(8, '5')],
    });
    // Control records never reach consumers; 8 is after producer 5's abort marker, so it is live again.
    expect(batch.messages.map((m) => m.offset)).toEqual(['3', '8']);
  });
});
