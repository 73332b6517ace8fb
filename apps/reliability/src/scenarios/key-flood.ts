/**
 * A flood of distinct random keys (each unknown to the database) next to the steady valid
 * traffic, per backend:
 *
 * - the flood is closed loop: `FLOOD_CONCURRENCY` callers, each sending its next key when its
 *   previous resolve settles, so `profile.floodKeys` keys (1,000,000 in the long profile) take
 *   as long as the resolver needs, not keys / rate; the valid traffic keeps its open-loop rate;
 * - resident memory of this process (the cache's) is sampled through the flood: the peak may
 *   exceed the RSS before it by at most `FLOOD_RSS_BOUND_MB` (the caches are bounded by entries,
 *   the flood by its concurrency);
 * - at most one database lookup per key per negative TTL: a sample of keys is sent through
 *   resolvers of its own on the same backends, at the start, every `SAMPLE_EVERY_MS` during the
 *   flood and after it, and the database notes when each sampled key was looked up. A lookup
 *   sooner than the negative TTL after that key's previous one is an extra lookup; a cache call
 *   that misses the resolver's deadline is bypassed by design (the lookup goes to the database),
 *   so extra lookups must not exceed the sample resolvers' bypassed calls. The memory backend
 *   keeps not-found markers in their own LRU (`maxNegativeEntries`): a flood larger than that
 *   evicts them, so there the documented bound is at most one lookup per send;
 * - the valid keys' hit rate during the flood (every valid key warmed once before, and the
 *   caches sized to hold them) must stay at or above 95%, over the requests whose record was
 *   still within its TTL: a load of a valid key sooner than the TTL after its previous load is
 *   a record the cache lost; a later one is its TTL running out (a long flood outlasts the
 *   60 s TTL, and the long profile's keys are each asked about once a minute), counted apart.
 */
import { randomBytes } from "node:crypto";
import {
  type ApiKeyResolver,
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  silentLogger,
} from "@apikey/core";
import { startRedisServer } from "@apikey/redis-test-server";
import { runFlood } from "../flood-driver.js";
import { KeyDatabase } from "../key-database.js";
import { rssMb, sampleRssPeak } from "../rss-peak.js";
import {
  type Check,
  LOADER_MS,
  randomPrefix,
  type Scenario,
  waitUntilWritable,
} from "../scenario.js";
import { sleep } from "../sleep.js";
import { buildSubject, RESOLVER_SETTINGS, type SubjectKind } from "../subjects.js";
import { startTraffic, type TrafficResult } from "../traffic.js";

/** Callers flooding at once: enough to saturate one core of this machine, not to starve Redis. */
const FLOOD_CONCURRENCY = 64;
const SAMPLE_SIZE = 1_000;
/** The sample is sent again this often during the flood (several times per negative TTL). */
const SAMPLE_EVERY_MS = 5_000;
/** Peak resident memory over the flood may exceed the RSS before it by at most this. */
export const FLOOD_RSS_BOUND_MB = 256;
const MIN_VALID_HIT_RATE = 0.95;
/** `maxEntries` of the memory caches unless the valid keys need more (the library default). */
const DEFAULT_MAX_ENTRIES = 10_000;
const PROGRESS_EVERY = 250_000;
const KINDS: readonly SubjectKind[] = ["memory", "redis-ioredis", "tiered-node"];

const signed = (mb: number): string => `${mb >= 0 ? "+" : ""}${mb.toFixed(0)}`;

function bypassed(resolvers: readonly ApiKeyResolver[]): number {
  return resolvers.reduce((sum, resolver) => {
    const stats = resolver.stats();
    return sum + stats.timeouts + stats.bypasses + stats.backendErrors;
  }, 0);
}

export const keyFloodScenario: Scenario = {
  name: "key-flood",
  description: `a flood of distinct random unknown keys, as fast as ${FLOOD_CONCURRENCY} concurrent callers go, next to the steady valid traffic`,
  async run(profile) {
    const server = await startRedisServer();
    const rows: TrafficResult[] = [];
    const checks: Check[] = [];
    const notes: string[] = [];
    // The caches hold every valid key (twice over, for the tombstones): the hit rate then
    // measures what the flood evicts, not a cache too small for the working set.
    const maxEntries = Math.max(DEFAULT_MAX_ENTRIES, 2 * profile.validKeys);
    const negativeTtlMs = RESOLVER_SETTINGS.negativeTtlSeconds * 1000;
    try {
      for (const kind of KINDS) {
        const database = new KeyDatabase(profile.validKeys, LOADER_MS);
        const subject = buildSubject(kind, {
          redisUrl: server.url,
          keyPrefix: randomPrefix(`flood:${kind}`),
          database,
          maxEntries,
        });
        try {
          await waitUntilWritable(subject);
          const sample = Array.from(
            { length: SAMPLE_SIZE },
            () => `rk_sample_${randomBytes(12).toString("hex")}`,
          );
          database.trackLookups(new Set(sample.map((plaintext) => hashApiKey(plaintext))));
          const sampleResolvers = subject.instances.map((instance) =>
            createApiKeyResolver({
              backend: instance.backend,
              load: database.load,
              logger: silentLogger,
              ...RESOLVER_SETTINGS,
            }),
          );
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
          // A load of a valid key sooner than the cache TTL after its previous load is one the
          // cache lost; a later one is the record's TTL running out, whatever the flood does.
          database.countReloadsWithin(RESOLVER_SETTINGS.ttlSeconds * 1000);
          const loadsBefore = database.activeLoads;
          const lostBefore = database.earlyReloads;
          const validBefore = traffic.validCheckedSoFar();
          const rssBefore = rssMb();
          const peak = sampleRssPeak();
          const flood = await runFlood({
            resolvers: subject.instances.map((instance) => instance.resolver),
            sampleResolvers,
            keys: profile.floodKeys,
            concurrency: FLOOD_CONCURRENCY,
            sample,
            sampleEveryMs: SAMPLE_EVERY_MS,
            progressEvery: PROGRESS_EVERY,
            onProgress: (sent) =>
              console.log(
                `reliability: key-flood: ${kind}: ${sent} keys sent, RSS ${rssMb().toFixed(0)} MB`,
              ),
          });
          const rssPeak = peak.stop();
          const rssAfter = rssMb();
          const validDuring = traffic.validCheckedSoFar() - validBefore;
          const validLoads = database.activeLoads - loadsBefore;
          const lostLoads = database.earlyReloads - lostBefore;
          // Requests the cache could have answered: all but those whose record had expired.
          const cacheable = validDuring - (validLoads - lostLoads);
          const result = await traffic.stop();
          rows.push(result);
          const sampleBypassed = bypassed(sampleResolvers);
          const withinTtl = database.lookupsWithin(negativeTtlMs);
          const maxLookups = database.maxLookupsPerKey();
          const hitRate = cacheable <= 0 ? 1 : 1 - lostLoads / cacheable;
          const negativeBound =
            subject.instances[0]?.backend instanceof InMemoryApiKeyCacheBackend
              ? subject.instances[0].backend.maxNegativeEntries
              : Number.POSITIVE_INFINITY;
          const fits = profile.floodKeys <= negativeBound;
          const floodRate = Math.round(flood.sent / (flood.elapsedMs / 1000));
          const lookupsDetail = `sample of ${SAMPLE_SIZE} keys sent ${flood.samplePasses} times over ${(flood.elapsedMs / 1000).toFixed(1)} s; most lookups of one sampled key: ${maxLookups}; lookups sooner than ${RESOLVER_SETTINGS.negativeTtlSeconds} s after that key's previous one: ${withinTtl}; sample cache calls bypassed (deadline, error, open circuit): ${sampleBypassed}`;
          checks.push(
            {
              label: `${kind}: peak resident memory over the flood at most ${FLOOD_RSS_BOUND_MB} MB above the RSS before it`,
              passed: rssPeak - rssBefore <= FLOOD_RSS_BOUND_MB,
              detail: `RSS before ${rssBefore.toFixed(0)} MB, peak ${rssPeak.toFixed(0)} MB (${signed(rssPeak - rssBefore)} MB), after ${rssAfter.toFixed(0)} MB`,
            },
            {
              label: `${kind}: all ${profile.floodKeys} flood keys sent`,
              passed: flood.sent === profile.floodKeys,
              detail: `${flood.sent} in ${(flood.elapsedMs / 1000).toFixed(1)} s (${floodRate}/s); ${flood.rejected} rejected`,
            },
            fits
              ? {
                  label: `${kind}: at most one database lookup per sampled key per negative TTL, plus one per bypassed cache call`,
                  passed: withinTtl <= sampleBypassed,
                  detail: lookupsDetail,
                }
              : {
                  label: `${kind}: flooded keys beyond maxNegativeEntries (${negativeBound}) looked up at most once per send (the documented bound)`,
                  passed: maxLookups <= flood.samplePasses,
                  detail: `${lookupsDetail}; the flood (${profile.floodKeys}) exceeds the ${negativeBound} not-found markers the memory backend keeps`,
                },
            {
              label: `${kind}: valid keys' hit rate at least ${MIN_VALID_HIT_RATE * 100}% (over the requests whose record was within its ${RESOLVER_SETTINGS.ttlSeconds} s TTL)`,
              passed: hitRate >= MIN_VALID_HIT_RATE,
              detail: `${(hitRate * 100).toFixed(2)}% (${cacheable - lostLoads} of ${cacheable}; ${validLoads - lostLoads} more valid requests loaded because their record's TTL had run out)`,
            },
          );
          notes.push(
            `${kind}: ${flood.sent} flooded keys in ${(flood.elapsedMs / 1000).toFixed(1)} s (${floodRate}/s, ${FLOOD_CONCURRENCY} callers); RSS before ${rssBefore.toFixed(0)} MB, peak ${rssPeak.toFixed(0)} MB (${signed(rssPeak - rssBefore)} MB; bound +${FLOOD_RSS_BOUND_MB} MB), after ${rssAfter.toFixed(0)} MB; sampled keys: at most ${maxLookups} lookups each over ${flood.samplePasses} sends, ${withinTtl} within one negative TTL of the previous (${sampleBypassed} sample cache calls bypassed); ${validDuring} valid requests during the flood, ${validLoads} of them loaded, ${validLoads - lostLoads} of those past their record's ${RESOLVER_SETTINGS.ttlSeconds} s TTL and ${lostLoads} sooner (lost by the cache): hit rate ${(hitRate * 100).toFixed(2)}% over the ${cacheable} requests within the TTL (${validDuring === 0 ? "100.00" : ((1 - validLoads / validDuring) * 100).toFixed(2)}% counting the expiries)`,
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
