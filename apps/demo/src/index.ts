export type { DemoConfig, RedisClientName } from "./config.js";
export { DemoConfigError, loadConfig, REDIS_CLIENT_NAMES } from "./config.js";
export type { DemoContainer, DemoKeyRecord } from "./container.js";
export { createContainer } from "./container.js";
export type { DemoProcess, StartDemoProcessOptions } from "./demo-process.js";
export { startDemoProcess } from "./demo-process.js";
export type { HttpResponse, SendRequestOptions } from "./http-client.js";
export { sendRequest } from "./http-client.js";
export type {
  ApiKeyRecord,
  ApiKeySummary,
  KeyStore,
  KeyStoreKind,
  NewApiKeyRecord,
  RevokeOutcome,
} from "./key-store/key-store.js";
export { openKeyStore } from "./key-store/open-key-store.js";
export { warmEveryWorker, whoami } from "./revocation-probe.js";
export type { DemoServer, StartDemoServerOptions } from "./server.js";
export { startDemoServer } from "./server.js";
