import { describe, expect, test } from "bun:test";
import { COMPANION_RULES, selectCompanionFiles } from "../../../src/initrd/companion-files.ts";
import { kdumpAddonDirs } from "../../../src/kdump/kdump-addons.ts";

describe("the kdump add-on naming rule (docs/kdump.md §5)", () => {
  test("kdump add-ons live in a kdump directory beside the stub's add-ons, the boot counter removed", () => {
    expect(kdumpAddonDirs("\\EFI\\Linux\\x+2-1.efi")).toEqual(["\\loader\\addons\\kdump", "\\EFI\\Linux\\x.efi.extra.d\\kdump"]);
    expect(kdumpAddonDirs("\\EFI\\Linux\\x.efi")).toEqual(["\\loader\\addons\\kdump", "\\EFI\\Linux\\x.efi.extra.d\\kdump"]);
    // As the stub reads it, only the first "+" may start a counter: a version with "+" keeps its counter in the name.
    expect(kdumpAddonDirs("\\EFI\\Linux\\debian-6.12.57+deb13-amd64+2-1.efi")[1]).toBe("\\EFI\\Linux\\debian-6.12.57+deb13-amd64+2-1.efi.extra.d\\kdump");
  });

  test("the stub's scan of .extra.d takes files only, so the kdump directory is never an add-on of a normal boot", () => {
    const listing = [
      { name: "kdump", kind: "dir" as const },
      { name: "console.addon.efi", kind: "file" as const },
      { name: "kdump.addon.efi", kind: "dir" as const },
    ];
    expect(selectCompanionFiles(listing, COMPANION_RULES.addons)).toEqual(["console.addon.efi"]);
    expect(selectCompanionFiles(listing, COMPANION_RULES.sysext)).toEqual([]);
  });
});
