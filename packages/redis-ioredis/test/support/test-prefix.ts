/** A fresh key prefix per backend, so tests sharing one server never see each other's keys. */
import { randomUUID } from "node:crypto";

/** `"<label>:<random>:"` */
export function testPrefix(label = "t"): string {
  return `${label}:${randomUUID().slice(0, 8)}:`;
}
