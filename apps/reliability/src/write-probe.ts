/**
 * A steady write to one key (a cluster scenario puts it on the slots of a master it leaves
 * alone), counted while a fault lasts: did the rest of the store keep answering? One `set`
 * every `everyMs`, at most `maxInFlight` outstanding (the backend's deadline bounds each), and
 * `stop()` waits for what is in flight, bounded.
 */
import type { ApiKeyCacheBackend } from "@apikey/core";
import { sleep } from "./sleep.js";

const STOP_CAP_MS = 5_000;

export interface WriteProbeResult {
  readonly succeeded: number;
  readonly failed: number;
}

export interface WriteProbe {
  stop(): Promise<WriteProbeResult>;
}

export function startWriteProbe(
  backend: ApiKeyCacheBackend,
  key: string,
  everyMs = 50,
  maxInFlight = 50,
): WriteProbe {
  const counts = { succeeded: 0, failed: 0 };
  let inFlight = 0;
  const timer = setInterval(() => {
    if (inFlight >= maxInFlight) return;
    inFlight++;
    backend.set(key, { apiKey: "write-probe", active: true }, 30).then(
      () => {
        inFlight--;
        counts.succeeded++;
      },
      () => {
        inFlight--;
        counts.failed++;
      },
    );
  }, everyMs);
  return {
    async stop(): Promise<WriteProbeResult> {
      clearInterval(timer);
      const endAt = performance.now() + STOP_CAP_MS;
      while (inFlight > 0 && performance.now() < endAt) await sleep(10);
      return { ...counts };
    },
  };
}
