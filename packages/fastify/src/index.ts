export type { AuthErrorBody, AuthErrorCode, CredentialSource } from "@apikey/http";
export { apiKeyAuth } from "./api-key-plugin.js";
export { fastifyLogger } from "./fastify-logger.js";
export type { ApiKeyFastifyOptions } from "./plugin-options.js";
export type { ApiKeyRecordTypes, FastifyApiKeyRecord } from "./request-augmentation.js";
