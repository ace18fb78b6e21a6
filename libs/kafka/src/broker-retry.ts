import { ExponentialBackoff, handleWhen, retry, type IBackoffFactory, type IRetryBackoffContext } from 'cockatiel';
import type { Consumer } from 'kafkajs';
import type { Logger } from '@deltastream/observability';

type Backoff = IBackoffFactory<IRetryBackoffContext<unknown>>;

/**
 * A broker call, again on a retriable broker error. Right after a topic was created — or the broker
 * started — its metadata may not list the topic or its leader yet (UNKNOWN_TOPIC_OR_PARTITION,
 * NOT_LEADER_FOR_PARTITION: retriable), and several kafkajs calls give up at once, which would fail the
 * service's start. Eight retries, ~20–30 s of backoff, then the error; anything not retriable at once.
 */
export async function retryRetriable<T>(what: string, call: () => Promise<T>, logger: Logger, backoff: Backoff = new ExponentialBackoff({ initialDelay: 250, maxDelay: 5_000 })): Promise<T> {
  const policy = retry(
    handleWhen((error) => (error as { retriable?: unknown }).retriable === true),
    { maxAttempts: 8, backoff },
  );
  policy.onRetry(({ delay, ...outcome }) => logger.warn({ delayMs: Math.round(delay), err: 'error' in outcome ? outcome.error.message : undefined }, `${what} failed; retrying`));
  return policy.execute(call);
}

/** consumer.subscribe from the beginning, through retryRetriable. */
export function subscribeWithRetry(consumer: Pick<Consumer, 'subscribe'>, topic: string, logger: Logger, backoff?: Backoff): Promise<void> {
  return retryRetriable(`subscribing to ${topic}`, () => consumer.subscribe({ topic, fromBeginning: true }), logger, backoff);
}

/**
 * A transaction step, again while the coordinator still finishes this producer's previous transaction.
 * EndTxn returns once the commit is decided; the coordinator writes the markers after that, and a next
 * transaction that starts within those few milliseconds gets CONCURRENT_TRANSACTIONS. kafkajs retries that
 * for AddPartitionsToTxn (inside send) but not for AddOffsetsToTxn (sendOffsets), which fails the
 * transaction — and a failed transaction means resetting the partition and reading it again. Short delays,
 * like the Java client's 20 ms for this error: the wait is for markers on the same cluster, not an outage.
 */
export function retryConcurrentTransaction<T>(call: () => Promise<T>, backoff: Backoff = new ExponentialBackoff({ initialDelay: 10, maxDelay: 1_000 })): Promise<T> {
  return retry(handleWhen(isConcurrentTransactions), { maxAttempts: 12, backoff }).execute(call);
}

/** kafkajs' protocol error for code 51. */
function isConcurrentTransactions(error: unknown): boolean {
  return (error as { type?: unknown }).type === 'CONCURRENT_TRANSACTIONS';
}
