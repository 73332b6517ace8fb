/**
 * A core-internal read of an in-process backend (not exported from the package): a live entry
 * as the value `peek` would give together with the settled promise `get` would return for it,
 * or `undefined` on a miss, in one lookup. The tiered backend answers an L1 hit with the
 * promise, and the resolver answers a plain hit with it, so a hit costs no promise of its own
 * and no second lookup (a fresh promise per hit costs more than the lookup itself). A backend
 * offers it by registering a reader for itself; nothing about it shows in any public type.
 */
import type { CachedApiKey } from "./backend.js";

/** A live in-process entry: what `peek` gives, and `get`'s settled promise of that value. */
export interface SettledHit<V extends CachedApiKey> {
  readonly value: V;
  readonly resolved: Promise<V>;
}

/** Reads a live entry, or `undefined` on a miss; throws what `peek` throws. */
export type SettledHitReader<V extends CachedApiKey> = (
  cacheKey: string,
) => SettledHit<V> | undefined;

const readers = new WeakMap<object, SettledHitReader<CachedApiKey>>();

/** Offer `read` for `backend` (the memory and tiered backends do, at construction). */
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
