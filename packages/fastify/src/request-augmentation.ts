/**
 * Types what the plugin adds to Fastify: `request.apiKey`, `fastify.requireApiKey`, and the
 * route option `config.apiKey`. The record type is yours: declare it once with
 * `declare module "@apikey/fastify" { interface ApiKeyRecordTypes { record: MyRecord } }`
 * (the pattern of `@fastify/jwt`), else it is `CachedApiKey`.
 */
import type { CachedApiKey } from "@apikey/core";
import type { onRequestHookHandler } from "fastify";

/** Augment with `record: YourRecord` to type `request.apiKey` and the resolver option. */
// biome-ignore lint/suspicious/noEmptyInterface: a declaration users merge their record type into
export interface ApiKeyRecordTypes {}

/** The record type of `request.apiKey`: yours if declared in {@link ApiKeyRecordTypes}. */
export type FastifyApiKeyRecord = ApiKeyRecordTypes extends {
  record: infer R extends CachedApiKey;
}
  ? R
  : CachedApiKey;

declare module "fastify" {
  interface FastifyRequest {
    /** The active record of the request's API key; `undefined` on routes that do not require one. */
    apiKey: FastifyApiKeyRecord | undefined;
  }
  interface FastifyInstance {
    /** An `onRequest` hook that requires an active API key (`{ onRequest: [app.requireApiKey] }`). */
    requireApiKey: onRequestHookHandler;
  }
  interface FastifyContextConfig {
    /** `false`: this route needs no key; `true`: it needs one even with `protectByDefault: false`. */
    apiKey?: boolean;
  }
}
