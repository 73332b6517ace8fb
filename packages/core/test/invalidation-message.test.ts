import { describe, expect, it } from "vitest";
import {
  assertInvalidationMessage,
  decodeInvalidationMessage,
  encodeInvalidationMessage,
  isApiKeyCacheError,
} from "../src/index.js";

describe("assertInvalidationMessage", () => {
  const rejected: Array<[unknown, string]> = [
    [null, "E_INVALID_VALUE"],
    [undefined, "E_INVALID_VALUE"],
    ["delete", "E_INVALID_VALUE"],
    [{}, "E_INVALID_VALUE"],
    [{ op: "bogus", key: "k" }, "E_INVALID_VALUE"],
    [{ op: "set" }, "E_INVALID_KEY"],
    [{ op: "delete", key: "" }, "E_INVALID_KEY"],
    [{ op: "delete", key: 7 }, "E_INVALID_KEY"],
  ];
  for (const [message, code] of rejected) {
    it(`${JSON.stringify(message) ?? "undefined"} throws ${code}`, () => {
      let caught: unknown;
      try {
        assertInvalidationMessage(message);
      } catch (error) {
        caught = error;
      }
      expect(isApiKeyCacheError(caught, code as "E_INVALID_KEY")).toBe(true);
    });
  }

  it("accepts exactly what the decoder accepts after encoding", () => {
    for (const message of [{ op: "set", key: "k" }, { op: "delete", key: "k" }, { op: "clear" }]) {
      expect(() => assertInvalidationMessage(message)).not.toThrow();
      expect(decodeInvalidationMessage(encodeInvalidationMessage("o", message as never))).toEqual({
        origin: "o",
        ...message,
      });
    }
  });
});
