/** `ukiboot inspect` on a UKI built by systemd 262's ukify, which knows the newest sections. */
import { expect, test } from "bun:test";
import { main } from "../../../src/main.ts";
import { io } from "../../support/command-io.ts";

test("inspect shows the sections of the current UKI specification, .hwids and a repeated .efifw, in canonical order (ukify 262)", async () => {
  const { buildUki } = await import("../support/ukify-fixtures.ts");
  const uki = await buildUki({
    systemd: 262,
    osRelease: 'ID=fw\nPRETTY_NAME="Fw"\n',
    cmdline: "root=/dev/vda2",
    sections: [
      [".efifw", "firmware one"],
      [".hwids", "hwids-json"],
      [".efifw", "firmware two"],
    ],
  });
  const t = io();
  expect(await main(["inspect", uki], t.io)).toBe(0);
  expect(t.out()).toContain("  sections: .linux .osrel .cmdline .uname .sbat .hwids .efifw .efifw\n");
  expect(t.out().match(/^ +\d+ \.efifw /gm)).toHaveLength(2);
}, 60_000);
