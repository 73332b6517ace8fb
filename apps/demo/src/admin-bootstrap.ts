/**
 * First start: create the admin key. Only its hash is stored, so the plaintext exists in this
 * one return value; the caller prints it once.
 */
import { hashApiKey } from "@apikey/core";
import { generateApiKey, generateKeyId } from "./api-key-format.js";
import type { KeyStore } from "./key-store.js";

/** The new admin key, or `undefined` when an active admin key already exists. */
export function ensureAdminKey(store: KeyStore): { id: string; key: string } | undefined {
  if (store.hasActiveAdmin()) return undefined;
  const key = generateApiKey();
  const id = generateKeyId();
  store.insert({ id, keyHash: hashApiKey(key), name: "admin", admin: true, createdAt: Date.now() });
  return { id, key };
}
