import { expect, test } from "bun:test";
import { lineProgress } from "../../ui/line-progress.ts";

test("the plain progress view says what it loads once, in one line, and erases nothing", async () => {
  const written: string[] = [];
  const view = lineProgress({ write: (s: string) => (written.push(s), true) }, "Loading Target OS plain-1.0");
  view.update({ label: "kernel", done: 1, total: 10 });
  view.update({ label: "initrd", done: 5, total: 10 });
  await view.close();
  expect(written).toEqual(["Loading Target OS plain-1.0\n"]);
});
