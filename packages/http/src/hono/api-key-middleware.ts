/**
 * Hono middleware: authenticate from the Fetch `Headers` (any runtime Hono runs on), then
 * `c.set("apiKey", record)` and go on, or answer the refusal. Only Hono's types are imported.
 */
import type { CachedApiKey } from "@apikey/core";
import type { MiddlewareHandler } from "hono";
import type { RequestAuthOptions } from "../auth-options.js";
import { createRequestAuthenticator } from "../request-authenticator.js";

/** The Hono environment the middleware adds: `c.get("apiKey")` is the record. */
export interface ApiKeyEnv<V extends CachedApiKey = CachedApiKey> {
  Variables: { apiKey: V };
}

/** Options of {@link apiKeyAuth}: those of `createRequestAuthenticator`. */
export type ApiKeyMiddlewareOptions<V extends CachedApiKey = CachedApiKey> = RequestAuthOptions<V>;

/**
 * Middleware that lets only requests with an active API key through, with `c.get("apiKey")`
 * set to the record. Options are checked here, once.
 *
 * @throws ApiKeyCacheError `E_CONFIG` for a bad option.
 */
export function apiKeyAuth<V extends CachedApiKey = CachedApiKey>(
  options: ApiKeyMiddlewareOptions<V>,
): MiddlewareHandler<ApiKeyEnv<V>> {
  const authenticator = createRequestAuthenticator(options);
  return async (c, next) => {
    // Fetch Headers join a repeated header with ", "; a comma is never part of a key.
    const outcome = await authenticator.authenticate(c.req.raw.headers);
    if (!outcome.ok) return c.json(outcome.body, outcome.status, { ...outcome.headers });
    c.set("apiKey", outcome.record);
    await next();
  };
}
