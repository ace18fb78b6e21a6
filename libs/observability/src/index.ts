export * from './logger';
export * from './trace-headers';
export * from './metrics';
export * from './tracing';
