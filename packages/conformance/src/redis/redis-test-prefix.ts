/** A fresh key prefix per backend, so checks sharing one server never see each other's keys. */
import { randomUUID } from "node:crypto";

/** `"<label>:<random>:"` */
export function redisTestPrefix(label: string): string {
  return `${label}:${randomUUID().slice(0, 8)}:`;
}
