export type { ApiKeyMiddleware, ApiKeyMiddlewareOptions } from "./api-key-middleware.js";
export { apiKeyAuth, sendRefusal } from "./api-key-middleware.js";
export type { ApiKeyRecordTypes, ExpressApiKeyRecord } from "./request-augmentation.js";
