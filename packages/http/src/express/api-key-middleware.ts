/**
 * Express 5 / Connect middleware: authenticate, then set `req.apiKey` and call `next()`, or
 * answer the refusal itself. It writes the reply with plain `node:http` calls and imports
 * nothing from Express, so it runs under Connect and bare `http.createServer` too.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CachedApiKey } from "@apikey/core";
import type { RequestAuthOptions } from "../auth-options.js";
import type { AuthRefusal } from "../auth-outcome.js";
import { createRequestAuthenticator } from "../request-authenticator.js";

/** A Connect-style middleware (what `app.use` and route handlers of Express accept). */
export type ApiKeyMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/** Options of {@link apiKeyAuth}: those of `createRequestAuthenticator`. */
export type ApiKeyMiddlewareOptions<V extends CachedApiKey = CachedApiKey> = RequestAuthOptions<V>;

/** Send a refusal with `node:http` calls (Express's `res.status`/`res.json` are not needed). */
export function sendRefusal(res: ServerResponse, refusal: AuthRefusal): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = refusal.status;
  for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value);
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.end(JSON.stringify(refusal.body));
}

/**
 * Middleware that lets only requests with an active API key through, with `req.apiKey` set to
 * the record. Mount it where keys are required: `app.use(apiKeyAuth(...))`, a router, or a
 * route. Options are checked here, once.
 *
 * @throws ApiKeyCacheError `E_CONFIG` for a bad option.
 */
export function apiKeyAuth<V extends CachedApiKey = CachedApiKey>(
  options: ApiKeyMiddlewareOptions<V>,
): ApiKeyMiddleware {
  const authenticator = createRequestAuthenticator(options);
  return (req, res, next) => {
    // A Node request is read from its rawHeaders: they keep a repeated Authorization apart
    // (req.headers keeps only the first), as headersDistinct does, without building it.
    const headers = "headersDistinct" in req && Array.isArray(req.rawHeaders) ? req : req.headers;
    authenticator.authenticate(headers).then((outcome) => {
      if (outcome.ok) {
        (req as IncomingMessage & { apiKey?: V }).apiKey = outcome.record;
        next();
      } else {
        sendRefusal(res, outcome);
      }
    }, next);
  };
}
