import { describe, expect, it } from "vitest";
import {
  CIRCUIT_CALL,
  CIRCUIT_PROBE,
  CIRCUIT_SKIP,
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from "../src/circuit-breaker.js";

/** A breaker on a clock the test moves by hand, with its state changes recorded. */
function breakerAt(options: CircuitBreakerOptions = {}) {
  const clock = { ms: 1_000 };
  const changes: Array<[CircuitState, CircuitState]> = [];
  const breaker = new CircuitBreaker({
    ...options,
    now: () => clock.ms,
    onStateChange: (state, previous) => changes.push([state, previous]),
  });
  const fail = (count = 1): void => {
    for (let i = 0; i < count; i++) breaker.failure(breaker.admit());
  };
  return { breaker, clock, changes, fail };
}

describe("CircuitBreaker: distinct failures over time", () => {
  it("a burst of 50 failures at one instant counts once and leaves the circuit closed", () => {
    const { breaker, fail } = breakerAt();
    fail(50);
    expect(breaker.state).toBe("closed");
    expect(breaker.failureCount).toBe(1);
  });

  it("failures less than failureSliceMs after the last counted one count once", () => {
    const { breaker, clock, fail } = breakerAt({ failureSliceMs: 100 });
    fail();
    clock.ms += 60;
    fail();
    clock.ms += 39;
    fail();
    expect(breaker.failureCount).toBe(1);
    clock.ms += 1; // 100 ms after the first counted failure
    fail();
    expect(breaker.failureCount).toBe(2);
  });

  it("five distinct failures within the window open the circuit", () => {
    const { breaker, clock, fail, changes } = breakerAt();
    for (let i = 0; i < 4; i++) {
      fail(10);
      clock.ms += 100;
    }
    expect(breaker.state).toBe("closed");
    fail();
    expect(breaker.state).toBe("open");
    expect(breaker.opens).toBe(1);
    expect(changes).toEqual([["open", "closed"]]);
    expect(breaker.admit()).toBe(CIRCUIT_SKIP);
  });

  it("failures older than windowMs are forgotten", () => {
    const { breaker, clock, fail } = breakerAt({ windowMs: 1_000 });
    for (let i = 0; i < 4; i++) {
      fail();
      clock.ms += 400;
    }
    // The first two are more than 1 s old by now: 3 counted, not 5.
    fail();
    expect(breaker.failureCount).toBe(3);
    expect(breaker.state).toBe("closed");
  });

  it("a success clears the count: only failures with no success between them open it", () => {
    const { breaker, clock, fail } = breakerAt();
    for (let i = 0; i < 10; i++) {
      fail();
      clock.ms += 100;
      if (i % 3 === 2) breaker.success(breaker.admit());
    }
    expect(breaker.state).toBe("closed");
  });

  it("inconclusive calls (a late deadline) are not counted", () => {
    const { breaker, clock } = breakerAt();
    for (let i = 0; i < 20; i++) {
      breaker.inconclusive(breaker.admit());
      clock.ms += 100;
    }
    expect(breaker.state).toBe("closed");
    expect(breaker.failureCount).toBe(0);
  });
});

describe("CircuitBreaker: probes", () => {
  function opened(options: CircuitBreakerOptions = {}) {
    const parts = breakerAt(options);
    for (let i = 0; i < 5; i++) {
      parts.fail();
      parts.clock.ms += 100;
    }
    parts.clock.ms -= 100;
    expect(parts.breaker.state).toBe("open");
    return parts;
  }

  it("the first probe goes out probeDelayMs after opening, one at a time", () => {
    const { breaker, clock } = opened({ probeDelayMs: 250 });
    clock.ms += 249;
    expect(breaker.admit()).toBe(CIRCUIT_SKIP);
    clock.ms += 1;
    expect(breaker.admit()).toBe(CIRCUIT_PROBE);
    expect(breaker.state).toBe("half-open");
    expect(breaker.admit()).toBe(CIRCUIT_SKIP);
  });

  it("a successful probe closes the circuit and calls go through again", () => {
    const { breaker, clock, changes } = opened();
    clock.ms += 250;
    breaker.success(breaker.admit());
    expect(breaker.state).toBe("closed");
    expect(breaker.admit()).toBe(CIRCUIT_CALL);
    expect(changes.map(([state]) => state)).toEqual(["open", "half-open", "closed"]);
  });

  it("failed probes double the delay up to maxProbeDelayMs", () => {
    const { breaker, clock } = opened({ probeDelayMs: 250, maxProbeDelayMs: 1_000 });
    const delays: number[] = [];
    let openedAt = clock.ms;
    for (let probe = 0; probe < 5; probe++) {
      while (breaker.admit() === CIRCUIT_SKIP) clock.ms += 1;
      delays.push(clock.ms - openedAt);
      breaker.failure(CIRCUIT_PROBE);
      openedAt = clock.ms;
    }
    expect(delays).toEqual([250, 500, 1_000, 1_000, 1_000]);
    // Reopening after a failed probe is not a new opening.
    expect(breaker.opens).toBe(1);
  });

  it("after closing, the next opening starts again at probeDelayMs", () => {
    const { breaker, clock, fail } = opened({ probeDelayMs: 250, maxProbeDelayMs: 1_000 });
    clock.ms += 250;
    breaker.failure(breaker.admit());
    clock.ms += 500;
    breaker.success(breaker.admit());
    expect(breaker.state).toBe("closed");
    for (let i = 0; i < 5; i++) {
      fail();
      clock.ms += 100;
    }
    const openedAt = clock.ms - 100;
    while (breaker.admit() === CIRCUIT_SKIP) clock.ms += 1;
    expect(clock.ms - openedAt).toBe(250);
    expect(breaker.opens).toBe(2);
  });

  it("a probe that ends inconclusive frees the next probe at once, without backing off", () => {
    const { breaker, clock } = opened({ probeDelayMs: 250 });
    clock.ms += 250;
    breaker.inconclusive(breaker.admit());
    expect(breaker.state).toBe("open");
    expect(breaker.admit()).toBe(CIRCUIT_PROBE);
  });

  it("a probe whose outcome is never reported is replaced after the probe delay", () => {
    const { breaker, clock } = opened({ probeDelayMs: 250 });
    clock.ms += 250;
    expect(breaker.admit()).toBe(CIRCUIT_PROBE);
    clock.ms += 249;
    expect(breaker.admit()).toBe(CIRCUIT_SKIP);
    clock.ms += 1;
    expect(breaker.admit()).toBe(CIRCUIT_PROBE);
  });

  it("a slow success of a call admitted before opening does not close it", () => {
    const { breaker, clock } = opened();
    breaker.success(CIRCUIT_CALL);
    expect(breaker.state).toBe("open");
    clock.ms += 250;
    expect(breaker.admit()).toBe(CIRCUIT_PROBE);
  });

  it("the deprecated openDurationMs still sets the longest delay between probes", () => {
    const breaker = new CircuitBreaker({ openDurationMs: 3_000 });
    expect(breaker.maxProbeDelayMs).toBe(3_000);
    expect(breaker.openDurationMs).toBe(3_000);
    expect(breaker.probeDelayMs).toBe(250);
    expect(new CircuitBreaker({ openDurationMs: 100 }).probeDelayMs).toBe(100);
  });
});
