export type { ApiKeyEnv, ApiKeyMiddlewareOptions } from "./api-key-middleware.js";
export { apiKeyAuth } from "./api-key-middleware.js";
