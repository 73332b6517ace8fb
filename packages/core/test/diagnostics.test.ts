import { subscribe, unsubscribe } from "node:diagnostics_channel";
import {
  createApiKeyResolver,
  DIAGNOSTICS_CHANNELS,
  hashApiKey,
  InMemoryApiKeyCacheBackend,
  type LoadEvent,
  type ResolveEvent,
  type RevokeEvent,
  silentLogger,
} from "@apikey/core";
import { afterEach, describe, expect, it } from "vitest";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Collect every event of every channel until the test ends. */
function record(): Array<{ channel: string; event: unknown }> {
  const seen: Array<{ channel: string; event: unknown }> = [];
  for (const name of Object.values(DIAGNOSTICS_CHANNELS)) {
    const listener = (event: unknown): void => {
      seen.push({ channel: name, event });
    };
    subscribe(name, listener);
    cleanups.push(() => unsubscribe(name, listener));
  }
  return seen;
}
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe("diagnostics_channel events", () => {
  it("resolve, load and revoke events carry outcomes and hashes, never the plaintext key", async () => {
    const seen = record();
    const plaintext = "sk_live_diagnostics_secret";
    let fail = false;
    const resolver = createApiKeyResolver({
      backend: new InMemoryApiKeyCacheBackend(),
      load: async (hash) => {
        if (fail) throw new Error("database down");
        return hash === hashApiKey(plaintext) ? { apiKey: "pk_diag", active: true } : undefined;
      },
      ttlSeconds: 0.05,
      staleIfErrorSeconds: 30,
      logger: silentLogger,
    });
    await resolver.resolve(plaintext); // miss: loaded
    await resolver.resolve(plaintext); // hit
    await resolver.resolve("sk_unknown"); // miss: not found
    await resolver.resolve("sk_unknown"); // negative hit
    await resolver.resolve(""); // skipped
    await sleep(80);
    fail = true;
    await resolver.resolve(plaintext); // stale
    await expect(resolver.resolve("sk_other")).rejects.toThrow("database down");
    await resolver.revoke(hashApiKey(plaintext));

    const resolves = seen
      .filter((entry) => entry.channel === DIAGNOSTICS_CHANNELS.resolve)
      .map((entry) => entry.event as ResolveEvent);
    expect(resolves.map((event) => [event.outcome, event.active])).toEqual([
      ["miss", true],
      ["hit", true],
      ["miss", false],
      ["negative", false],
      ["skipped", false],
      ["stale", true],
      ["error", false],
    ]);
    expect(resolves[0]?.keyHash).toBe(hashApiKey(plaintext));
    for (const event of resolves) expect(event.durationMs).toBeGreaterThanOrEqual(0);
    const loads = seen
      .filter((entry) => entry.channel === DIAGNOSTICS_CHANNELS.load)
      .map((entry) => (entry.event as LoadEvent).outcome);
    expect(loads).toEqual(["found", "unknown", "error", "error"]);
    const revokes = seen
      .filter((entry) => entry.channel === DIAGNOSTICS_CHANNELS.revoke)
      .map((entry) => entry.event as RevokeEvent);
    expect(revokes).toMatchObject([{ operation: "revoke", outcome: "ok" }]);
    expect(
      JSON.stringify(
        seen.map((entry) => entry.event),
        (_key, value) => (value instanceof Error ? value.message : value),
      ),
    ).not.toContain(plaintext);
  });

  it("circuit and backend-error events when the cache fails", async () => {
    const seen = record();
    const memory = new InMemoryApiKeyCacheBackend();
    const failing = {
      get: async () => {
        throw new Error("cache down");
      },
      set: memory.set.bind(memory),
      setIfAbsent: memory.setIfAbsent.bind(memory),
      delete: memory.delete.bind(memory),
      clear: memory.clear.bind(memory),
      close: memory.close.bind(memory),
    };
    const resolver = createApiKeyResolver({
      backend: failing,
      load: async () => ({ apiKey: "pk", active: true }),
      circuitFailureThreshold: 1,
      logger: silentLogger,
    });
    for (let call = 0; call < 20 && resolver.stats().circuit === "closed"; call++) {
      await resolver.resolve(`sk_${call}`);
      await sleep(5);
    }
    expect(resolver.stats().circuit).toBe("open");
    const errors = seen.filter((entry) => entry.channel === DIAGNOSTICS_CHANNELS.backendError);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.event).toMatchObject({ operation: "read", timeout: false });
    const circuit = seen.filter((entry) => entry.channel === DIAGNOSTICS_CHANNELS.circuit);
    expect(circuit.map((entry) => entry.event)).toContainEqual({ state: "open" });
    const resolves = seen.filter((entry) => entry.channel === DIAGNOSTICS_CHANNELS.resolve);
    expect(resolves[0]?.event).toMatchObject({ outcome: "bypass" });
  });
});
