/**
 * First start: create the admin key. Only its hash is stored, so the plaintext exists in this
 * one return value; the caller prints it at once.
 */
import { hashApiKey } from "@apikey/core";
import { generateApiKey, generateKeyId } from "./api-key-format.js";
import type { KeyStore } from "./key-store/key-store.js";

/** The new admin key, or `undefined` when an active admin key already exists. */
export async function ensureAdminKey(
  store: Pick<KeyStore, "insertIfNoActiveAdmin">,
): Promise<{ id: string; key: string } | undefined> {
  const key = generateApiKey();
  const id = generateKeyId();
  // The store checks and inserts in one write transaction: two processes starting on the same
  // database would otherwise both see no admin and both create one.
  const inserted = await store.insertIfNoActiveAdmin({
    id,
    keyHash: hashApiKey(key),
    name: "admin",
    admin: true,
    createdAt: Date.now(),
  });
  return inserted ? { id, key } : undefined;
}
