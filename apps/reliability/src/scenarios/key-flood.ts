/**
 * A flood of distinct random keys (each unknown to the database) next to the steady valid
 * traffic: resident memory must stay within a stated bound, the database must see at most one
 * lookup per flooded key per negative TTL (a sample of the flood is sent three times), and the
 * valid keys' hit rate must stay at or above 95%.
 */
import { randomBytes } from "node:crypto";
import { hashApiKey } from "@apikey/core";
import { startRedisServer } from "@apikey/redis-test-server";
import { KeyDatabase } from "../key-database.js";
import {
  type Check,
  LOADER_MS,
  randomPrefix,
  type Scenario,
  waitUntilWritable,
} from "../scenario.js";
import { sleep } from "../sleep.js";
import { buildSubject, type Subject, type SubjectKind } from "../subjects.js";
import { startTraffic, type TrafficResult } from "../traffic.js";

const FLOOD_CONCURRENCY = 256;
const SAMPLE_SIZE = 1_000;
/** Resident memory may grow by at most this over the flood (the cache is bounded by entries). */
export const FLOOD_RSS_BOUND_MB = 256;
const MIN_VALID_HIT_RATE = 0.95;
const KINDS: readonly SubjectKind[] = ["memory", "redis-ioredis", "tiered-node"];

async function flood(subject: Subject, count: number, sample: readonly string[]): Promise<void> {
  let sent = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (sent < count) {
      const index = sent++;
      const plaintext =
        index < sample.length
          ? (sample[index] as string)
          : `rk_flood_${randomBytes(12).toString("hex")}`;
      const instance = subject.instances[next++ % subject.instances.length];
      await instance?.resolver.resolve(plaintext).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: FLOOD_CONCURRENCY }, worker));
}

async function resendSample(subject: Subject, sample: readonly string[]): Promise<void> {
  for (let i = 0; i < sample.length; i += 64) {
    await Promise.all(
      sample
        .slice(i, i + 64)
        .map((plaintext, j) =>
          subject.instances[j % subject.instances.length]?.resolver
            .resolve(plaintext)
            .catch(() => undefined),
        ),
    );
  }
}

export const keyFloodScenario: Scenario = {
  name: "key-flood",
  description:
    "a flood of distinct random unknown keys, as fast as 256 concurrent callers go, next to the steady valid traffic",
  async run(profile) {
    const server = await startRedisServer();
    const rows: TrafficResult[] = [];
    const checks: Check[] = [];
    const notes: string[] = [];
    try {
      for (const kind of KINDS) {
        const database = new KeyDatabase(profile.validKeys, LOADER_MS);
        const subject = buildSubject(kind, {
          redisUrl: server.url,
          keyPrefix: randomPrefix(`flood:${kind}`),
          database,
        });
        try {
          await waitUntilWritable(subject);
          const sample = Array.from(
            { length: SAMPLE_SIZE },
            () => `rk_sample_${randomBytes(12).toString("hex")}`,
          );
          database.trackLookups(new Set(sample.map((plaintext) => hashApiKey(plaintext))));
          // Warm the valid keys once, so the hit rate measures the flood's effect, not the first loads.
          const traffic = startTraffic(subject, {
            profile,
            database,
            unknownShare: 0,
            probe: false,
          });
          await sleep(profile.calmMs);
          const knownLoadsBefore = database.knownLoads;
          const rssBefore = process.memoryUsage().rss;
          const startedAt = performance.now();
          await flood(subject, profile.floodKeys, sample);
          await resendSample(subject, sample);
          await resendSample(subject, sample);
          const floodMs = performance.now() - startedAt;
          const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
          const result = await traffic.stop();
          rows.push(result);
          // Revoked keys load again by design once their flight is dropped; count valid ones only.
          const validLoads = database.knownLoads - knownLoadsBefore - result.revokesReturned;
          const hitRate =
            result.validChecked === 0 ? 1 : 1 - Math.max(0, validLoads) / result.validChecked;
          const maxLookups = database.maxLookupsPerKey();
          checks.push(
            {
              label: `${kind}: resident memory grows at most ${FLOOD_RSS_BOUND_MB} MB over the flood`,
              passed: rssGrowthMb <= FLOOD_RSS_BOUND_MB,
              detail: `${rssGrowthMb.toFixed(0)} MB`,
            },
            {
              label: `${kind}: at most one database lookup per flooded key per negative TTL`,
              passed: maxLookups <= 1,
              detail: `most lookups of one sampled key (each sent three times): ${maxLookups}`,
            },
            {
              label: `${kind}: valid keys' hit rate at least ${MIN_VALID_HIT_RATE * 100}%`,
              passed: hitRate >= MIN_VALID_HIT_RATE,
              detail: `${(hitRate * 100).toFixed(2)}%`,
            },
          );
          notes.push(
            `${kind}: ${profile.floodKeys} flooded keys in ${(floodMs / 1000).toFixed(1)} s (${Math.round(profile.floodKeys / (floodMs / 1000))}/s), RSS +${rssGrowthMb.toFixed(0)} MB (bound ${FLOOD_RSS_BOUND_MB} MB), most lookups per sampled key ${maxLookups}, valid hit rate ${(hitRate * 100).toFixed(2)}%`,
          );
        } finally {
          await subject.close();
        }
      }
      return { rows, checks, notes };
    } finally {
      await server.stop();
    }
  },
};
