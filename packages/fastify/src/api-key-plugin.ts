/**
 * The Fastify plugin: an `onRequest` hook that authenticates (before the body is read) and
 * sets `request.apiKey`, or answers the refusal of `@apikey/http` (401 with
 * `WWW-Authenticate`, 403, 503). It skips encapsulation the way `fastify-plugin` does, so the
 * hook and decorators apply to the scope the plugin is registered in, not a private child.
 */

import { createRequestAuthenticator, type RequestHeaders } from "@apikey/http";
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
    const outcome = await authenticator.authenticate(headersOf(request));
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
  // Callback style, not async: a request costs one `then` on the outcome, and a refusal ends
  // the request by not calling done (Fastify's documented early reply), so no route runs
  // however long an async onSend hook takes to end the reply.
  fastify.addHook("onRequest", (request, reply, done) => {
    const routeSetting = request.routeOptions.config.apiKey;
    if (!(routeSetting ?? protectByDefault) || request.apiKey !== undefined) {
      done();
      return;
    }
    authenticator.authenticate(headersOf(request)).then((outcome) => {
      if (outcome.ok) {
        request.apiKey = outcome.record;
        done();
      } else {
        reply.code(outcome.status).headers(outcome.headers).send(outcome.body);
      }
    }, done);
  });
};

/**
 * What to read the key from: a Node request's own `rawHeaders` (repeated lines kept apart, as
 * with `headersDistinct`, with nothing built per request), else (an injected request) the
 * request's headers.
 */
function headersOf(request: FastifyRequest): RequestHeaders {
  const raw = request.raw;
  return "headersDistinct" in raw && Array.isArray(raw.rawHeaders) ? raw : request.headers;
}

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
