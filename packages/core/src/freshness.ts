/**
 * The logical expiry the resolver writes into a record when stale-if-error or refresh-ahead is
 * on. The store keeps the entry for `ttlSeconds + staleIfErrorSeconds`; the record is fresh
 * until `_freshUntil` (epoch ms, the wall clock, since processes sharing a store must agree on
 * it). Readers that do not know the field ignore it (the original Python module reads only
 * `apiKey` and `active`), and the resolver strips it before a record reaches the caller.
 *
 * Records read from a backend are deep-frozen, so the stripped view of one is computed once and
 * remembered (the memory backend does it when it stores the record): a hit pays no copy.
 */
import type { CachedApiKey } from "./backend.js";

/** The reserved field carrying a record's logical expiry, in epoch milliseconds. */
export const FRESH_UNTIL_FIELD = "_freshUntil";

/** `record` with its logical expiry set (a copy: the loader's object is left alone). */
export function withFreshUntil<V extends CachedApiKey>(record: V, freshUntil: number): V {
  return { ...record, [FRESH_UNTIL_FIELD]: Math.floor(freshUntil) };
}

/** The logical expiry written into `record`, or `undefined` if it carries none. */
export function freshUntilOf(record: CachedApiKey): number | undefined {
  const freshUntil = record[FRESH_UNTIL_FIELD];
  return typeof freshUntil === "number" ? freshUntil : undefined;
}

/** The stripped view of each frozen record that carries the field, computed once. */
const visibleViews = new WeakMap<CachedApiKey, CachedApiKey>();

/**
 * `record` as the caller sees it: without the reserved field (the same object if it has none).
 * For a frozen record the view is frozen too (its nested parts are the record's own, already
 * frozen) and remembered, so asking again returns the same object without copying.
 */
export function withoutFreshUntil<V extends CachedApiKey>(record: V): V {
  if (!(FRESH_UNTIL_FIELD in record)) return record;
  const remembered = visibleViews.get(record);
  if (remembered !== undefined) return remembered as V;
  const { [FRESH_UNTIL_FIELD]: _freshUntil, ...rest } = record;
  if (!Object.isFrozen(record)) return rest as V;
  const view = Object.freeze(rest) as V;
  visibleViews.set(record, view);
  return view;
}
