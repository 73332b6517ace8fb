/**
 * A core-internal read of an in-process backend (not exported from the package): the settled
 * promise `get` would return for a live entry, or `undefined` on a miss, in one lookup. The
 * tiered backend answers an L1 hit with it, so the hit costs no promise of its own and no
 * second lookup (a fresh promise per hit costs more than the lookup itself). A backend offers
 * it by registering a reader for itself; nothing about it shows in any public type.
 */
import type { CachedApiKey } from "./backend.js";

/** Reads `get`'s settled promise of a live entry, or `undefined` on a miss; throws what `peek` throws. */
export type SettledHitReader<V extends CachedApiKey> = (cacheKey: string) => Promise<V> | undefined;

const readers = new WeakMap<object, SettledHitReader<CachedApiKey>>();

/** Offer `read` for `backend` (the memory backend does, at construction). */
export function registerSettledHitReader<V extends CachedApiKey>(
  backend: object,
  read: SettledHitReader<V>,
): void {
  readers.set(backend, read as SettledHitReader<CachedApiKey>);
}

/** The reader `backend` registered, or `undefined`. */
export function settledHitReaderOf<V extends CachedApiKey>(
  backend: object,
): SettledHitReader<V> | undefined {
  return readers.get(backend) as SettledHitReader<V> | undefined;
}
