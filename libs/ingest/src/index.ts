export * from './cursor';
export * from './records';
export * from './http-rules';
export * from './webhook-signature';
export * from './assignment';
export * from './ports';
export * from './poller';
export * from './memory-cursor-store';
