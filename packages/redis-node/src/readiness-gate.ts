/** Moved to `@apikey/core/redis`; re-exported for the invalidation bus until it moves there too. */
export { ReadinessGate } from "@apikey/core/redis";
