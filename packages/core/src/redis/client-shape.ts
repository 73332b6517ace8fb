/** Recognising a client argument by its members, without importing the client's classes. */

/** True when `candidate` is an object whose members have the given `typeof`s. */
export function hasMemberTypes(
  candidate: unknown,
  types: Readonly<Record<string, "string" | "boolean" | "function" | "object" | "number">>,
): boolean {
  if (typeof candidate !== "object" || candidate === null) return false;
  const record = candidate as Record<string, unknown>;
  return Object.entries(types).every(([name, type]) => typeof record[name] === type);
}
