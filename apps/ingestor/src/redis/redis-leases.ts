import type Redis from 'ioredis';
import { replicasKey, sourceKeys } from './keys';

/** SET NX PX, and on success a fencing token that increases on every acquisition (INCR), in one step. */
const ACQUIRE = `
if redis.call('SET', KEYS[1], 'pending', 'NX', 'PX', ARGV[2]) then
  local token = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
  return token
end
return false
`;
/** Renew or release only a lease we still hold (same owner and token). */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

type LeaseCommands = {
  dsAcquireLease(lease: string, fence: string, owner: string, ttl: string): Promise<number | null>;
  dsRenewLease(lease: string, value: string, ttl: string): Promise<number>;
  dsReleaseLease(lease: string, value: string): Promise<number>;
};

/** Source ownership through Redis leases with fencing tokens; replicas announce themselves for fair shares. */
export class RedisLeases {
  private readonly commands: LeaseCommands;

  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
  ) {
    redis.defineCommand('dsAcquireLease', { numberOfKeys: 2, lua: ACQUIRE });
    redis.defineCommand('dsRenewLease', { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand('dsReleaseLease', { numberOfKeys: 1, lua: RELEASE });
    this.commands = redis as unknown as LeaseCommands;
  }

  /** The new fencing token, or undefined when another replica holds the lease. */
  async acquire(sourceId: string, owner: string, ttlMs: number): Promise<number | undefined> {
    const k = sourceKeys(this.namespace, sourceId);
    const token = await this.commands.dsAcquireLease(k.lease, k.fence, owner, String(ttlMs));
    return token === null ? undefined : Number(token);
  }

  async renew(sourceId: string, owner: string, fence: number, ttlMs: number): Promise<boolean> {
    return (await this.commands.dsRenewLease(sourceKeys(this.namespace, sourceId).lease, `${owner}|${fence}`, String(ttlMs))) === 1;
  }

  async release(sourceId: string, owner: string, fence: number): Promise<void> {
    await this.commands.dsReleaseLease(sourceKeys(this.namespace, sourceId).lease, `${owner}|${fence}`);
  }

  /** Announces this replica (and forgets silent ones); returns how many replicas are alive. */
  async heartbeat(replicaId: string, nowMs: number, ttlMs: number): Promise<number> {
    const [, , count] = (await this.redis
      .multi()
      .zadd(replicasKey(this.namespace), nowMs, replicaId)
      .zremrangebyscore(replicasKey(this.namespace), '-inf', nowMs - ttlMs)
      .zcard(replicasKey(this.namespace))
      .exec()) as [unknown, unknown, [Error | null, number]];
    return count[1];
  }

  async leave(replicaId: string): Promise<void> {
    await this.redis.zrem(replicasKey(this.namespace), replicaId);
  }
}
