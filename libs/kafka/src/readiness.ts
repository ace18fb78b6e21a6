import type { Admin } from 'kafkajs';

/** Ready when the broker answers a metadata request within `timeoutMs`. */
export async function kafkaReady(admin: Admin, timeoutMs = 3_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
    });
    const cluster = await Promise.race([admin.describeCluster(), timeout]);
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
