/**
 * revocation-replicas: what `revocationReplicas` costs a revocation. Each backend writes the
 * tombstone a `resolver.revoke` stores (`set(hash, REVOKED_MARKER)`, 10,000 rotating keys) to a
 * master with one replica, without the option and with `{ replicas: 1, timeoutMs: 500 }`
 * (`SET` then `WAIT 1 500` on the same socket: the backend's dedicated write connection, one
 * `WAIT` per batch of revokes), at 1 and 16 in flight. Every contender has a client of its own. Runs of at most 1 s are cut into 500 ms slices, and the slices of the four
 * contenders alternate (list order, then reversed), with and without of one driver always back
 * to back; ops/s and the per-call p50/p99/max come from the same timed calls. The ratio is the
 * median of the per-slice ratios with / without. A revoke that reaches no replica rejects
 * (`E_BACKEND_UNAVAILABLE`) and counts as an error, and after the runs the master's `WAIT`
 * count must be at most one per revoke that asked for it and at least one per 16 of them
 * (the most in flight: a batch holds no more), and the replica must hold the tombstones, so a
 * contender that skipped the wait cannot look fast. No goal.
 */
import {
  type ApiKeyCacheBackend,
  type CachedApiKey,
  encodeCachedApiKey,
  REVOKED_MARKER,
} from "@apikey/core";
import { IoredisApiKeyCacheBackend } from "@apikey/redis-ioredis";
import { NodeRedisApiKeyCacheBackend } from "@apikey/redis-node";
import { redisCommand } from "@apikey/redis-test-server";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { median } from "../harness/compare-contenders.js";
import { describeError } from "../harness/comparison-report.js";
import { formatMs, formatRatio } from "../harness/goals.js";
import { runLatencyLoop } from "../harness/latency-loop.js";
import { percentile } from "../harness/latency-stats.js";
import { startRedisReplicaPair } from "../harness/redis-replica-pair.js";
import { reportTable } from "../harness/report-table.js";
import type { BenchSuite, SuiteContext } from "../harness/suite.js";
import { formatCount } from "../harness/table.js";
import { KEY_COUNT, LONG_TTL_SECONDS, makeApiKeys } from "../harness/workload.js";

const SUITE = "revocation-replicas";
const CONCURRENCIES = [1, 16] as const;
/** Longest timed run per contender and concurrency (4 contenders x 2 x runs add up). */
const MAX_RUN_MS = 1000;
/** Longest slice: short enough that a burst of noise hits with and without alike. */
const MAX_SLICE_MS = 500;
const KEY_PREFIX = "bench:revoke:";
/** The WAIT timeout; below the command deadline, as the option requires. */
const WAIT_TIMEOUT_MS = 500;
/** One deadline for every contender, so with and without differ only by the WAIT. */
const COMMAND_TIMEOUT_MS = 2000;
const TOMBSTONE = REVOKED_MARKER as unknown as CachedApiKey;

/** One backend under test. */
interface RevokeContender {
  name: string;
  /** True when the backend has `revocationReplicas` (sends WAIT). */
  waits: boolean;
  backend: ApiKeyCacheBackend<CachedApiKey>;
}

/** Timed calls of one contender at one concurrency, over all its slices. */
interface Accumulated {
  contender: RevokeContender;
  samples: Float64Array[];
  /** ops/s of each slice, in round order (the same round index across contenders). */
  sliceRates: number[];
  completed: number;
  elapsedMs: number;
  failed: number;
  firstError: unknown;
}

/** See the module comment. */
export const revocationReplicasSuite: BenchSuite = {
  name: SUITE,
  description:
    "revoke (tombstone write) on a master with one replica: without vs with revocationReplicas (WAIT 1), both drivers, 1 and 16 in flight",
  async run(context: SuiteContext): Promise<void> {
    const pair = await startRedisReplicaPair();
    const closers: (() => Promise<unknown>)[] = [];
    try {
      const hashes = makeApiKeys(KEY_COUNT).map((key) => key.hash);
      const contenders = await buildContenders(pair.master.url, closers);
      const { warmupMs, runs } = context.options;
      const runMs = Math.min(MAX_RUN_MS, context.options.durationMs);
      const slicesPerRun = Math.max(1, Math.ceil(runMs / MAX_SLICE_MS));
      const sliceMs = runMs / slicesPerRun;
      const rows: string[][] = [];
      const notes: string[] = [];
      let waitingRevokes = 0;
      const waitsBefore = await waitCalls(pair.master.url);
      for (const concurrency of CONCURRENCIES) {
        const operation =
          (contender: RevokeContender) =>
          (sequence: number): Promise<void> =>
            contender.backend.set(
              hashes[sequence % KEY_COUNT] as string,
              TOMBSTONE,
              LONG_TTL_SECONDS,
            );
        for (const contender of contenders) {
          const warm = await runLatencyLoop(operation(contender), {
            concurrency,
            durationMs: warmupMs,
          });
          if (contender.waits) waitingRevokes += warm.completed + warm.failed;
        }
        const accumulated: Accumulated[] = contenders.map((contender) => ({
          contender,
          samples: [],
          sliceRates: [],
          completed: 0,
          elapsedMs: 0,
          failed: 0,
          firstError: undefined,
        }));
        for (let round = 0; round < runs * slicesPerRun; round++) {
          const order = round % 2 === 0 ? accumulated : [...accumulated].reverse();
          for (const entry of order) {
            await new Promise((resolve) => setImmediate(resolve));
            const measured = await runLatencyLoop(operation(entry.contender), {
              concurrency,
              durationMs: sliceMs,
            });
            entry.samples.push(measured.samplesMs);
            entry.sliceRates[round] = (measured.completed * 1000) / measured.elapsedMs;
            entry.completed += measured.completed;
            entry.elapsedMs += measured.elapsedMs;
            if (entry.failed === 0 && measured.failed > 0) entry.firstError = measured.firstError;
            entry.failed += measured.failed;
            if (entry.contender.waits) waitingRevokes += measured.completed + measured.failed;
          }
        }
        rows.push(...reportConcurrency(context, concurrency, accumulated, notes));
      }
      notes.push(...(await checkReplication(pair, hashes, waitsBefore, waitingRevokes)));
      reportTable(context, {
        suite: SUITE,
        title: `revocation-replicas: revoke (SET of the tombstone) on a master with 1 replica, WAIT 1 ${WAIT_TIMEOUT_MS} ms vs none, ${runs} x ${runMs / 1000} s per contender and concurrency in ${sliceMs / 1000} s slices`,
        columns: [
          { header: "in flight", alignRight: true },
          { header: "contender" },
          { header: "calls timed", alignRight: true },
          { header: "ops/s", alignRight: true },
          { header: "p50", alignRight: true },
          { header: "p99", alignRight: true },
          { header: "max", alignRight: true },
          { header: "ops/s with / without", alignRight: true },
          { header: "p50 with / without", alignRight: true },
        ],
        rows,
        notes,
      });
    } finally {
      for (const close of closers.reverse()) {
        await close().catch((error: unknown) => console.error("close failed:", error));
      }
      await pair.stop();
    }
  },
};

/** Without and with `revocationReplicas`, per driver, each on a client of its own. */
async function buildContenders(
  url: string,
  closers: (() => Promise<unknown>)[],
): Promise<RevokeContender[]> {
  const waitFor = { replicas: 1, timeoutMs: WAIT_TIMEOUT_MS };
  const contenders: RevokeContender[] = [];
  for (const waits of [false, true]) {
    const client = new Redis(url, { enableAutoPipelining: true });
    closers.push(() => client.quit());
    const backend = new IoredisApiKeyCacheBackend(client, {
      keyPrefix: KEY_PREFIX,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      ...(waits ? { revocationReplicas: waitFor } : {}),
    });
    closers.push(() => backend.close());
    contenders.push({ name: contenderName("IoredisApiKeyCacheBackend", waits), waits, backend });
  }
  for (const waits of [false, true]) {
    const client = createClient({ url, commandOptions: { timeout: 0 } });
    client.on("error", (error: unknown) => console.error("node-redis:", describeError(error)));
    await client.connect();
    closers.push(() => client.close());
    const backend = new NodeRedisApiKeyCacheBackend(client, {
      keyPrefix: KEY_PREFIX,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      ...(waits ? { revocationReplicas: waitFor } : {}),
    });
    closers.push(() => backend.close());
    contenders.push({ name: contenderName("NodeRedisApiKeyCacheBackend", waits), waits, backend });
  }
  return contenders;
}

function contenderName(backend: string, waits: boolean): string {
  return waits ? `${backend} revoke + WAIT 1` : `${backend} revoke`;
}

/** Record latencies and ratios of one concurrency; its table rows. */
function reportConcurrency(
  context: SuiteContext,
  concurrency: number,
  accumulated: readonly Accumulated[],
  notes: string[],
): string[][] {
  const stats = accumulated.map((entry) => {
    const sorted = concatSorted(entry.samples);
    return {
      entry,
      samples: sorted.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
      opsPerSecond: (entry.completed * 1000) / entry.elapsedMs,
    };
  });
  const rows: string[][] = [];
  stats.forEach((stat, index) => {
    const { entry } = stat;
    context.results.latency({
      suite: SUITE,
      contender: entry.contender.name,
      kind: "ours",
      concurrency,
      batching: "-",
      samples: stat.samples,
      p50Ms: stat.p50,
      p99Ms: stat.p99,
      maxMs: stat.max,
      opsPerSecond: stat.opsPerSecond,
    });
    let throughputRatio = "";
    let p50Ratio = "";
    // The list is (without, with) per driver: a waiting row follows its baseline.
    const baseline = entry.contender.waits ? stats[index - 1] : undefined;
    if (baseline !== undefined) {
      const ratio = median(
        entry.sliceRates
          .map((rate, round) => rate / (baseline.entry.sliceRates[round] ?? Number.NaN))
          .filter((value) => Number.isFinite(value)),
      );
      context.results.ratio({
        suite: SUITE,
        label: `${entry.contender.name} / ${baseline.entry.contender.name} @${concurrency}`,
        contender: entry.contender.name,
        baseline: baseline.entry.contender.name,
        kind: "ours",
        ratio,
      });
      throughputRatio = formatRatio(ratio);
      p50Ratio = formatRatio(stat.p50 / baseline.p50);
    }
    rows.push([
      String(concurrency),
      entry.contender.name,
      formatCount(stat.samples),
      formatCount(stat.opsPerSecond),
      formatMs(stat.p50),
      formatMs(stat.p99),
      formatMs(stat.max),
      throughputRatio,
      p50Ratio,
    ]);
    if (entry.failed > 0) {
      notes.push(
        `  ${entry.contender.name} @${concurrency}: ${formatCount(entry.failed)} errors, first: ${describeError(entry.firstError)}`,
      );
    }
  });
  return rows;
}

/**
 * The master ran at most one WAIT per revoke that asked for it and at least one per
 * `CONCURRENCIES`' largest (the revokes held while a WAIT is pending share the next one:
 * `revocation-wait-batcher`), and the replica holds the tombstone of a key every contender
 * wrote; throws otherwise. Returns the note saying so.
 */
async function checkReplication(
  pair: Awaited<ReturnType<typeof startRedisReplicaPair>>,
  hashes: readonly string[],
  waitsBefore: number,
  waitingRevokes: number,
): Promise<string[]> {
  const waits = (await waitCalls(pair.master.url)) - waitsBefore;
  const mostInFlight = Math.max(...CONCURRENCIES);
  if (waits < Math.ceil(waitingRevokes / mostInFlight) || waits > waitingRevokes) {
    throw new Error(
      `${SUITE}: the master ran ${waits} WAIT commands for ${waitingRevokes} revokes with revocationReplicas`,
    );
  }
  const key = KEY_PREFIX + (hashes[0] as string);
  const onReplica = await redisCommand(pair.replica.url, "GET", key);
  if (onReplica !== encodeCachedApiKey(TOMBSTONE)) {
    throw new Error(`${SUITE}: the replica does not hold the tombstone of ${key}`);
  }
  return [
    `  WAIT calls on the master: ${formatCount(waits)} for ${formatCount(waitingRevokes)} revokes with revocationReplicas (errors included; the revokes of one tick share one WAIT); the replica holds the tombstones.`,
  ];
}

/** `WAIT` calls since the server started (`INFO commandstats`). */
async function waitCalls(url: string): Promise<number> {
  const reply = String(await redisCommand(url, "INFO", "commandstats"));
  const match = /^cmdstat_wait:calls=(\d+)/m.exec(reply);
  return match === null ? 0 : Number(match[1]);
}

function concatSorted(parts: readonly Float64Array[]): Float64Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const all = new Float64Array(total);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all.sort();
}
