/** Type #1 `uki-url` values and `ukiboot.url=` (docs/network.md §1): absolute http(s) URLs, and the relative `:name` form. */
import { describe, expect, test } from "bun:test";
import { replaceLastComponent, resolveUkiUrl } from "../../../src/net/uki-url.ts";

describe("resolveUkiUrl()", () => {
  test.each([
    ["http://boot.example/os/fooos.efi", "http://boot.example/os/fooos.efi"],
    ["https://boot.example:8443/a%20b/x.efi?sig=1", "https://boot.example:8443/a%20b/x.efi?sig=1"],
    ["HTTP://Boot.Example/x.efi", "http://boot.example/x.efi"],
  ])("takes the absolute URL %p", (value, url) => {
    expect(resolveUkiUrl(value, {})).toEqual({ url });
  });

  test("the relative form replaces the last component of the origin URL", () => {
    expect(resolveUkiUrl(":fooos.efi", { origin: "http://10.0.2.2:8080/boot/ukiboot.efi" })).toEqual({ url: "http://10.0.2.2:8080/boot/fooos.efi" });
    // Query and fragment of the origin go, and so do trailing slashes, as in systemd-boot.
    expect(resolveUkiUrl(":b.efi", { origin: "https://h/dir/a.efi?x=1#f" })).toEqual({ url: "https://h/dir/b.efi" });
    expect(resolveUkiUrl(":b.efi", { origin: "https://h/dir/sub/" })).toEqual({ url: "https://h/dir/b.efi" });
  });

  test("refusals say what is wrong with the value", () => {
    expect(resolveUkiUrl(":x.efi", {})).toEqual({
      error: 'the relative URL ":x.efi" needs the URL the boot loader came from, and there is none (no LoaderDeviceURL, no ukiboot.url=)',
    });
    expect(resolveUkiUrl(":x.efi", { origin: "https://h/" })).toEqual({
      error: 'the relative URL ":x.efi" cannot be resolved against "https://h/": it has no path component to replace',
    });
    expect(resolveUkiUrl(":../x.efi", { origin: "https://h/a/b.efi" })).toEqual({ error: 'the relative URL ":../x.efi" must name a file: no "/", "?" or "#"' });
    expect(resolveUkiUrl("ftp://h/x.efi", {})).toEqual({ error: 'the URL "ftp://h/x.efi" is not http or https' });
    expect(resolveUkiUrl("https://user:pw@h/x.efi", {})).toEqual({
      error: 'the URL "https://user:pw@h/x.efi" carries a user name or password, which would be shown in the menu and logs',
    });
    expect(resolveUkiUrl("not a url", {})).toEqual({ error: 'the URL "not a url" is not a valid URL' });
    expect(resolveUkiUrl("https:///x.efi", {})).toEqual({ error: 'the URL "https:///x.efi" has no host' });
  });
});

describe("replaceLastComponent()", () => {
  test.each([
    ["http://h/a/b/c.efi", "d.efi", "http://h/a/b/d.efi"],
    ["http://h/c.efi", "d.efi", "http://h/d.efi"],
    ["http://h/a/b//", "d.efi", "http://h/a/d.efi"],
    ["http://h", "d.efi", undefined],
    ["http://h/", "d.efi", undefined],
  ])("%p with %p → %p", (url, name, expected) => expect(replaceLastComponent(url, name)).toBe(expected));
});
