/**
 * A correct replacement for kafkajs 2.2.4's `consumer/filterAbortedMessages` (the read_committed filter),
 * installed with jest.mock in the tests that read transactional topics.
 *
 * The original activates at most one aborted transaction per record (`if` where a loop is needed), so when
 * several aborted transactions of different producers start before the same record, the records of all
 * but the first get through. Seen on the windows topic after a kill -9: an aborted WindowBatch that
 * `kcat -X isolation.level=read_committed` does not show. Like the Java consumer, this version activates
 * every aborted transaction that started at or before the record, in order of first offset.
 */
interface Message {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly isControlRecord?: boolean;
  readonly batchContext: { readonly producerId: string | number; readonly inTransaction: boolean };
}

interface AbortedTransaction {
  readonly producerId: string | number;
  readonly firstOffset: string | number;
}

const offset = (value: string | number) => BigInt(String(value));

const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);

export function filterAbortedMessages({ messages, abortedTransactions }: { messages: Message[]; abortedTransactions?: AbortedTransaction[] }): Message[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return messages;
  const pending = [...abortedTransactions].sort((a, b) => (offset(a.firstOffset) < offset(b.firstOffset) ? -1 : 1));
  const aborting = new Set<string>();
  return messages.filter((message) => {
    while (pending.length > 0 && offset(message.offset) >= offset((pending[0] as AbortedTransaction).firstOffset)) {
      aborting.add(String((pending.shift() as AbortedTransaction).producerId));
    }
    const producerId = String(message.batchContext.producerId);
    if (message.isControlRecord && message.key && Buffer.from(message.key).equals(ABORT_MARKER_KEY)) {
      aborting.delete(producerId);
      return true;
    }
    return !(aborting.has(producerId) && message.batchContext.inTransaction);
  });
}
