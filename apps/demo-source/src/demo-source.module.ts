import { Module, type DynamicModule } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { Logger } from '@deltastream/observability';
import { InfraModule } from '@deltastream/service-shell';
import { DemoWorld, simulatedClock, type SimulatedClock } from '@deltastream/demo-data';
import { AdminController } from './admin.controller';
import { faultsFromEnv, type DemoSourceConfig } from './config';
import { DataResponder } from './http-reply';
import { SensorsController } from './sensors.controller';
import { TradesController } from './trades.controller';
import { DEMO_CLOCK, DEMO_WORLD } from './tokens';

/** The demo world a configuration describes; simulated time starts at DEMO_START now. */
export function demoWorldFrom(config: DemoSourceConfig, clock: SimulatedClock = demoClockFrom(config)): DemoWorld {
  return new DemoWorld({
    seed: config.DEMO_SEED,
    startMs: config.DEMO_START,
    sensors: { count: config.DEMO_SENSORS, hz: config.DEMO_SENSOR_HZ },
    trades: { symbols: config.DEMO_TRADE_SYMBOLS, perSecond: config.DEMO_TRADES_PER_SEC },
    retention: { ms: config.DEMO_RETENTION_MS, maxRecords: config.DEMO_MAX_RECORDS },
    faults: faultsFromEnv(config),
    clock,
  });
}

export function demoClockFrom(config: DemoSourceConfig, real: () => number = () => performance.now()): SimulatedClock {
  return simulatedClock({ startMs: config.DEMO_START, speed: config.DEMO_SPEED, real });
}

/** The demo upstream API (IoT sensors, crypto trades) the ingestor polls. */
@Module({})
export class DemoSourceModule {
  static register(config: DemoSourceConfig, logger: Logger): DynamicModule {
    const clock = demoClockFrom(config);
    const world = demoWorldFrom(config, clock);
    logger.info(
      {
        start: new Date(config.DEMO_START).toISOString(),
        speed: config.DEMO_SPEED,
        sensors: config.DEMO_SENSORS,
        sensorHz: config.DEMO_SENSOR_HZ,
        symbols: config.DEMO_TRADE_SYMBOLS,
        tradesPerSec: config.DEMO_TRADES_PER_SEC,
        faults: world.faults.config,
      },
      'demo feeds configured',
    );
    return {
      module: DemoSourceModule,
      imports: [InfraModule.forRoot({ service: 'demo-source', logger })],
      controllers: [SensorsController, TradesController, ...(config.DEMO_ADMIN ? [AdminController] : [])],
      providers: [{ provide: DEMO_WORLD, useValue: world }, { provide: DEMO_CLOCK, useValue: clock }, DataResponder],
    };
  }
}
