/**
 * The check of a driver's `tls` option. Certificates and keys are secrets or close to it: an
 * error names the field and the kind of value, never the value.
 */
import { ApiKeyCacheError } from "../errors.js";
import type { RedisTlsOptions } from "../redis-driver.js";

const PEM_FIELDS = ["cert", "key"] as const;

function isPem(value: unknown): boolean {
  return (typeof value === "string" && value !== "") || value instanceof Uint8Array;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value === "") return "an empty string";
  return `a ${typeof value}`;
}

/** @throws ApiKeyCacheError `E_CONFIG` naming the field that is wrong (never its value). */
export function assertTlsOptions(tls: unknown, owner: string): asserts tls is RedisTlsOptions {
  const fail = (what: string): never => {
    throw new ApiKeyCacheError("E_CONFIG", `${owner}: tls${what}`);
  };
  if (typeof tls !== "object" || tls === null || Array.isArray(tls)) {
    fail(` must be an object such as { ca, cert, key, servername }, got ${kindOf(tls)}`);
  }
  const options = tls as Record<string, unknown>;
  const known = new Set(["ca", "cert", "key", "servername", "rejectUnauthorized"]);
  for (const name of Object.keys(options)) {
    if (!known.has(name))
      fail(` has an unknown field ${JSON.stringify(name)}; known: ${[...known].join(", ")}`);
  }
  const { ca } = options;
  if (ca !== undefined) {
    const list = Array.isArray(ca) ? ca : [ca];
    if (list.length === 0 || !list.every(isPem)) {
      fail(`.ca must be PEM text or bytes, or a non-empty array of them, got ${kindOf(ca)}`);
    }
  }
  for (const name of PEM_FIELDS) {
    const value = options[name];
    if (value !== undefined && !isPem(value)) {
      fail(`.${name} must be PEM text or bytes, got ${kindOf(value)}`);
    }
  }
  if ((options.cert === undefined) !== (options.key === undefined)) {
    fail(": cert and key go together (a client certificate needs its key)");
  }
  const { servername, rejectUnauthorized } = options;
  if (servername !== undefined && (typeof servername !== "string" || servername === "")) {
    fail(`.servername must be a non-empty string, got ${kindOf(servername)}`);
  }
  if (rejectUnauthorized !== undefined && typeof rejectUnauthorized !== "boolean") {
    fail(`.rejectUnauthorized must be a boolean, got ${kindOf(rejectUnauthorized)}`);
  }
}
