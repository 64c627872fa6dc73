import { expect, test } from "bun:test";
import { parseKernelOptions, splitKernelCmdline } from "../../../src/cmdline/kernel-options.ts";

test("splitKernelCmdline() splits at spaces and keeps double-quoted words together", () => {
  expect(splitKernelCmdline('console=ttyS0  foo="a b" ukiboot.dry-run')).toEqual(["console=ttyS0", "foo=a b", "ukiboot.dry-run"]);
  expect(splitKernelCmdline("")).toEqual([]);
});

test("splitKernelCmdline() with keepQuotes leaves each word as written, so the words join back into the same line", () => {
  const line = 'console=ttyS0 foo="a b" "x y" e=""';
  expect(splitKernelCmdline(`${line}  `, { keepQuotes: true })).toEqual(["console=ttyS0", 'foo="a b"', '"x y"', 'e=""']);
  expect(splitKernelCmdline(line, { keepQuotes: true }).join(" ")).toBe(line);
});

test.each([
  ["ukiboot.dry-run", { dryRun: true }],
  ["ukiboot.dry-run=0", { dryRun: false }],
  ["ukiboot.wait=30", { wait: 30 }],
  ["ukiboot.esp=PARTUUID=abc", { esp: "PARTUUID=abc" }],
  ["ukiboot.entry=fedora-*.conf", { entry: "fedora-*.conf" }],
  ["ukiboot.timeout=0", { timeout: "0" }],
  ["ukiboot.debug", { debug: true }],
  ["ukiboot.console=ttyS1", { console: "ttyS1" }],
  ["ukiboot.verify=enforce", { verify: "enforce" }],
] as const)("parseKernelOptions(%p)", (line, expected) => {
  expect(parseKernelOptions(`quiet ${line} splash`)).toMatchObject(expected);
});

test("parseKernelOptions() reports unknown and malformed ukiboot options instead of failing", () => {
  expect(parseKernelOptions("ukiboot.wiat=3 ukiboot.wait=soon").unknown).toEqual(["ukiboot.wiat=3", "ukiboot.wait=soon"]);
});
