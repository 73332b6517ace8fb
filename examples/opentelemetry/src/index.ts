export type { ApiKeyCacheInstrumentationOptions } from "./instrument.js";
export { instrumentApiKeyCache } from "./instrument.js";
