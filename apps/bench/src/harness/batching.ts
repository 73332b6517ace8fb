/**
 * The batching switch of our Redis backends (`batchReads`, on by default). It is passed as a
 * spread of a plain object so this file type-checks whether or not the installed
 * `@apikey/core` declares the option yet; a backend that does not know it ignores it, and its
 * "batching off" row then measures the same code as "batching on".
 */

/** Options that turn batched reads off. */
export const BATCHING_OFF: Record<string, unknown> = { batchReads: false };

/** Options that keep the default (batched reads on). */
export const BATCHING_ON: Record<string, unknown> = {};

/** The options for `batching`. */
export function batchingOptions(batching: "on" | "off"): Record<string, unknown> {
  return batching === "on" ? BATCHING_ON : BATCHING_OFF;
}
