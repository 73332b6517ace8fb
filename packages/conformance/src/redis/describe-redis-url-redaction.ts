/**
 * A URL's password never reaches an error message, a cause or a log line: a driver given a URL
 * it cannot use rejects it with `E_CONFIG` without echoing the credentials. No server needed.
 */
import { inspect } from "node:util";
import type { RedisDriver } from "@apikey/core";
import { describe, expect, it } from "vitest";
import { recordingLogger } from "./recording-logger.js";

const SECRET = "hunter2";

/** Register the URL-redaction checks of `driver`. */
export function describeRedisUrlRedaction(name: string, driver: RedisDriver): void {
  describe(`${name}: URL credentials in errors`, () => {
    it.each([
      `https://user:${SECRET}@example.invalid:6379`,
      `redis//user:${SECRET}@127.0.0.1:6379`,
      `not a url user:${SECRET}@`,
    ])("createBackend and createInvalidationBus reject %s without echoing the password", (url) => {
      const logger = recordingLogger();
      for (const build of [
        () => driver.createBackend({ url, logger }),
        () => driver.createInvalidationBus({ url, channel: "c", logger }),
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
}
