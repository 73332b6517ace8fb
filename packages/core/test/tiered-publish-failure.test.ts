/**
 * A publish that fails or hangs after an acknowledged L2 write: the write (a revoke's
 * tombstone above all) still resolves at once, L1 is bypassed until the bus takes publishes
 * again, and the message is retried so peers still drop their copies.
 */
import {
  type ApiKeyCacheLogger,
  createApiKeyResolver,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  type InvalidationBus,
  type InvalidationHandlers,
  type InvalidationMessage,
  silentLogger,
  TieredApiKeyCacheBackend,
} from "@apikey/core";
import { createInProcessBusNetwork, type InProcessInvalidationBus } from "@apikey/core/testing";
import { describe, expect, it } from "vitest";
import { MAX_PENDING_INVALIDATIONS, TieredPublisher } from "../src/tiered-publisher.js";
import { waitFor } from "./tiered-harness.js";

/** A real in-process bus whose publishes can be made to reject or to hang for `hangMs`. */
class FlakyPublishBus implements InvalidationBus {
  mode: "ok" | "reject" | "hang" = "ok";
  hangMs = 5_000;
  attempts = 0;
  readonly #inner: InProcessInvalidationBus;

  constructor(inner: InProcessInvalidationBus) {
    this.#inner = inner;
  }

  get instanceId(): string {
    return this.#inner.instanceId;
  }

  async publish(message: InvalidationMessage): Promise<void> {
    this.attempts++;
    if (this.mode === "reject") throw new Error("PUBLISH refused (test)");
    if (this.mode === "hang") {
      await new Promise((resolve) => setTimeout(resolve, this.hangMs));
      throw new Error(`PUBLISH got no answer within ${this.hangMs} ms (test)`);
    }
    await this.#inner.publish(message);
  }

  subscribe(handlers: InvalidationHandlers): Promise<() => Promise<void>> {
    return this.#inner.subscribe(handlers);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

const record = { apiKey: "sk", active: true };

function twoProcesses() {
  const network = createInProcessBusNetwork();
  const remote = new InMemoryApiKeyCacheBackend();
  const shared = {
    get: remote.get.bind(remote),
    getWithTtl: remote.getWithTtl.bind(remote),
    set: remote.set.bind(remote),
    setIfAbsent: remote.setIfAbsent.bind(remote),
    setIfAbsentGet: remote.setIfAbsentGet.bind(remote),
    delete: remote.delete.bind(remote),
    clear: remote.clear.bind(remote),
    close: async () => {},
  };
  const warnings: string[] = [];
  const logger: ApiKeyCacheLogger = { ...silentLogger, warn: (message) => warnings.push(message) };
  const flaky = new FlakyPublishBus(network.createBus());
  const a = new TieredApiKeyCacheBackend({
    local: new InMemoryApiKeyCacheBackend(),
    remote: shared,
    bus: flaky,
    logger,
  });
  const bLocal = new InMemoryApiKeyCacheBackend();
  const b = new TieredApiKeyCacheBackend({
    local: bLocal,
    remote: shared,
    bus: network.createBus(),
    logger: silentLogger,
  });
  const close = async () => {
    await Promise.all([a.close(), b.close()]);
    await remote.close();
  };
  return { network, remote, flaky, a, b, bLocal, warnings, close };
}

describe("TieredApiKeyCacheBackend: a failing publish never fails the write", () => {
  it("a revoke resolves at once while PUBLISH hangs; the tombstone is in L2", async () => {
    const p = twoProcesses();
    await waitFor(() => p.a.l1Enabled && p.b.l1Enabled);
    const resolver = createApiKeyResolver({
      backend: p.a,
      load: async () => record,
      writeTimeoutMs: 1_000,
      logger: silentLogger,
    });
    p.flaky.mode = "hang";
    const started = performance.now();
    await expect(resolver.revoke(hashApiKey("sk-hang"))).resolves.toBeUndefined();
    // The publish hangs 5 s; the revoke did not wait for it (generous margin for a loaded box).
    expect(performance.now() - started).toBeLessThan(2_500);
    expect((await p.remote.get(hashApiKey("sk-hang")))?.active).toBe(false);
    await p.close();
  });

  it("a rejected publish turns L1 off, is retried, and reaches the peer once the bus works", async () => {
    const p = twoProcesses();
    await waitFor(() => p.a.l1Enabled && p.b.l1Enabled);
    await p.b.set("k", record, 60);
    expect(await p.b.get("k")).toEqual(record);
    expect(p.bLocal.size).toBe(1);

    p.flaky.mode = "reject";
    await p.a.delete("k");
    await waitFor(() => !p.a.l1Enabled);
    expect(p.a.l1Enabled).toBe(false);
    expect(p.a.publishFailures).toBeGreaterThanOrEqual(1);
    expect(p.warnings.some((message) => message.includes('publishing "delete" failed'))).toBe(true);
    // Still failing: retried with backoff, L1 stays off.
    await waitFor(() => p.flaky.attempts >= 3, 5_000);
    expect(p.flaky.attempts).toBeGreaterThanOrEqual(3);
    expect(p.a.l1Enabled).toBe(false);

    p.flaky.mode = "ok";
    expect(await waitFor(() => p.a.l1Enabled, 5_000)).toBe(true);
    await p.network.settled();
    // The retried delete reached B: its copy is gone.
    expect(p.bLocal.size).toBe(0);
    expect(await p.b.get("k")).toBeUndefined();
    await p.close();
  });
});

describe("TieredPublisher", () => {
  it("keeps at most MAX_PENDING_INVALIDATIONS messages; beyond, one clear stands for them", async () => {
    const network = createInProcessBusNetwork();
    const flaky = new FlakyPublishBus(network.createBus());
    flaky.mode = "reject";
    let suspected = 0;
    const publisher = new TieredPublisher(flaky, silentLogger, 60_000, () => performance.now(), {
      suspect: () => suspected++,
      confirmed: () => {},
    });
    for (let i = 0; i < MAX_PENDING_INVALIDATIONS + 10; i++) {
      publisher.publish({ op: "delete", key: `k${i}` });
    }
    await waitFor(() => flaky.attempts >= MAX_PENDING_INVALIDATIONS + 10);
    await new Promise((resolve) => setImmediate(resolve));
    expect(publisher.pending).toBe(1);
    expect(publisher.healthy).toBe(false);
    expect(suspected).toBe(1);
    publisher.close();
    await network.close();
  });
});
