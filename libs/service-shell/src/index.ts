export * from './config';
export * from './readiness';
export * from './tokens';
export * from './infra.module';
export * from './health.controller';
export * from './bootstrap';
