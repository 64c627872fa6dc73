// Golden text frames of each screen at 80x24. Review a changed file by eye before committing it;
// UPDATE_GOLDEN=1 rewrites them (test/support/golden.ts).
import { afterEach, expect, test } from "bun:test";
import { expectGoldenFile } from "../support/golden.ts";
import { join } from "node:path";
import { render, cleanup } from "ink-testing-library";
import { Progress } from "../../ui/components/Progress.tsx";
import { renderMenu } from "./ink-harness.tsx";
import { ASCII_THEME, KEY, stripAnsi, UNICODE_THEME } from "./menu-fixtures.ts";

const DIR = join(import.meta.dir, "golden");
afterEach(() => cleanup());

function expectGolden(name: string, frame: string): void {
  const file = join(DIR, `${name}.txt`);
  for (const l of frame.split("\n")) expect(l.length).toBeLessThanOrEqual(79);
  // Trailing spaces are not part of what a person sees; "|" marks the right edge of column 80.
  const text = `${frame
    .split("\n")
    .map((l) => `${l.padEnd(79)}|`)
    .join("\n")}\n`;
  expectGoldenFile(file, text);
}

const PROBLEMS = [
  { file: "\\EFI\\Linux\\broken.efi", message: 'Cannot parse PE image "broken.efi": section ".linux" ends at 0x1f4000, past end of file at 0x1e0000' },
  { file: "\\loader\\entries\\old.conf", line: 3, message: 'Cannot use entry "old.conf": linux "\\vmlinuz-5.10" does not exist' },
];

test("list, ASCII", async () => {
  const h = await renderMenu({ problems: PROBLEMS });
  expectGolden("list-ascii", h.frame());
});

test("list, Unicode, after j and d", async () => {
  const h = await renderMenu({ theme: UNICODE_THEME });
  await h.type("jd");
  expectGolden("list-unicode-default-changed", h.frame());
});

test("details", async () => {
  const h = await renderMenu();
  await h.type("p");
  expectGolden("details", h.frame());
});

test("editor", async () => {
  const h = await renderMenu();
  await h.type(`e${KEY.left}${KEY.left}${KEY.left}${KEY.left}${KEY.left}`);
  expectGolden("editor", h.frame());
});

test("help", async () => {
  const h = await renderMenu();
  await h.type("h");
  expectGolden("help", h.frame());
});

test("problems", async () => {
  const h = await renderMenu({ problems: PROBLEMS });
  await h.type("w");
  expectGolden("problems", h.frame());
});

test("error", async () => {
  const h = await renderMenu({
    error: {
      message:
        'Cannot load kernel "/efi/EFI/Linux/debian.efi": kexec_file_load(kernel=7, initrd=8, flags=0x0) failed with EKEYREJECTED (Key was rejected by service)',
      hint: "The kernel is not signed by a key in the kernel's keyring; choose another entry or turn off Secure Boot",
    },
  });
  expectGolden("error", h.frame());
});

test("progress", () => {
  const r = render(
    <Progress
      title='Loading "Debian GNU/Linux 13 (trixie)"'
      update={{ label: "Writing the merged initrd", done: 30_000_000, total: 42_991_616 }}
      theme={ASCII_THEME}
      width={79}
    />,
  );
  expectGolden("progress", stripAnsi(r.lastFrame() ?? ""));
});
