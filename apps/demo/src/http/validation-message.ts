/**
 * Turns a body-schema violation into one sentence for the `invalid_body` reply. The tricky
 * point: an unknown field's name is caller input. It is quoted only when it is short and made of
 * `[A-Za-z0-9_-]`, so a reply can never carry markup, control characters or a pasted secret.
 */
import type { FastifySchemaValidationError } from "fastify/types/schema.js";

const SAFE_NAME = /^[A-Za-z0-9_-]{1,32}$/;

/** A field name fit to quote in a reply, or `undefined`. */
export function quotableFieldName(name: unknown): string | undefined {
  return typeof name === "string" && SAFE_NAME.test(name) ? name : undefined;
}

/** The message for the first violation (the validator stops at the first). */
export function describeValidationError(
  errors: readonly FastifySchemaValidationError[] | undefined,
): string {
  const first = errors?.[0];
  if (first === undefined) return "The body does not match the schema.";
  // instancePath is a JSON pointer into the body: "/admin", or "" for the body itself.
  const path = first.instancePath.replace(/^\//, "");
  const field = path === "" ? undefined : quotableFieldName(path);
  const subject = path === "" ? "The body" : field === undefined ? "A field" : `Field "${field}"`;
  switch (first.keyword) {
    case "additionalProperties": {
      const unknown = quotableFieldName(first.params.additionalProperty);
      return unknown === undefined
        ? "The body has a field that is not allowed; see the README for the fields this endpoint takes."
        : `Field "${unknown}" is not allowed; see the README for the fields this endpoint takes.`;
    }
    case "type": {
      if (path === "") return "The body must be a JSON object.";
      const expected = first.params.type;
      const types = Array.isArray(expected) ? expected.join(" or ") : String(expected);
      // No coercion: "true", 1 and "5" are refused where a boolean or a string is expected.
      return `${subject} must be a JSON ${types}.`;
    }
    case "minLength":
      return `${subject} must have at least ${String(first.params.limit)} characters.`;
    case "maxLength":
      return `${subject} must have at most ${String(first.params.limit)} characters.`;
    default:
      return `${subject} does not match the schema (${first.keyword}).`;
  }
}
