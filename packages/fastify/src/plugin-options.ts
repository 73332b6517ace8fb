/** Options of the Fastify plugin: the shared authenticator options plus the route policy. */
import { ApiKeyCacheError, type CachedApiKey } from "@apikey/core";
import type { RequestAuthOptions } from "@apikey/http";

/** Options of `apiKeyAuth` (`app.register(apiKeyAuth, options)`). */
export interface ApiKeyFastifyOptions<V extends CachedApiKey = CachedApiKey>
  extends RequestAuthOptions<V> {
  /**
   * `true`: every route in the scope where the plugin is registered requires a key, unless
   * its `config.apiKey` is `false`. `false`: only routes with `config.apiKey: true` (or the
   * `app.requireApiKey` hook) do. @default true
   */
  protectByDefault?: boolean;
}

/** The route policy, checked. @throws ApiKeyCacheError `E_CONFIG` */
export function resolveProtectByDefault(options: { protectByDefault?: unknown }): boolean {
  const value = options.protectByDefault ?? true;
  if (typeof value !== "boolean") {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `@apikey/fastify: option protectByDefault must be a boolean, got ${typeof value}`,
    );
  }
  return value;
}
