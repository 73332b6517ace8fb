/**
 * The source of truth the resolver loads from: plaintext keys, their hashes and whether each is
 * active, in memory. A revocation marks the key inactive here first (the precondition of the
 * revocation guarantee) and only then calls `revoke`. The loader takes `loaderMs` and counts
 * its lookups, and for the keys being tracked (a sample of the flood, so a million keys do not
 * cost the driver a million map entries) when each lookup started, so the flood scenario can
 * check "at most one lookup per key per negative TTL".
 */
import { randomBytes } from "node:crypto";
import { type CachedApiKey, hashApiKey } from "@apikey/core";
import { sleep } from "./sleep.js";

export interface KeyEntry {
  readonly plaintext: string;
  readonly hash: string;
  active: boolean;
  /** When the loader last started for this key while it was active (performance.now). */
  loadedAt?: number;
}

export class KeyDatabase {
  readonly loaderMs: number;
  readonly #byHash = new Map<string, KeyEntry>();
  readonly #active: KeyEntry[] = [];
  /** Start times (performance.now) of each tracked key's lookups, in order. */
  readonly #lookups = new Map<string, number[]>();
  #tracked: ReadonlySet<string> = new Set();
  #loads = 0;
  #knownLoads = 0;
  #activeLoads = 0;
  #reloadWindowMs = 0;
  #earlyReloads = 0;

  constructor(validKeys: number, loaderMs: number) {
    this.loaderMs = loaderMs;
    const tag = randomBytes(4).toString("hex");
    for (let i = 0; i < validKeys; i++) {
      const plaintext = `rk_${tag}_${i}_${randomBytes(8).toString("hex")}`;
      const entry: KeyEntry = { plaintext, hash: hashApiKey(plaintext), active: true };
      this.#byHash.set(entry.hash, entry);
      this.#active.push(entry);
    }
  }

  /** Loader calls so far. */
  get loads(): number {
    return this.#loads;
  }

  /** Loader calls for keys in the database (valid or revoked). */
  get knownLoads(): number {
    return this.#knownLoads;
  }

  /** Loader calls for keys active at the time. */
  get activeLoads(): number {
    return this.#activeLoads;
  }

  /**
   * Loads of an active key that started less than the reload window after that key's previous
   * load: with the window set to the cache TTL, the record should still have been cached, so
   * each is a load the cache lost (evicted, or a bypassed cache call), not a TTL expiry.
   */
  get earlyReloads(): number {
    return this.#earlyReloads;
  }

  /** Count {@link earlyReloads} against this window (the cache TTL), in ms, from now on. */
  countReloadsWithin(windowMs: number): void {
    this.#reloadWindowMs = windowMs;
  }

  /** Most lookups any one key got. */
  maxLookupsPerKey(): number {
    let max = 0;
    for (const times of this.#lookups.values()) if (times.length > max) max = times.length;
    return max;
  }

  get activeCount(): number {
    return this.#active.length;
  }

  /** Plaintexts of the active keys (a copy). */
  activePlaintexts(): string[] {
    return this.#active.map((entry) => entry.plaintext);
  }

  /** A random active key, or undefined once all are revoked. */
  randomActive(): KeyEntry | undefined {
    return this.#active[Math.floor(Math.random() * this.#active.length)];
  }

  /** Mark a random active key revoked in the database; the caller then calls `revoke`. */
  revokeRandom(): KeyEntry | undefined {
    if (this.#active.length <= 1) return undefined;
    const index = Math.floor(Math.random() * this.#active.length);
    const entry = this.#active[index] as KeyEntry;
    this.#active[index] = this.#active[this.#active.length - 1] as KeyEntry;
    this.#active.pop();
    entry.active = false;
    return entry;
  }

  /** Mark this active key revoked in the database (false if it was not active); then `revoke`. */
  revokeEntry(entry: KeyEntry): boolean {
    const index = this.#active.indexOf(entry);
    if (index === -1) return false;
    this.#active[index] = this.#active[this.#active.length - 1] as KeyEntry;
    this.#active.pop();
    entry.active = false;
    return true;
  }

  /** The resolver's loader. */
  readonly load = async (keyHash: string): Promise<CachedApiKey | undefined> => {
    this.#loads++;
    const startedAt = performance.now();
    if (this.#tracked.has(keyHash)) {
      const times = this.#lookups.get(keyHash);
      if (times === undefined) this.#lookups.set(keyHash, [startedAt]);
      else times.push(startedAt);
    }
    const entry = this.#byHash.get(keyHash);
    if (entry?.active === true) {
      this.#activeLoads++;
      if (entry.loadedAt !== undefined && startedAt - entry.loadedAt < this.#reloadWindowMs) {
        this.#earlyReloads++;
      }
      entry.loadedAt = startedAt;
    }
    await sleep(this.loaderMs);
    if (entry === undefined) return undefined;
    this.#knownLoads++;
    return { apiKey: keyHash.slice(0, 16), active: entry.active };
  };

  /** Lookups beyond the first, summed over the tracked keys. */
  extraLookups(): number {
    let extra = 0;
    for (const times of this.#lookups.values()) extra += Math.max(0, times.length - 1);
    return extra;
  }

  /**
   * Lookups of a tracked key that came less than `windowMs` after that key's previous lookup,
   * summed over the tracked keys: 0 means at most one lookup per key per `windowMs`.
   */
  lookupsWithin(windowMs: number): number {
    let within = 0;
    for (const times of this.#lookups.values()) {
      for (let i = 1; i < times.length; i++) {
        if ((times[i] as number) - (times[i - 1] as number) < windowMs) within++;
      }
    }
    return within;
  }

  /** Count lookups per key for these hashes only (forgets earlier counts). */
  trackLookups(hashes: ReadonlySet<string>): void {
    this.#tracked = hashes;
    this.#lookups.clear();
  }

  /** Forget lookup counts (between phases). */
  resetLookups(): void {
    this.#lookups.clear();
    this.#loads = 0;
  }
}
