export * from './secret';
export * from './sources';
export * from './streams';
export * from './suite';
