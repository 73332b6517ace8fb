/** A URL's password never reaches an error message, a cause or a log line. */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { nodeRedisDriver } from "../src/index.js";
import { recordingLogger } from "./support/recording-logger.js";

const SECRET = "hunter2";

describe("URL credentials in errors", () => {
  it.each([
    `https://user:${SECRET}@example.invalid:6379`,
    `redis//user:${SECRET}@127.0.0.1:6379`,
    `not a url user:${SECRET}@`,
  ])("createBackend and createInvalidationBus reject %s without echoing the password", (url) => {
    const logger = recordingLogger();
    for (const build of [
      () => nodeRedisDriver.createBackend({ url, logger }),
      () => nodeRedisDriver.createInvalidationBus({ url, channel: "c", logger }),
    ]) {
      let caught: unknown;
      try {
        build();
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: "E_CONFIG" });
      expect(inspect(caught, { depth: 8 })).not.toContain(SECRET);
    }
    expect(inspect(logger.lines, { depth: 8 })).not.toContain(SECRET);
  });
});
