import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from '@deltastream/observability';
import { InfraModule } from '@deltastream/service-shell';
import type { DemoSourceConfig } from './config';

/** The demo upstream API (IoT sensors, crypto trades) the ingestor polls. */
@Module({})
export class DemoSourceModule {
  static register(config: DemoSourceConfig, logger: Logger): DynamicModule {
    return {
      module: DemoSourceModule,
      imports: [InfraModule.forRoot({
        service: 'demo-source',
        logger,
      })],
    };
  }
}
