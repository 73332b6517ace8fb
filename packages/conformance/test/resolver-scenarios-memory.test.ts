/**
 * The resolver scenarios of the suite on the in-memory backend: the revocation race with one
 * resolver, with two sharing a store, and through setIfAbsent + get (a backend without
 * setIfAbsentGet); and the tombstone check, read through getWithTtl (its fallback).
 */
import { describeResolverRevocationRace, describeResolverTombstone } from "@apikey/conformance";
import { type ApiKeyCacheBackend, InMemoryApiKeyCacheBackend } from "@apikey/core";
import { describe } from "vitest";

/** A memory backend without setIfAbsentGet, to exercise the setIfAbsent-then-get path. */
function withoutSetIfAbsentGet(memory: InMemoryApiKeyCacheBackend): ApiKeyCacheBackend {
  return {
    get: (key) => memory.get(key),
    set: (key, value, ttl) => memory.set(key, value, ttl),
    setIfAbsent: (key, value, ttl) => memory.setIfAbsent(key, value, ttl),
    delete: (key) => memory.delete(key),
    clear: () => memory.clear(),
    close: () => memory.close(),
  };
}

describe("revocation race (memory backend)", () => {
  // The shared race body (also run over each Redis driver); loads stall up to 4 ms here.
  const race = { maxLoadDelayMs: 4 };
  describeResolverRevocationRace("one resolver", {
    ...race,
    title: "1,000 rounds, one resolver: nothing started after revoke() resolved is active",
    createBackends: () => [new InMemoryApiKeyCacheBackend()],
  });
  describeResolverRevocationRace("two resolvers", {
    ...race,
    title: "1,000 rounds, a second resolver sharing the backend: nothing after revoke() is active",
    createBackends: () => {
      const shared = new InMemoryApiKeyCacheBackend();
      return [shared, shared];
    },
  });
  describeResolverRevocationRace("two resolvers without setIfAbsentGet", {
    ...race,
    title:
      "1,000 rounds through setIfAbsent + get (no setIfAbsentGet): nothing after revoke() is active",
    createBackends: () => {
      const shared = new InMemoryApiKeyCacheBackend();
      return [withoutSetIfAbsentGet(shared), withoutSetIfAbsentGet(shared)];
    },
  });
  // The published tombstone check, read through getWithTtl (its fallback).
  describeResolverTombstone("tombstone", {
    createPair: () => {
      const shared = new InMemoryApiKeyCacheBackend();
      return { backends: [shared, shared] };
    },
  });
});
