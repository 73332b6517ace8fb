/**
 * A flood of distinct random keys (each unknown to the database) next to the steady valid
 * traffic: resident memory must stay within a stated bound, the database must see at most one
 * lookup per flooded key per negative TTL (a sample of the flood is sent three times), and the
 * valid keys' hit rate must stay at or above 95% (over the valid requests sent during the
 * flood, every valid key warmed once before). The memory backend keeps not-found markers in
 * their own LRU (`maxNegativeEntries`, default a quarter of `maxEntries`): a flood larger than
 * that evicts them, so there the documented bound is one lookup per key per negative TTL only
 * while the flood fits, one more per eviction beyond; it is reported against that bound. A
 * cache call that misses the resolver's deadline is bypassed by design (the lookup goes to the
 * database): so the Redis-backed bound is one lookup per key per negative TTL plus one per
 * bypassed cache call, and the extra lookups are checked against the bypasses counted.
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

/** Callers flooding at once: enough to saturate one core of this machine, not to starve Redis. */
const FLOOD_CONCURRENCY = 64;
const SAMPLE_SIZE = 1_000;
/** Resident memory may grow by at most this over the flood (the cache is bounded by entries). */
export const FLOOD_RSS_BOUND_MB = 256;
const MIN_VALID_HIT_RATE = 0.95;
/** The memory backend's default `maxNegativeEntries` (`ceil(10000 / 4)`). */
const MEMORY_NEGATIVE_ENTRIES = 2_500;
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
    "a flood of distinct random unknown keys, as fast as 64 concurrent callers go, next to the steady valid traffic",
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
          // Warm the valid keys once, so the hit rate measures the flood's effect, not first loads.
          for (const instance of subject.instances) {
            const keys = database.activePlaintexts();
            for (let i = 0; i < keys.length; i += 64) {
              await Promise.all(keys.slice(i, i + 64).map((key) => instance.resolver.resolve(key)));
            }
          }
          const traffic = startTraffic(subject, {
            profile,
            database,
            unknownShare: 0,
            probe: false,
          });
          await sleep(profile.calmMs);
          const knownLoadsBefore = database.knownLoads;
          const validBefore = traffic.validCheckedSoFar();
          const revokedBefore = traffic.revokedHashes().length;
          const bypassedNow = (): number =>
            subject.instances.reduce((sum, instance) => {
              const stats = instance.resolver.stats();
              return sum + stats.timeouts + stats.bypasses + stats.backendErrors;
            }, 0);
          const rssBefore = process.memoryUsage().rss;
          const bypassedBefore = bypassedNow();
          const startedAt = performance.now();
          await flood(subject, profile.floodKeys, sample);
          await resendSample(subject, sample);
          await resendSample(subject, sample);
          const floodMs = performance.now() - startedAt;
          const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
          const validDuring = traffic.validCheckedSoFar() - validBefore;
          // A revoked key may load again (its tombstone replaced the record); count those out.
          const revokedDuring = traffic.revokedHashes().length - revokedBefore;
          const validLoads = Math.max(0, database.knownLoads - knownLoadsBefore - revokedDuring);
          const result = await traffic.stop();
          rows.push(result);
          const timeouts = bypassedNow() - bypassedBefore;
          const extraLookups = database.extraLookups();
          const hitRate = validDuring === 0 ? 1 : 1 - validLoads / validDuring;
          const maxLookups = database.maxLookupsPerKey();
          const negativeBound =
            kind === "memory" ? MEMORY_NEGATIVE_ENTRIES : Number.POSITIVE_INFINITY;
          const fits = profile.floodKeys <= negativeBound;
          checks.push(
            {
              label: `${kind}: resident memory grows at most ${FLOOD_RSS_BOUND_MB} MB over the flood`,
              passed: rssGrowthMb <= FLOOD_RSS_BOUND_MB,
              detail: `${rssGrowthMb.toFixed(0)} MB`,
            },
            fits
              ? {
                  label: `${kind}: at most one database lookup per flooded key per negative TTL, plus one per bypassed cache call`,
                  passed: maxLookups <= 1 || extraLookups <= timeouts,
                  detail: `most lookups of one sampled key (each sent three times): ${maxLookups}; extra lookups over the sample: ${extraLookups}; cache calls bypassed (deadline, error, open circuit): ${timeouts}`,
                }
              : {
                  label: `${kind}: flooded keys beyond maxNegativeEntries (${negativeBound}) looked up again at most once per send (the documented bound)`,
                  passed: maxLookups <= 3,
                  detail: `most lookups of one sampled key (each sent three times): ${maxLookups}; the flood (${profile.floodKeys}) exceeds the ${negativeBound} not-found markers the memory backend keeps`,
                },
            {
              label: `${kind}: valid keys' hit rate at least ${MIN_VALID_HIT_RATE * 100}%`,
              passed: hitRate >= MIN_VALID_HIT_RATE,
              detail: `${(hitRate * 100).toFixed(2)}%`,
            },
          );
          notes.push(
            `${kind}: ${validDuring} valid requests during the flood, ${validLoads} of them loaded; ${profile.floodKeys} flooded keys in ${(floodMs / 1000).toFixed(1)} s (${Math.round(profile.floodKeys / (floodMs / 1000))}/s), RSS ${rssGrowthMb >= 0 ? "+" : ""}${rssGrowthMb.toFixed(0)} MB (bound ${FLOOD_RSS_BOUND_MB} MB), most lookups per sampled key ${maxLookups} (extra lookups over the sample: ${extraLookups}; cache calls bypassed: ${timeouts}), valid hit rate ${(hitRate * 100).toFixed(2)}%`,
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
