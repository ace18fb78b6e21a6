import { z } from 'zod';
import { ConfigError, httpEnvSchema, kafkaEnvSchema, parseConfig, redisEnvSchema } from './config';

const schema = httpEnvSchema(8081).extend(kafkaEnvSchema.shape).extend(redisEnvSchema.shape);

describe('parseConfig', () => {
  it('applies defaults for a local stack', () => {
    const config = parseConfig('ingestor', schema, {});
    expect(config).toMatchObject({ HTTP_HOST: '127.0.0.1', HTTP_PORT: 8081, KAFKA_BROKERS: ['127.0.0.1:9092'], REDIS_URL: 'redis://127.0.0.1:6379', LOG_LEVEL: 'info' });
  });

  it('splits broker lists and coerces numbers from env strings', () => {
    const config = parseConfig('ingestor', schema, { KAFKA_BROKERS: 'k1:9092, k2:9093', HTTP_PORT: '9000' });
    expect(config.KAFKA_BROKERS).toEqual(['k1:9092', 'k2:9093']);
    expect(config.HTTP_PORT).toBe(9000);
  });

  it('reports every problem by name in one error', () => {
    let error: unknown;
    try {
      parseConfig('ingestor', schema, { KAFKA_BROKERS: 'nonsense', HTTP_PORT: 'eighty', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toHaveLength(4);
    expect(message).toContain('ingestor: invalid configuration');
    expect(message).toContain('KAFKA_BROKERS: expected a comma-separated list of host:port');
    expect(message).toMatch(/HTTP_PORT: /);
    expect(message).toContain('REDIS_URL: expected redis://host:port');
    expect(message).toMatch(/LOG_LEVEL: /);
  });

  it('names nested keys by path', () => {
    const nested = z.object({ sources: z.array(z.object({ id: z.string() })) });
    expect(() => parseConfig('x', nested, { sources: [{ id: 1 }] })).toThrow(/sources\.0\.id: /);
  });
});
