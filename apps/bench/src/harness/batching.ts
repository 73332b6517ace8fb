/** The batching switch of our Redis backends (`batchReads`, on by default). */

/** Options that turn batched reads off. */
export const BATCHING_OFF: { batchReads?: boolean } = { batchReads: false };

/** Options that keep the default (batched reads on). */
export const BATCHING_ON: { batchReads?: boolean } = {};

/** The options for `batching`. */
export function batchingOptions(batching: "on" | "off"): { batchReads?: boolean } {
  return batching === "on" ? BATCHING_ON : BATCHING_OFF;
}
