/**
 * The flood of distinct random unknown keys: `concurrency` callers, each sending its next key
 * as soon as its previous resolve settles, so the flood goes as fast as the resolver takes it
 * (closed loop, bounded in flight) and a million keys take a bounded time whatever the machine.
 * Alongside, a sample of keys is sent through their own resolvers on the same backends (so
 * their stats count the sample's bypasses and nothing else) once at the start, every
 * `sampleEveryMs` during the flood and once after it.
 */
import { randomBytes } from "node:crypto";
import type { ApiKeyResolver } from "@apikey/core";
import { sleep } from "./sleep.js";

export interface FloodOptions {
  /** Resolvers the flood alternates between (the ones the steady traffic uses). */
  readonly resolvers: readonly ApiKeyResolver[];
  /** Resolvers the sample alternates between (same backends, their own stats). */
  readonly sampleResolvers: readonly ApiKeyResolver[];
  readonly keys: number;
  readonly concurrency: number;
  readonly sample: readonly string[];
  readonly sampleEveryMs: number;
  /** Called every `progressEvery` keys sent. */
  readonly onProgress?: (sent: number) => void;
  readonly progressEvery?: number;
}

export interface FloodResult {
  /** Flood keys whose resolve settled (rejections included). */
  readonly sent: number;
  /** Flood resolves that rejected (the loader failed or timed out). */
  readonly rejected: number;
  /** Times the whole sample was sent. */
  readonly samplePasses: number;
  readonly elapsedMs: number;
}

/** A random flood key (24 hex digits: distinct across a million with overwhelming odds). */
function floodKey(): string {
  return `rk_flood_${randomBytes(12).toString("hex")}`;
}

async function sendSample(
  resolvers: readonly ApiKeyResolver[],
  sample: readonly string[],
  concurrency: number,
): Promise<void> {
  for (let i = 0; i < sample.length; i += concurrency) {
    await Promise.all(
      sample
        .slice(i, i + concurrency)
        .map((plaintext, j) =>
          resolvers[j % resolvers.length]?.resolve(plaintext).catch(() => undefined),
        ),
    );
  }
}

export async function runFlood(options: FloodOptions): Promise<FloodResult> {
  const startedAt = performance.now();
  const progressEvery = options.progressEvery ?? Number.POSITIVE_INFINITY;
  let next = 0;
  let sent = 0;
  let rejected = 0;
  let done = false;
  const worker = async (): Promise<void> => {
    while (next < options.keys) {
      const resolver = options.resolvers[next++ % options.resolvers.length];
      await resolver?.resolve(floodKey()).catch(() => {
        rejected++;
      });
      sent++;
      if (sent % progressEvery === 0) options.onProgress?.(sent);
    }
  };
  let samplePasses = 0;
  const sampler = async (): Promise<void> => {
    // Bounded: one pass per `sampleEveryMs` while the (bounded) flood runs.
    while (!done) {
      await sendSample(options.sampleResolvers, options.sample, options.concurrency);
      samplePasses++;
      for (let waited = 0; waited < options.sampleEveryMs && !done; waited += 100) await sleep(100);
    }
  };
  const sampling = sampler();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  done = true;
  await sampling;
  await sendSample(options.sampleResolvers, options.sample, options.concurrency);
  samplePasses++;
  return { sent, rejected, samplePasses, elapsedMs: performance.now() - startedAt };
}
