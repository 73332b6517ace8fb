/**
 * The half-open fault of the unresponsive-socket checks: steady calls (one every 10 ms, never
 * idle long enough for a socket idle timeout), then the proxy the client connects through
 * switched to half-open for 300 ms by default (the connections open then stay silent for good,
 * new ones work again), and the time until a call started after the switch succeeds again: the
 * client must have replaced its silent socket. A longer half-open time lets the client replace
 * a socket while the link is still silent, so the replacement hangs too (in its handshake) and
 * must be given up soon once the link is healthy. Every loop and wait is bounded.
 */
import type { TcpFaultProxy } from "@apikey/redis-test-server";
import { expect } from "vitest";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What {@link runHalfOpenFault} saw. */
export interface HalfOpenFaultOutcome {
  /** From the switch to half-open to the first success of a call made after it. */
  readonly recoveryMs: number;
  /** From the proxy forwarding again to the first success of a call made after the switch. */
  readonly recoveryAfterHealthyMs: number;
  /** Every failed call, in order. */
  readonly failures: readonly unknown[];
  /** Connections the proxy accepted during the fault and the recovery. */
  readonly reconnects: number;
}

/**
 * Run `call` every 10 ms, silence `proxy` (half-open) for `halfOpenMs`, and wait up to 15 s for
 * a call made after the switch to succeed. `call` resolves true for a success.
 */
export async function runHalfOpenFault(
  proxy: TcpFaultProxy,
  call: () => Promise<boolean>,
  halfOpenMs = 300,
): Promise<HalfOpenFaultOutcome> {
  const acceptedBefore = proxy.acceptedCount;
  const failures: unknown[] = [];
  let firstSuccessAfterHang: number | undefined;
  let hungAt = Number.POSITIVE_INFINITY;
  let healthyAt = Number.POSITIVE_INFINITY;
  let running = true;
  const traffic = (async () => {
    for (let i = 0; running && i < 5_000; i++) {
      const startedAt = performance.now();
      call().then(
        (ok) => {
          if (ok && startedAt > hungAt && firstSuccessAfterHang === undefined) {
            firstSuccessAfterHang = performance.now();
          }
        },
        (error: unknown) => failures.push(error),
      );
      await sleep(10);
    }
  })();
  try {
    await sleep(200);
    hungAt = performance.now();
    proxy.setMode("half-open");
    await sleep(halfOpenMs);
    proxy.setMode("forward"); // new connections work; the hung ones stay silent
    healthyAt = performance.now();
    await expect.poll(() => firstSuccessAfterHang, { timeout: 15_000, interval: 20 }).toBeDefined();
  } finally {
    running = false;
    await traffic;
  }
  return {
    recoveryMs: (firstSuccessAfterHang as number) - hungAt,
    recoveryAfterHealthyMs: Math.max(0, (firstSuccessAfterHang as number) - healthyAt),
    failures,
    reconnects: proxy.acceptedCount - acceptedBefore,
  };
}
