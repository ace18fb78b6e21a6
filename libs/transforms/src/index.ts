export * from './json';
export * from './coerce';
export * from './schema';
export * from './condition';
export * from './derive-state';
export * from './reference';
export * from './pipeline';
