/**
 * First start: create the admin key. Only its hash is stored, so the plaintext exists in this
 * one return value; the caller prints it at once.
 */
import { hashApiKey } from "@apikey/core";
import { generateApiKey, generateKeyId } from "./api-key-format.js";
import type { KeyStore } from "./key-store.js";

/** The parts of {@link KeyStore} the bootstrap uses. */
export type AdminBootstrapStore = Pick<
  KeyStore,
  "hasActiveAdmin" | "insert" | "immediateTransaction"
>;

/** The new admin key, or `undefined` when an active admin key already exists. */
export function ensureAdminKey(
  store: AdminBootstrapStore,
): { id: string; key: string } | undefined {
  // Check and insert in one write transaction: two processes starting on the same data folder
  // would otherwise both see no admin and both create one.
  return store.immediateTransaction(() => {
    if (store.hasActiveAdmin()) return undefined;
    const key = generateApiKey();
    const id = generateKeyId();
    store.insert({
      id,
      keyHash: hashApiKey(key),
      name: "admin",
      admin: true,
      createdAt: Date.now(),
    });
    return { id, key };
  });
}
