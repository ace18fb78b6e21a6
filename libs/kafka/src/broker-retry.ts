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
