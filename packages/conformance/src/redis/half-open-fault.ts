/**
 * The half-open fault of the unresponsive-socket checks: steady calls (one every 10 ms, never
 * idle long enough for a socket idle timeout), then the proxy the client connects through
 * switched to half-open for 300 ms by default (the connections open then stay silent for
 * good, those opened while it lasts too; new ones work again after it), and the time until a
 * call started after the switch succeeds again, and the time from the proxy healing until a
 * call started after that succeeds: the client must have replaced its silent sockets. Every
 * loop and wait is bounded.
 */
import type { TcpFaultProxy } from "@apikey/redis-test-server";
import { expect } from "vitest";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What {@link runHalfOpenFault} saw. */
export interface HalfOpenFaultOutcome {
  /** From the switch to half-open to the first success of a call made after it. */
  readonly recoveryMs: number;
  /** Every failed call, in order. */
  readonly failures: readonly unknown[];
  /** From the proxy healing (back to forwarding) to the first success of a call made after it. */
  readonly recoveryAfterHealMs: number;
  /** Connections the proxy accepted during the fault and the recovery. */
  readonly reconnects: number;
  /** Of `reconnects`, those accepted while half-open (silent at once, for good). */
  readonly reconnectsWhileHalfOpen: number;
}

/**
 * Run `call` every 10 ms, silence `proxy` (half-open) for `halfOpenMs`, and wait up to 15 s
 * for a call made after the proxy healed to succeed. `call` resolves true for a success.
 */
export async function runHalfOpenFault(
  proxy: TcpFaultProxy,
  call: () => Promise<boolean>,
  halfOpenMs = 300,
): Promise<HalfOpenFaultOutcome> {
  const acceptedBefore = proxy.acceptedCount;
  const failures: unknown[] = [];
  let firstSuccessAfterHang: number | undefined;
  let firstSuccessAfterHeal: number | undefined;
  let hungAt = Number.POSITIVE_INFINITY;
  let healedAt = Number.POSITIVE_INFINITY;
  let acceptedWhileHalfOpen = 0;
  let running = true;
  const traffic = (async () => {
    for (let i = 0; running && i < 5_000; i++) {
      const startedAt = performance.now();
      call().then(
        (ok) => {
          if (ok && startedAt > hungAt && firstSuccessAfterHang === undefined) {
            firstSuccessAfterHang = performance.now();
          }
          if (ok && startedAt > healedAt && firstSuccessAfterHeal === undefined) {
            firstSuccessAfterHeal = performance.now();
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
    const acceptedAtHang = proxy.acceptedCount;
    proxy.setMode("half-open");
    await sleep(halfOpenMs);
    acceptedWhileHalfOpen = proxy.acceptedCount - acceptedAtHang;
    proxy.setMode("forward"); // new connections work; the hung ones stay silent
    healedAt = performance.now();
    await expect.poll(() => firstSuccessAfterHeal, { timeout: 15_000, interval: 20 }).toBeDefined();
  } finally {
    running = false;
    await traffic;
  }
  return {
    recoveryMs: (firstSuccessAfterHang as number) - hungAt,
    recoveryAfterHealMs: (firstSuccessAfterHeal as number) - healedAt,
    failures,
    reconnects: proxy.acceptedCount - acceptedBefore,
    reconnectsWhileHalfOpen: acceptedWhileHalfOpen,
  };
}
