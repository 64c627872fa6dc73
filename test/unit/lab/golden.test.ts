/** The golden helper never lets a CI run pass by writing the file it checks. */
import { expect, test } from "bun:test";
import { updatingGolden } from "../../support/golden.ts";

test("UPDATE_GOLDEN=1 is refused when CI is set, with the reason", () => {
  expect(() => updatingGolden({ UPDATE_GOLDEN: "1", CI: "true" })).toThrow(
    "Refusing UPDATE_GOLDEN=1 with CI set: golden files are written by a person and reviewed, never by the run that checks them",
  );
});

test("without UPDATE_GOLDEN the golden files are only read, with or without CI", () => {
  expect(updatingGolden({ CI: "true" })).toBe(false);
  expect(updatingGolden({})).toBe(false);
  expect(updatingGolden({ UPDATE_GOLDEN: "1" })).toBe(true);
});
