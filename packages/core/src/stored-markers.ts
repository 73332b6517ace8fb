/**
 * The two marker records the resolver stores beside real keys. Both are valid
 * {@link CachedApiKey} values (`active: false`), so every backend, and the original Python
 * module, stores them like any entry and reads them as inactive keys (docs/architecture.md,
 * "The stored markers").
 */
import type { CachedApiKey } from "./backend.js";

/** A stored marker: a tombstone (`"revoked"`) or a not-found entry (`"unknown"`). */
export interface StoredMarker extends CachedApiKey {
  readonly apiKey: "";
  readonly active: false;
  readonly state: "revoked" | "unknown";
}

/** Written by `revoke`: `{"apiKey":"","active":false,"state":"revoked"}`. */
export const REVOKED_MARKER: StoredMarker = Object.freeze({
  apiKey: "",
  active: false,
  state: "revoked",
}) as StoredMarker;

/** Written for keys the loader does not know: `{"apiKey":"","active":false,"state":"unknown"}`. */
export const NOT_FOUND_MARKER: StoredMarker = Object.freeze({
  apiKey: "",
  active: false,
  state: "unknown",
}) as StoredMarker;

/** True for the tombstone `revoke` writes. */
export function isRevokedMarker(value: CachedApiKey | undefined): boolean {
  return value !== undefined && value.apiKey === "" && value.state === "revoked" && !value.active;
}

/** True for the not-found marker of an unknown key. */
export function isNotFoundMarker(value: CachedApiKey | undefined): boolean {
  return value !== undefined && value.apiKey === "" && value.state === "unknown" && !value.active;
}
