/**
 * Redis keys of one source. The namespace (TOPIC_NAMESPACE) separates environments sharing one Redis;
 * the `{id}` hash tag keeps a source's keys in one slot so the Lua scripts work on Redis Cluster.
 */
export function sourceKeys(namespace: string, sourceId: string) {
  const base = `ds:${namespace}:ingest:{${sourceId}}`;
  return { cursor: `${base}:cursor`, snapshot: `${base}:snapshot`, seen: `${base}:seen`, fence: `${base}:fence`, lease: `${base}:lease`, rejected: (fingerprint: string) => `${base}:rejected:${fingerprint}`, webhook: (signature: string) => `${base}:webhook:${signature}` };
}

/** Live ingestor replicas of a namespace (a sorted set scored by last heartbeat). */
export function replicasKey(namespace: string): string {
  return `ds:${namespace}:ingest:replicas`;
}
