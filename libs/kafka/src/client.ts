import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from '@deltastream/observability';

export interface KafkaClientOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly logger: Logger;
  readonly ssl?: KafkaConfig['ssl'];
  readonly sasl?: KafkaConfig['sasl'];
}

/** TLS and SASL of the Kafka connection. */
export interface KafkaSecurity {
  readonly ssl?: KafkaConfig['ssl'];
  readonly sasl?: KafkaConfig['sasl'];
}

let processSecurity: KafkaSecurity = {};

/**
 * Sets the TLS/SASL every client of this process uses unless given its own: a process talks to one
 * cluster, and the service shell sets this once at boot from the validated environment.
 */
export function useKafkaSecurity(security: KafkaSecurity): void {
  processSecurity = security;
}

/** The TLS/SASL set by `useKafkaSecurity` (for clients other than kafkajs, which map it to their own options). */
export function processKafkaSecurity(): KafkaSecurity {
  return processSecurity;
}

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs' text for CONCURRENT_TRANSACTIONS (it logs the text, not the error type). */
const CONCURRENT_TRANSACTIONS_TEXT = 'another concurrent operation on the same transaction was ongoing';

/**
 * The level a kafkajs log line gets: kafkajs' own, except that CONCURRENT_TRANSACTIONS goes to debug.
 * kafkajs logs that response as an error each time, though it is expected — a transaction that starts
 * while the previous one's markers are still being written — and retried (see retryConcurrentTransaction);
 * a retry that runs out still fails the batch, which is logged at warn.
 */
export function kafkajsLogLevel(level: number, log: Pick<LogEntry['log'], 'message'> & { error?: unknown }): 'error' | 'warn' | 'info' | 'debug' {
  const text = `${log.message} ${typeof log.error === 'string' ? log.error : ''}`;
  if (text.includes(CONCURRENT_TRANSACTIONS_TEXT)) return 'debug';
  return levelNames[level] ?? 'info';
}

/** A kafkajs client whose logs go through the service's pino logger. */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  const kafkaLogger = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    ssl: options.ssl ?? processSecurity.ssl,
    sasl: options.sasl ?? processSecurity.sasl,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        kafkaLogger[kafkajsLogLevel(level, log)](rest, message);
      },
  });
}
