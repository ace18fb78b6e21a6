export * from './service-process';
export * from './lifecycle';
