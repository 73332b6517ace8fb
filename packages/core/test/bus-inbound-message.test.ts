/** What a Redis invalidation bus accepts from its channel: the size cap comes before parsing. */
import { describe, expect, it } from "vitest";
import { encodeInvalidationMessage } from "../src/index.js";
import {
  exceedsInvalidationMessageLimit,
  MAX_INVALIDATION_MESSAGE_BYTES,
  readInboundInvalidation,
} from "../src/redis/index.js";

/** A well-formed message whose encoding takes exactly `bytes` UTF-8 bytes, padded with `unit`. */
function messageOfBytes(bytes: number, unit: string): string {
  const empty = encodeInvalidationMessage("o", { op: "delete", key: "" }).length;
  const unitBytes = Buffer.byteLength(unit);
  const rest = bytes - empty;
  const key = unit.repeat(Math.floor(rest / unitBytes)) + "k".repeat(rest % unitBytes);
  const payload = encodeInvalidationMessage("o", { op: "delete", key });
  expect(Buffer.byteLength(payload)).toBe(bytes);
  return payload;
}

describe("readInboundInvalidation", () => {
  it("accepts a message of exactly 64 KiB and drops one byte more, counting UTF-8 bytes", () => {
    for (const unit of ["a", "é", "€", "🔑"]) {
      const fits = messageOfBytes(MAX_INVALIDATION_MESSAGE_BYTES, unit);
      expect(exceedsInvalidationMessageLimit(fits), unit).toBe(false);
      expect("message" in readInboundInvalidation(fits), unit).toBe(true);
      const over = messageOfBytes(MAX_INVALIDATION_MESSAGE_BYTES + 1, unit);
      expect(exceedsInvalidationMessageLimit(over), unit).toBe(true);
      expect(readInboundInvalidation(over), unit).toEqual({ dropped: "larger than 65536 bytes" });
    }
  });

  it("drops a 20 MB message that would otherwise decode as a clear", () => {
    const huge = `{"v":1,"origin":"o","op":"clear","pad":"${"x".repeat(20 * 1024 * 1024)}"}`;
    expect(readInboundInvalidation(huge)).toEqual({ dropped: "larger than 65536 bytes" });
  });

  it("drops what is not a message and keeps the origin of what is", () => {
    expect(readInboundInvalidation("not json")).toEqual({
      dropped: "not a valid invalidation message",
    });
    expect(readInboundInvalidation('{"v":1,"origin":"o","op":"clear"}')).toEqual({
      message: { origin: "o", op: "clear" },
    });
  });
});
