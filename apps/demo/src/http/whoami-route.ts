/** `GET /v1/whoami`: who the API key belongs to, and which worker process answered. */
import type { FastifyInstance } from "fastify";
import type { DemoContainer } from "../container.js";

/**
 * Register the whoami route. The key is checked by `@apikey/fastify` (`config.apiKey`); with
 * `APIKEY_AUTH=off` the route answers without any lookup.
 */
export function registerWhoamiRoute(app: FastifyInstance, container: DemoContainer): void {
  const { config } = container;
  app.get("/v1/whoami", { config: { apiKey: config.auth } }, async (request) => {
    const record = request.apiKey;
    if (!config.auth || record === undefined) {
      return { id: null, name: "anonymous", admin: false, pid: process.pid, auth: "off" };
    }
    return {
      id: record.apiKey,
      name: record.name ?? null,
      admin: record.admin === true,
      pid: process.pid,
    };
  });
}
