/**
 * Types `req.apiKey` on Express's `Request`. The record type is yours: declare it once with
 * `declare module "@apikey/http/express" { interface ApiKeyRecordTypes { record: MyRecord } }`
 * (the pattern of `@fastify/jwt`), else it is `CachedApiKey`.
 */
import type { CachedApiKey } from "@apikey/core";

/** Augment with `record: YourRecord` to type `req.apiKey`. */
// biome-ignore lint/suspicious/noEmptyInterface: a declaration users merge their record type into
export interface ApiKeyRecordTypes {}

/** The record type of `req.apiKey`: yours if declared in {@link ApiKeyRecordTypes}. */
export type ExpressApiKeyRecord = ApiKeyRecordTypes extends {
  record: infer R extends CachedApiKey;
}
  ? R
  : CachedApiKey;

declare global {
  namespace Express {
    interface Request {
      /** The active record of the request's API key, set by `apiKeyAuth` (`undefined` where it is not mounted). */
      apiKey?: ExpressApiKeyRecord;
    }
  }
}
