import { logLevel } from 'kafkajs';
import { kafkajsLogLevel } from './client';

const concurrent = 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

describe('kafkajsLogLevel', () => {
  it("keeps kafkajs' level for ordinary lines", () => {
    expect(kafkajsLogLevel(logLevel.ERROR, { message: 'Response Produce(key: 0, version: 7)', error: 'This server is not the leader for that topic-partition' })).toBe('error');
    expect(kafkajsLogLevel(logLevel.WARN, { message: 'KafkaJS v2.0.0 switched default partitioner' })).toBe('warn');
    expect(kafkajsLogLevel(logLevel.INFO, { message: 'Starting' })).toBe('info');
  });

  it('turns the expected, retried CONCURRENT_TRANSACTIONS lines into debug, in the error field or the message', () => {
    expect(kafkajsLogLevel(logLevel.ERROR, { message: 'Response AddPartitionsToTxn(key: 24, version: 1)', error: concurrent })).toBe('debug');
    expect(kafkajsLogLevel(logLevel.ERROR, { message: `Failed to send messages: ${concurrent}` })).toBe('debug');
  });
});
