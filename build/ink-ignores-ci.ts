/**
 * Ink asks the package is-in-ci whether it runs under CI, once, when it is first imported; when `CI` or
 * `CONTINUOUS_INTEGRATION` is set it stops drawing frames and prints only the last one at unmount. A boot
 * menu must draw whatever the environment says: the kernel hands unknown `key=value` words of its command
 * line to PID 1 as environment variables, so `CI=1` there would hide the menu, and a CI job running the
 * menu tests sets `CI` too. This plugin makes is-in-ci answer false wherever it is loaded. compile.ts
 * bundles it into dist/ukiboot; preload.ts registers it for `bun run ukiboot` and `bun test`.
 */
import type { BunPlugin } from "bun";

export const inkIgnoresCi: BunPlugin = {
  name: "ink-ignores-ci",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]is-in-ci[\\/]index\.js$/ }, () => ({
      contents: "export default false;",
      loader: "js",
    }));
  },
};
