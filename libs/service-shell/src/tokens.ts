/** Nest injection tokens for the infrastructure a service shell provides. */
export const LOGGER = Symbol('LOGGER');
export const READINESS = Symbol('READINESS');
export const KAFKA = Symbol('KAFKA');
export const KAFKA_ADMIN = Symbol('KAFKA_ADMIN');
export const PROTO_PRODUCER = Symbol('PROTO_PRODUCER');
export const TOPICS = Symbol('TOPICS');
export const REDIS = Symbol('REDIS');
export const DEAD_LETTER_SINK = Symbol('DEAD_LETTER_SINK');
export const SERVICE_NAME = Symbol('SERVICE_NAME');
export const METRICS = Symbol('METRICS');
