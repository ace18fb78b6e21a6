export * from './logger';
export * from './trace-headers';
