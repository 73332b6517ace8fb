// Every public package is ready for npm as far as its package.json and files go.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { metadataProblems } from "./package-metadata.mjs";
import { publicPackages } from "./workspace.mjs";

describe("package metadata", () => {
  for (const pkg of publicPackages()) {
    it(`${pkg.name} has its license, repository, homepage, bugs, keywords and files`, () => {
      assert.deepEqual(metadataProblems(pkg), []);
    });
  }
});
