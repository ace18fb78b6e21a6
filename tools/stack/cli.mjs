#!/usr/bin/env node
// npm run stack:up | stack:down | stack:status
import { StackError } from './process.mjs';
import { stackDown, stackStatus, stackUp } from './stack.mjs';
import { kafkaAnswers, brokersFromEnv, ensureKafkaJars } from './kafka.mjs';
import { redisAnswers, redisUrlFromEnv } from './redis.mjs';

const command = process.argv[2];
try {
  if (command === 'up') {
    const { kafka, redis } = await stackUp();
    console.log(`stack: ${kafka.note}`);
    console.log(`stack: ${redis.note}`);
    console.log(`stack: ready — KAFKA_BROKERS=${kafka.brokers.join(',')} REDIS_URL=${redis.url}`);
  } else if (command === 'down') {
    const stopped = await stackDown();
    console.log(`stack: Kafka ${stopped.kafka ? 'stopped' : 'was not started by this checkout'}`);
    console.log(`stack: Redis ${stopped.redis ? 'stopped' : 'was not started by this checkout'}`);
  } else if (command === 'fetch') {
    ensureKafkaJars();
    console.log('stack: Kafka jars cached');
  } else if (command === 'status') {
    const status = stackStatus();
    const brokers = brokersFromEnv();
    const url = redisUrlFromEnv();
    console.log(`Kafka ${status.kafka.version}: ${(await kafkaAnswers(brokers)) ? 'answering' : 'not answering'} at ${brokers.join(',')}${status.kafka.pid ? ` (local pid ${status.kafka.pid})` : ''}`);
    console.log(`Redis: ${(await redisAnswers(url)) ? 'answering' : 'not answering'} at ${url}${status.redis.pid ? ` (local pid ${status.redis.pid})` : ''}`);
  } else {
    console.error('usage: node tools/stack/cli.mjs up|down|status|fetch');
    process.exit(2);
  }
} catch (error) {
  // Known failures (missing Java/Maven, broker crash) get their message only, not a stack trace.
  console.error(error instanceof StackError ? `stack: ${error.message}` : error);
  process.exit(1);
}
