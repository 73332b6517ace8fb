// Type-checked, never run: the published .d.ts files as a TypeScript consumer sees them.
import {
  type ApiKeyCacheBackend,
  ApiKeyCacheError,
  type CachedApiKey,
  createApiKeyResolver,
  InMemoryApiKeyCacheBackend,
} from "@apikey/core";
import * as coreRedis from "@apikey/core/redis";

const backend: ApiKeyCacheBackend = new InMemoryApiKeyCacheBackend();
const resolver = createApiKeyResolver({
  backend,
  load: async (): Promise<CachedApiKey | undefined> => undefined,
});
export const resolved: Promise<unknown> = resolver.resolve("sk_test");
// @ts-expect-error the TTL is a number of seconds (proves the types are not `any`)
export const wrongTtl: Promise<void> = backend.set("key", { apiKey: "a", active: true }, "60");
export const isError = (error: unknown): boolean => error instanceof ApiKeyCacheError;
export const helperNames: string[] = Object.keys(coreRedis);
