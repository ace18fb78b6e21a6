import { ConstantBackoff } from 'cockatiel';
import { createLogger } from '@deltastream/observability';
import { retryConcurrentTransaction, retryRetriable, subscribeWithRetry } from './broker-retry';

const logger = createLogger('subscribe-spec', 'silent');

/** A consumer whose subscribe fails with the given errors first. */
function consumer(failures: Error[]) {
  const calls: unknown[] = [];
  return {
    calls,
    subscribe: (subscription: unknown) => {
      calls.push(subscription);
      const failure = failures.shift();
      return failure ? Promise.reject(failure) : Promise.resolve();
    },
  };
}

const retriable = () => Object.assign(new Error('This server does not host this topic-partition'), { retriable: true });

describe('retryRetriable and subscribeWithRetry', () => {
  it('subscribes again after retriable broker errors (a topic the broker does not list yet)', async () => {
    const fake = consumer([retriable(), retriable()]);
    await subscribeWithRetry(fake, 't', logger, new ConstantBackoff(1));
    expect(fake.calls).toEqual([{ topic: 't', fromBeginning: true }, { topic: 't', fromBeginning: true }, { topic: 't', fromBeginning: true }]);
  });

  it('fails at once on an error that retrying cannot fix, and after eight retries of one that persists', async () => {
    const fatal = consumer([new Error('not authorised')]);
    await expect(subscribeWithRetry(fatal, 't', logger, new ConstantBackoff(1))).rejects.toThrow('not authorised');
    expect(fatal.calls).toHaveLength(1);
    const stuck = consumer(Array.from({ length: 20 }, retriable));
    await expect(subscribeWithRetry(stuck, 't', logger, new ConstantBackoff(1))).rejects.toThrow('does not host');
    expect(stuck.calls).toHaveLength(9);
  });

  it('retries any broker call the same way and returns its result (the edge reading offsets of a fresh topic)', async () => {
    const failures = [Object.assign(new Error('This server is not the leader for that topic-partition'), { retriable: true })];
    let calls = 0;
    const offsets = await retryRetriable('reading offsets', () => (calls++, failures.length > 0 ? Promise.reject(failures.shift() as Error) : Promise.resolve([{ partition: 0 }])), logger, new ConstantBackoff(1));
    expect(offsets).toEqual([{ partition: 0 }]);
    expect(calls).toBe(2);
  });
});

describe('retryConcurrentTransaction', () => {
  const concurrent = () => Object.assign(new Error('another concurrent operation on the same transaction was ongoing'), { type: 'CONCURRENT_TRANSACTIONS', retriable: true });

  it('calls again while the previous transaction is still completing, then returns the result', async () => {
    const failures = [concurrent(), concurrent(), concurrent()];
    let calls = 0;
    const result = await retryConcurrentTransaction(() => (calls++, failures.length > 0 ? Promise.reject(failures.shift() as Error) : Promise.resolve('added')), new ConstantBackoff(1));
    expect(result).toBe('added');
    expect(calls).toBe(4);
  });

  it('fails at once on any other error, even a retriable one, and after twelve retries if the coordinator stays busy', async () => {
    let calls = 0;
    const fenced = Object.assign(new Error('producer fenced'), { type: 'INVALID_PRODUCER_EPOCH', retriable: true });
    await expect(retryConcurrentTransaction(() => (calls++, Promise.reject(fenced)), new ConstantBackoff(1))).rejects.toThrow('producer fenced');
    expect(calls).toBe(1);
    calls = 0;
    await expect(retryConcurrentTransaction(() => (calls++, Promise.reject(concurrent())), new ConstantBackoff(1))).rejects.toThrow('concurrent operation');
    expect(calls).toBe(13);
  });
});
