export * from './client';
export * from './ensure-topics';
export * from './proto-producer';
export * from './proto-decode';
export * from './dead-letter';
export * from './readiness';
export * from './transactional-processor';
