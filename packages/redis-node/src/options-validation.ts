/** The option checks moved to `@apikey/core/redis`; re-exported for the invalidation bus. */
export { assertCommandTimeout as assertTimeout, assertLogger } from "@apikey/core/redis";
