import type { Admin } from 'kafkajs';
import type { TopicSpec } from '@deltastream/contracts';
import type { Logger } from '@deltastream/observability';

export interface EnsureTopicsResult {
  readonly created: string[];
  readonly existing: string[];
}

/**
 * Creates the declared topics that do not exist yet; safe to run from every replica at once (a
 * concurrent creation by another process counts as success). Existing topics are left alone: their
 * partition count is never raised here, because that would move keys to other partitions and break
 * per-key order — a mismatch is logged for the operator instead.
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[], logger: Logger): Promise<EnsureTopicsResult> {
  const existingNames = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existingNames.has(spec.name));
  if (missing.length > 0) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: -1,
          configEntries: [
            { name: 'retention.ms', value: String(spec.retentionMs) },
            { name: 'cleanup.policy', value: spec.cleanupPolicy },
          ],
        })),
      });
    } catch (error) {
      // Another replica created some of them between listTopics and createTopics.
      const stillMissing = new Set(await admin.listTopics());
      const failed = missing.filter((spec) => !stillMissing.has(spec.name));
      if (failed.length > 0) throw error;
    }
  }
  const present = specs.filter((spec) => existingNames.has(spec.name));
  if (present.length > 0) {
    const metadata = await admin.fetchTopicMetadata({ topics: present.map((spec) => spec.name) });
    for (const topic of metadata.topics) {
      const spec = present.find((s) => s.name === topic.name);
      if (spec && topic.partitions.length !== spec.partitions) {
        logger.warn({ topic: topic.name, actual: topic.partitions.length, declared: spec.partitions }, 'topic partition count differs from the catalogue; left as is');
      }
    }
  }
  const created = missing.map((spec) => spec.name);
  if (created.length > 0) logger.info({ created }, 'created topics');
  return { created, existing: present.map((spec) => spec.name) };
}
