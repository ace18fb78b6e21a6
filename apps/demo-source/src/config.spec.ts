import { parseConfig } from '@deltastream/service-shell';
import { NO_FAULTS } from '@deltastream/demo-data';
import { demoSourceConfigSchema, faultConfigSchema, faultEnvNames, faultsFromEnv } from './config';

describe('demo-source configuration', () => {
  it('defaults to 50 sensors at 1 Hz, four symbols, real time from 2026-01-01 and no faults', () => {
    const config = parseConfig('demo-source', demoSourceConfigSchema, {});
    expect(config).toMatchObject({
      HTTP_PORT: 8090,
      DEMO_START: Date.parse('2026-01-01T00:00:00Z'),
      DEMO_SPEED: 1,
      DEMO_SEED: 'deltastream',
      DEMO_SENSORS: 50,
      DEMO_SENSOR_HZ: 1,
      DEMO_TRADE_SYMBOLS: ['BTC-USD', 'ETH-USD', 'SOL-USD', 'ADA-USD'],
      DEMO_TRADES_PER_SEC: 20,
      DEMO_RETENTION_MS: 600_000,
      DEMO_MAX_RECORDS: 2_000_000,
      DEMO_ADMIN: true,
    });
    expect(faultsFromEnv(config)).toEqual(NO_FAULTS);
  });

  it('reads every fault from its DEMO_FAULT_* variable', () => {
    const env = Object.fromEntries(Object.values(faultEnvNames).map((name) => [name, '1']));
    env[faultEnvNames.errorStatus] = '500';
    const faults = faultsFromEnv(parseConfig('demo-source', demoSourceConfigSchema, env));
    expect(Object.keys(faults).sort()).toEqual(Object.keys(NO_FAULTS).sort());
    for (const [key, value] of Object.entries(faults)) expect([key, value]).toEqual([key, key === 'errorStatus' ? 500 : 1]);
    expect(faultEnvNames.throttleEvery).toBe('DEMO_FAULT_THROTTLE_EVERY');
    expect(faultEnvNames.oversizeMiB).toBe('DEMO_FAULT_OVERSIZE_MIB');
  });

  it('parses simulated time, speed and the symbol list', () => {
    const config = parseConfig('demo-source', demoSourceConfigSchema, {
      DEMO_START: '2026-03-01T12:00:00+01:00',
      DEMO_SPEED: '60',
      DEMO_TRADE_SYMBOLS: 'BTC-USD, DOGE-USD',
      DEMO_SENSORS: '10000',
      DEMO_SENSOR_HZ: '10',
      DEMO_ADMIN: 'false',
    });
    expect(config.DEMO_START).toBe(Date.parse('2026-03-01T11:00:00Z'));
    expect(config.DEMO_SPEED).toBe(60);
    expect(config.DEMO_TRADE_SYMBOLS).toEqual(['BTC-USD', 'DOGE-USD']);
    expect(config.DEMO_ADMIN).toBe(false);
  });

  it('names every bad variable', () => {
    expect(() =>
      parseConfig('demo-source', demoSourceConfigSchema, {
        DEMO_START: 'tomorrow',
        DEMO_SPEED: '0',
        DEMO_SENSORS: '1.5',
        DEMO_SENSOR_HZ: '2000',
        DEMO_TRADE_SYMBOLS: 'btc,BTC-USD',
        DEMO_FAULT_ERROR_RATE: '2',
        DEMO_FAULT_ERROR_STATUS: '404',
      }),
    ).toThrow(/DEMO_START: [\s\S]*DEMO_SPEED: [\s\S]*DEMO_SENSORS: [\s\S]*DEMO_SENSOR_HZ: [\s\S]*DEMO_TRADE_SYMBOLS: [\s\S]*DEMO_FAULT_ERROR_RATE: [\s\S]*DEMO_FAULT_ERROR_STATUS: /);
    expect(() => parseConfig('demo-source', demoSourceConfigSchema, { DEMO_TRADE_SYMBOLS: 'BTC-USD,BTC-USD' })).toThrow(/distinct/);
  });
});

describe('PUT /admin/faults body', () => {
  it('is the whole configuration: omitted keys are off', () => {
    expect(faultConfigSchema.parse({ throttleEvery: 3 })).toEqual({ ...NO_FAULTS, throttleEvery: 3 });
    expect(faultConfigSchema.parse({})).toEqual(NO_FAULTS);
  });

  it('refuses unknown keys, strings for numbers and out-of-range values', () => {
    expect(faultConfigSchema.safeParse({ errorRat: 0.5 }).success).toBe(false);
    expect(faultConfigSchema.safeParse({ errorRate: '0.5' }).success).toBe(false);
    expect(faultConfigSchema.safeParse({ errorRate: 1.5 }).success).toBe(false);
    expect(faultConfigSchema.safeParse({ throttleEvery: 1.5 }).success).toBe(false);
    expect(faultConfigSchema.safeParse([]).success).toBe(false);
  });
});
