import { ApiKeyCacheError, InMemoryApiKeyCacheBackend, isApiKeyCacheError } from "@apikey/core";

export async function memoryBackendTour(): Promise<void> {
  const cache = new InMemoryApiKeyCacheBackend({ maxEntries: 10_000 });
  await cache.set("3f2a…sha256-hex", { apiKey: "sk_live_3f2", active: true }, 0.5); // 500 ms
  await cache.get("3f2a…sha256-hex"); // { apiKey: "sk_live_3f2", active: true }, deep-frozen
  cache.peek("3f2a…sha256-hex"); // the same object, synchronously
  await cache.setIfAbsent("3f2a…sha256-hex", { apiKey: "other", active: true }, 60); // false
  try {
    await cache.set("k", { apiKey: "k", active: true }, Number.NaN);
  } catch (error) {
    if (isApiKeyCacheError(error, "E_INVALID_TTL")) {
      // a typed error instead of an entry cached forever
    } else if (error instanceof ApiKeyCacheError) {
      throw error;
    }
  }
  await cache.close();
}
