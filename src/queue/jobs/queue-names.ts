import type { Job } from "graphile-worker";
import { jobQuery, type Queryable } from "../../store/postgres/job-pool.js";
import { queueNameOfJob } from "../../store/postgres/jobs-sql.js";

/**
 * The queue name of a running job. graphile 0.17 hands a task only the queue's id; its own
 * `getQueueName()` waits 50 ms to batch lookups and caches every id forever (one per
 * conversation here). An id always names the same queue, so a bounded cache is enough.
 */
export function createQueueNames(db: Queryable, max = 10_000) {
  const cache = new Map<number, string | null>();
  return {
    async of(job: Job): Promise<string | null> {
      const queueId = job.job_queue_id;
      if (queueId === null || queueId === undefined) return null;
      const hit = cache.get(queueId);
      if (hit !== undefined) return hit;
      const [row] = await jobQuery(db, queueNameOfJob(String(job.id)));
      const name = row?.queue_name ?? null;
      if (cache.size >= max) cache.delete(cache.keys().next().value as number);
      cache.set(queueId, name);
      return name;
    },
  };
}
