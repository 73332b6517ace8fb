/**
 * An L2 view of a store that several tiered instances share: every call goes to the store,
 * but `close()` leaves the store open, since it belongs to the test, not to one instance.
 */
import type { ApiKeyCacheBackend, InMemoryApiKeyCacheBackend } from "@apikey/core";

/** `store` as one tiered instance's remote; closing the view does not close the store. */
export function sharedRemote(store: InMemoryApiKeyCacheBackend): ApiKeyCacheBackend {
  let closed = false;
  const open = (): InMemoryApiKeyCacheBackend => {
    if (closed) throw new Error("shared remote view closed");
    return store;
  };
  return {
    get: async (key) => open().get(key),
    getWithTtl: async (key) => open().getWithTtl(key),
    set: async (key, value, ttl) => open().set(key, value, ttl),
    setIfAbsent: async (key, value, ttl) => open().setIfAbsent(key, value, ttl),
    setIfAbsentGet: async (key, value, ttl) => open().setIfAbsentGet(key, value, ttl),
    delete: async (key) => open().delete(key),
    clear: async () => open().clear(),
    close: async () => {
      closed = true;
    },
  };
}
