/**
 * Every refusal and failure of the API has one shape, `{ error, message }`, with `error` from
 * the catalogue below (the README's error table is this table). Fastify's own errors (bad JSON,
 * schema violations, oversized bodies, unknown routes) are translated here, so no reply ever has
 * Fastify's `{ statusCode, code, error, message }` shape. Messages never echo request input,
 * except an unknown field name that is short and plain (see `validation-message.ts`).
 */

import type { ApiKeyCacheLogger } from "@apikey/core";
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { describeValidationError } from "./validation-message.js";

/**
 * Every `error` value the API answers with, and its HTTP status. The four 401s and
 * `auth_unavailable` are answered by `@apikey/fastify` in the same shape.
 */
export const ERROR_STATUS = {
  invalid_body: 400,
  invalid_json: 400,
  bad_request: 400,
  missing_api_key: 401,
  malformed_api_key: 401,
  oversized_api_key: 401,
  invalid_api_key: 401,
  forbidden: 403,
  not_found: 404,
  last_admin_key: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  internal_error: 500,
  cache_unavailable: 503,
  auth_unavailable: 503,
  metrics_unavailable: 503,
} as const satisfies Record<string, number>;

/** An `error` value of a reply. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** The body of every 4xx and 5xx reply. */
export interface ErrorReplyBody {
  error: ErrorCode;
  message: string;
}

/** Send the error reply `code` with its status. */
export function sendError(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  const body: ErrorReplyBody = { error: code, message };
  return reply.code(ERROR_STATUS[code]).send(body);
}

/** Fastify's request-reading errors, by Fastify error code. */
const FASTIFY_ERRORS: Readonly<Record<string, [ErrorCode, string]>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ["invalid_json", "The body is not valid JSON."],
  FST_ERR_CTP_EMPTY_JSON_BODY: [
    "invalid_json",
    "The content-type is application/json but the body is empty; send a JSON object, or no content-type.",
  ],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    "unsupported_media_type",
    "Send the body as JSON with content-type: application/json.",
  ],
  FST_ERR_CTP_BODY_TOO_LARGE: ["body_too_large", "The body is larger than 16 KiB."],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    "bad_request",
    "The content-length does not match the body that was sent.",
  ],
};

/** Route every error and unknown route of `app` through {@link sendError}. */
export function registerErrorReplies(app: FastifyInstance, logger: ApiKeyCacheLogger): void {
  app.setNotFoundHandler((_request, reply) =>
    // The URL is caller input: not echoed.
    sendError(reply, "not_found", "No such route; the README lists the endpoints."),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation !== undefined) {
      return sendError(reply, "invalid_body", describeValidationError(error.validation));
    }
    const known = FASTIFY_ERRORS[error.code];
    if (known !== undefined) return sendError(reply, known[0], known[1]);
    const status = typeof error.statusCode === "number" ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      // Some other request Fastify could not read (a bad URL, say). Its message may quote input.
      return reply
        .code(status)
        .send({ error: "bad_request", message: "The request could not be read." });
    }
    logger.error(`${request.method} ${request.routeOptions.url ?? "unmatched"} failed`, error);
    return sendError(
      reply,
      "internal_error",
      "The server failed to handle the request; the error is in its log.",
    );
  });
}
