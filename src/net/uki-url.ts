/**
 * Where a network entry's UKI is (docs/network.md §1): a Type #1 `uki-url` value or `ukiboot.url=`, either an
 * absolute http or https URL or, in systemd-boot's relative form `:name`, a file next to the URL the boot
 * loader itself came from (LoaderDeviceURL, or ukiboot.url=).
 */

export type UrlResolution = { url: string } | { error: string };

/**
 * `url` with its last path component replaced by `name`: query and fragment dropped, trailing slashes
 * ignored, as systemd-boot's url_replace_last_component() does (without its doubled "/"). undefined when the
 * path has no component to replace.
 * @example replaceLastComponent("http://h/boot/a.efi?x", "b.efi") // "http://h/boot/b.efi"
 */
export function replaceLastComponent(url: string, name: string): string | undefined {
  const u = new URL(url);
  const path = u.pathname.replace(/\/+$/, "");
  const cut = path.lastIndexOf("/");
  if (path === "" || cut < 0) return undefined;
  return `${u.protocol}//${u.host}${path.slice(0, cut + 1)}${name}`;
}

/** An absolute http(s) URL in canonical form, or why it cannot be used. */
function checkAbsolute(value: string): UrlResolution {
  if (/^https?:\/\/\/?(\/|$)/i.test(value)) return { error: `the URL "${value}" has no host` };
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return { error: `the URL "${value}" is not a valid URL` };
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return { error: `the URL "${value}" is not http or https` };
  if (u.hostname === "") return { error: `the URL "${value}" has no host` };
  // Kept out of URLs on purpose: the URL is shown in the menu, in logs and in the measured command line.
  if (u.username !== "" || u.password !== "") return { error: `the URL "${value}" carries a user name or password, which would be shown in the menu and logs` };
  return { url: u.href };
}

/**
 * The URL an entry's value names. `origin` is the URL the boot loader came from, needed by the relative form.
 * @example resolveUkiUrl(":os.efi", { origin: "http://10.0.2.2/boot/ukiboot.efi" }) // { url: "http://10.0.2.2/boot/os.efi" }
 */
export function resolveUkiUrl(value: string, opts: { origin?: string }): UrlResolution {
  if (!value.startsWith(":")) return checkAbsolute(value);
  const name = value.slice(1);
  if (name === "" || /[/?#\\]/.test(name) || name === "." || name === "..")
    return { error: `the relative URL "${value}" must name a file: no "/", "?" or "#"` };
  if (opts.origin === undefined)
    return { error: `the relative URL "${value}" needs the URL the boot loader came from, and there is none (no LoaderDeviceURL, no ukiboot.url=)` };
  const origin = checkAbsolute(opts.origin);
  if ("error" in origin) return { error: `the relative URL "${value}" cannot be resolved: ${origin.error}` };
  const url = replaceLastComponent(origin.url, encodeURIComponent(name));
  if (url === undefined) return { error: `the relative URL "${value}" cannot be resolved against "${opts.origin}": it has no path component to replace` };
  return checkAbsolute(url);
}
