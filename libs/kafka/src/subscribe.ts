import { ExponentialBackoff, handleWhen, retry, type IBackoffFactory, type IRetryBackoffContext } from 'cockatiel';
import type { Consumer } from 'kafkajs';
import type { Logger } from '@deltastream/observability';

/**
 * consumer.subscribe, again on a retriable broker error: right after a topic was created — or the broker
 * started — its metadata may not list the topic yet (UNKNOWN_TOPIC_OR_PARTITION, retriable), and kafkajs
 * gives up at once, which would fail the service's start. Eight retries, ~20–30 s of backoff, then the error.
 */
export async function subscribeWithRetry(consumer: Pick<Consumer, 'subscribe'>, topic: string, logger: Logger, backoff: IBackoffFactory<IRetryBackoffContext<unknown>> = new ExponentialBackoff({ initialDelay: 250, maxDelay: 5_000 })): Promise<void> {
  const policy = retry(
    handleWhen((error) => (error as { retriable?: unknown }).retriable === true),
    { maxAttempts: 8, backoff },
  );
  policy.onRetry(({ delay, ...outcome }) => logger.warn({ topic, delayMs: Math.round(delay), err: 'error' in outcome ? outcome.error.message : undefined }, 'subscribing failed; retrying'));
  await policy.execute(() => consumer.subscribe({ topic, fromBeginning: true }));
}
