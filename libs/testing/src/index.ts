export * from './service-process';
export * from './lifecycle';
export * from './topic-reader';
export * from './otlp-receiver';
export * from './edge-clients';
export * from './delivery-check';
