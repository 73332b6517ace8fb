export type { SqliteApiKeyCacheBackendOptions } from "./sqlite-backend.js";
export { SqliteApiKeyCacheBackend } from "./sqlite-backend.js";
