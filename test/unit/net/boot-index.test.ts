/** The network index (docs/network.md §2): the JSON of `ukiboot list --json` for an ESP served over HTTP. */
import { describe, expect, test } from "bun:test";
import { parseBootIndex } from "../../../src/net/boot-index.ts";

const INDEX = "http://10.0.2.2:8080/esp/index.json";

describe("parseBootIndex()", () => {
  test("takes the UKI entries, with URLs against the index's directory, extras beside them", () => {
    const text = JSON.stringify([
      {
        type: "type2",
        source: "esp",
        id: "fooos-1.2.efi",
        title: "Foo OS",
        showTitle: "Foo OS (1.2)",
        version: "1.2",
        sortKey: "fooos",
        linux: "/EFI/Linux/fooos-1.2.efi",
        profile: 0,
        extras: ["/loader/addons/console.addon.efi", "fooos-1.2.efi.extra.d/site.cred"],
      },
      { type: "type2", id: "fooos-1.2.efi@rescue", title: "Foo OS (rescue)", showTitle: "Foo OS (rescue)", linux: "/EFI/Linux/fooos-1.2.efi", profile: 1 },
      { type: "type1", id: "link-commit_1.2.conf", title: "Linked", uki: "/link/fooos.efi", extras: ["/link/a.sysext.raw"] },
    ]);
    const { entries, problems } = parseBootIndex(text, { url: INDEX });
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      {
        id: "fooos-1.2.efi",
        title: "Foo OS (1.2)",
        version: "1.2",
        sortKey: "fooos",
        profile: 0,
        url: "http://10.0.2.2:8080/esp/EFI/Linux/fooos-1.2.efi",
        extras: ["http://10.0.2.2:8080/esp/loader/addons/console.addon.efi", "http://10.0.2.2:8080/esp/EFI/Linux/fooos-1.2.efi.extra.d/site.cred"],
      },
      { id: "fooos-1.2.efi@rescue", title: "Foo OS (rescue)", profile: 1, url: "http://10.0.2.2:8080/esp/EFI/Linux/fooos-1.2.efi", extras: [] },
      { id: "link-commit_1.2.conf", title: "Linked", url: "http://10.0.2.2:8080/esp/link/fooos.efi", extras: ["http://10.0.2.2:8080/esp/link/a.sysext.raw"] },
    ]);
  });

  test("junk is refused as a whole when it is not a JSON array, naming the URL", () => {
    expect(() => parseBootIndex("<html>404</html>", { url: INDEX })).toThrow(`Cannot read the boot index "${INDEX}": it is not JSON (`);
    expect(() => parseBootIndex('{"id": "x"}', { url: INDEX })).toThrow(
      `Cannot read the boot index "${INDEX}": it is not a JSON array of entries, as ukiboot list --json prints`,
    );
  });

  test("a bad element is one problem naming its position; the rest is used", () => {
    const text = JSON.stringify([
      7,
      { type: "type2", linux: "/EFI/Linux/a.efi" },
      { type: "type1", id: "plain.conf", linux: "/vmlinuz", initrd: ["/initrd"] },
      { type: "type2", id: "up.efi", linux: "/../../etc/passwd" },
      { type: "type2", id: "ok.efi", linux: "/EFI/Linux/ok.efi", extras: ["x", 3] },
    ]);
    const { entries, problems } = parseBootIndex(text, { url: INDEX });
    expect(entries.map((e) => e.id)).toEqual(["ok.efi"]);
    expect(problems).toEqual([
      `${INDEX} [0]: Ignoring it: an entry must be a JSON object`,
      `${INDEX} [1]: Ignoring it: it has no "id"`,
      `${INDEX} [2]: Ignoring "plain.conf": it boots a kernel with separate initrds, and only UKIs are booted over the network`,
      `${INDEX} [3]: Ignoring "up.efi": the path "/../../etc/passwd" leaves the served tree (it has a ".." component)`,
      `${INDEX} [4]: Ignoring the extra 3 of "ok.efi": it is not a path`,
    ]);
    expect(entries[0]!.extras).toEqual(["http://10.0.2.2:8080/esp/EFI/Linux/x"]);
  });
});
