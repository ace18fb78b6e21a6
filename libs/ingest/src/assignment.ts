import { createHash } from 'node:crypto';

/**
 * How many sources one replica should own: an even share, rounded up so every source has an owner.
 */
export function fairShare(sourceCount: number, liveReplicas: number): number {
  return Math.ceil(sourceCount / Math.max(1, liveReplicas));
}

/**
 * The order in which a replica tries to take sources: rendezvous (highest-random-weight) hashing of
 * (replica, source), so replicas prefer different sources and a joining or leaving replica moves few.
 */
export function preferenceOrder(replicaId: string, sourceIds: readonly string[]): string[] {
  const weight = (sourceId: string) => createHash('sha256').update(`${replicaId}\u0000${sourceId}`).digest().readBigUInt64BE(0);
  return [...sourceIds].sort((a, b) => {
    const wa = weight(a);
    const wb = weight(b);
    return wa === wb ? a.localeCompare(b) : wa > wb ? -1 : 1;
  });
}
