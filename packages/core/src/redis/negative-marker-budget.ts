/**
 * The cap on not-found markers a Redis backend writes. In Redis a marker is an ordinary key
 * living `negativeTtlSeconds`, so a flood of unknown keys keeps flood rate ×
 * `negativeTtlSeconds` of them. With a budget, at most `perSecond` markers per second (per
 * backend instance) get the TTL the resolver asked for; the rest are stored for
 * `ttlUnderPressureSeconds` at most (0: not stored, the loader answers the next lookup). Only
 * the exact not-found marker is capped: records and tombstones are never shortened.
 */

import { NOT_FOUND_MARKER } from "../stored-markers.js";
import { encodeCachedApiKey } from "../value-codec.js";

/** The not-found marker as stored: `{"apiKey":"","active":false,"state":"unknown"}`. */
const NOT_FOUND_ENCODED = encodeCachedApiKey(NOT_FOUND_MARKER);
const WINDOW_MS = 1000;

/** Counts markers per one-second window and shortens the TTL of those over the budget. */
export class NegativeMarkerBudget {
  readonly perSecond: number;
  readonly #underPressureMs: number;
  readonly #now: () => number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #written = 0;

  /**
   * @param perSecond markers per second stored with their full TTL
   * @param ttlUnderPressureMs the longest TTL of a marker over the budget, in ms (0: none stored)
   */
  constructor(
    perSecond: number,
    ttlUnderPressureMs: number,
    now: () => number = performance.now.bind(performance),
  ) {
    this.perSecond = perSecond;
    this.#underPressureMs = ttlUnderPressureMs;
    this.#now = now;
  }

  /** The TTL in ms to store `encoded` with: `ttlMs`, or shorter for a marker over the budget. */
  ttlFor(encoded: string, ttlMs: number): number {
    if (ttlMs === 0 || encoded !== NOT_FOUND_ENCODED) return ttlMs;
    const now = this.#now();
    if (now - this.#windowStart >= WINDOW_MS) {
      this.#windowStart = now;
      this.#written = 0;
    }
    this.#written++;
    return this.#written <= this.perSecond ? ttlMs : Math.min(ttlMs, this.#underPressureMs);
  }
}
