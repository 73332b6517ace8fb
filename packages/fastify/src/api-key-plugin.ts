/**
 * The Fastify plugin: an `onRequest` hook that authenticates (before the body is read) and
 * sets `request.apiKey`, or answers the refusal of `@apikey/http` (401 with
 * `WWW-Authenticate`, 403, 503). It skips encapsulation the way `fastify-plugin` does, so the
 * hook and decorators apply to the scope the plugin is registered in, not a private child.
 */

import { createRequestAuthenticator } from "@apikey/http";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { fastifyLogger } from "./fastify-logger.js";
import { type ApiKeyFastifyOptions, resolveProtectByDefault } from "./plugin-options.js";
import type { FastifyApiKeyRecord } from "./request-augmentation.js";

const plugin: FastifyPluginAsync<ApiKeyFastifyOptions<FastifyApiKeyRecord>> = async (
  fastify,
  options,
) => {
  const protectByDefault = resolveProtectByDefault(options);
  const { protectByDefault: _policy, ...authOptions } = options;
  const authenticator = createRequestAuthenticator({
    ...authOptions,
    logger: authOptions.logger ?? fastifyLogger(fastify.log),
  });

  async function requireApiKey(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // Already done by the scope-wide hook: a route may also list this hook.
    if (request.apiKey !== undefined) return;
    // headersDistinct keeps a repeated Authorization apart (injected requests lack it).
    const headers = request.raw.headersDistinct ?? request.headers;
    const outcome = await authenticator.authenticate(headers);
    if (outcome.ok) {
      request.apiKey = outcome.record;
      return;
    }
    // Awaited (what Fastify's "return reply" does): with an async onSend hook the reply is
    // not yet ended when send() returns, and resolving earlier would let the route run.
    await reply.code(outcome.status).headers(outcome.headers).send(outcome.body);
  }

  fastify.decorateRequest("apiKey", undefined);
  fastify.decorate("requireApiKey", requireApiKey);
  fastify.addHook("onRequest", async (request, reply) => {
    const routeSetting = request.routeOptions.config.apiKey;
    if (routeSetting ?? protectByDefault) await requireApiKey(request, reply);
  });
};

const meta = plugin as unknown as Record<symbol, unknown>;
meta[Symbol.for("skip-override")] = true;
meta[Symbol.for("fastify.display-name")] = "@apikey/fastify";
meta[Symbol.for("plugin-meta")] = { fastify: "5.x", name: "@apikey/fastify" };

/**
 * `app.register(apiKeyAuth, { resolver })`: every route of that scope requires an active API
 * key (opt out with `config: { apiKey: false }`), or, with `protectByDefault: false`, only
 * routes with `config: { apiKey: true }` or `onRequest: [app.requireApiKey]`. Bad options
 * make `app.ready()` reject with `E_CONFIG`.
 */
export const apiKeyAuth: FastifyPluginAsync<ApiKeyFastifyOptions<FastifyApiKeyRecord>> = plugin;
