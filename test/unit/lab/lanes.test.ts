import { describe, expect, test } from "bun:test";
import { bunTestCounts, bunTestFailures, parseFileTimes, planLanes } from "../../support/lanes.ts";

describe("planLanes()", () => {
  test("without recorded times, files take turns in file order", () => {
    const lanes = planLanes(["a", "b", "c", "d", "e"], null);
    expect(lanes.map((l) => l.files)).toEqual([
      ["a", "c", "e"],
      ["b", "d"],
    ]);
  });

  test("with times, the longest file first, each to the lane with the least time so far", () => {
    const lanes = planLanes(["k", "s1", "s2", "m", "l"], { k: 600, l: 400, m: 300, s1: 100, s2: 100 });
    expect(lanes.map((l) => l.files)).toEqual([
      ["k", "s1", "s2"],
      ["l", "m"],
    ]);
    expect(lanes.map((l) => l.expectedSeconds)).toEqual([800, 700]);
  });

  test("a file with no record weighs as the average recorded file, and is placed", () => {
    const lanes = planLanes(["a", "b", "new"], { a: 100, b: 300 });
    expect(lanes.flatMap((l) => l.files).sort()).toEqual(["a", "b", "new"]);
    // new weighs 200: b (300) in one lane, new (200) then a (100) in the other.
    expect(lanes.map((l) => l.files)).toEqual([["b"], ["new", "a"]]);
  });

  test("every file is in exactly one lane", () => {
    const files = Array.from({ length: 19 }, (_, i) => `f${i}`);
    const times = Object.fromEntries(files.map((f, i) => [f, (i * 37) % 11]));
    const all = planLanes(files, times).flatMap((l) => l.files);
    expect(all.sort()).toEqual([...files].sort());
  });
});

describe("parseFileTimes()", () => {
  test("reads a map of seconds and drops what is not a time", () => {
    expect(parseFileTimes('{"a": 12.5, "b": "x", "c": -1}')).toEqual({ a: 12.5 });
  });
  test("no file, or not JSON, or not a map: null, so file order is used", () => {
    expect(parseFileTimes(null)).toBeNull();
    expect(parseFileTimes("{")).toBeNull();
    expect(parseFileTimes("[1]")).toBeNull();
  });
});

describe("bunTestCounts()", () => {
  test("reads bun test's closing counts", () => {
    expect(bunTestCounts(" 3 pass\n 1 skip\n 2 fail\n 9 expect() calls\n")).toEqual({ passed: 3, failed: 2, skipped: 1, complete: true });
  });
  test("a run that crashed before its counts is not complete", () => {
    expect(bunTestCounts("error: Cannot find module\n")).toEqual({ passed: 0, failed: 0, skipped: 0, complete: false });
  });
});

describe("bunTestFailures()", () => {
  test("each (fail) line with the first error printed before it, not an error of a test that passed", () => {
    const out = [
      "test/e2e/x.e2e.test.ts:",
      "error: a passing test's logged error",
      "(pass) a > first [1.00ms]",
      "error: expect(received).toBe(expected)",
      "Expected: 1",
      "Error: a second error line",
      "      at <anonymous> (x.ts:3:5)",
      "(fail) a > second [2.00ms]",
      "(fail) a > third [3.00ms]",
      " 1 pass",
      " 2 fail",
    ].join("\n");
    expect(bunTestFailures(out)).toEqual(["(fail) a > second [2.00ms]: error: expect(received).toBe(expected)", "(fail) a > third [3.00ms]"]);
  });
  test("a crash before the counts names its error", () => {
    expect(bunTestFailures("error: Cannot find module 'x'\n")).toEqual(["error: Cannot find module 'x'"]);
  });
  test("a run that passed lists nothing", () => {
    expect(bunTestFailures("(pass) a [1ms]\n 1 pass\n 0 fail\n")).toEqual([]);
  });
});
