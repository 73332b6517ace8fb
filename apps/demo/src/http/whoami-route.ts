/** `GET /v1/whoami`: who the API key belongs to, and which worker process answered. */
import type { FastifyInstance } from "fastify";
import type { DemoContainer } from "../container.js";
import { authErrorMessage, authenticate } from "./authenticate.js";
import { sendError } from "./error-replies.js";

/** Register the whoami route. With `APIKEY_AUTH=off` it answers without any lookup. */
export function registerWhoamiRoute(app: FastifyInstance, container: DemoContainer): void {
  const { resolver, config } = container;
  app.get("/v1/whoami", async (request, reply) => {
    if (!config.auth) {
      return { id: null, name: "anonymous", admin: false, pid: process.pid, auth: "off" };
    }
    const result = await authenticate(request.headers, resolver);
    if (!result.ok) return sendError(reply, result.reason, authErrorMessage(result.reason));
    const { record } = result;
    return {
      id: record.apiKey,
      name: record.name ?? null,
      admin: record.admin === true,
      pid: process.pid,
    };
  });
}
