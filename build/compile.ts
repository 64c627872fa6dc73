/**
 * `dist/ukiboot`: one executable with `bun build --compile`, embedding the runtime of the target architecture
 * from its npm package (build/runtimes.ts): x64's baseline build (no AVX2 needed), or arm64's. A build never
 * lets Bun download a runtime.
 */
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { BunPlugin } from "bun";
import { REPO_ROOT } from "./debian.ts";
import { inkIgnoresCi } from "./ink-ignores-ci.ts";
import { RUNTIMES, runtimeExecutable } from "./runtimes.ts";

/** The architecture this machine builds for unless told otherwise. */
export function hostArch(): "x64" | "arm64" {
  return process.arch === "arm64" ? "arm64" : "x64";
}

/**
 * Ink imports react-devtools-core only in development, but the bundler still follows the import and the
 * compiled binary then fails at start; resolving it to an empty module is what works (docs/kexec.md §9).
 */
const noDevtools: BunPlugin = {
  name: "no-react-devtools",
  setup(build) {
    build.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: "react-devtools-core", namespace: "ukiboot-empty" }));
    build.onLoad({ filter: /.*/, namespace: "ukiboot-empty" }, () => ({
      contents: "export default { initialize() {}, connectToDevTools() {} };",
      loader: "js",
    }));
  },
};

export interface CompileOptions {
  arch?: string;
  outfile?: string;
  /** Build-time definitions (build/build.ts buildDefines: embedded trust anchors, the rescue-shell switch). */
  define?: Record<string, string>;
}

export async function compileUkiboot(opts: CompileOptions = {}): Promise<string> {
  const arch = opts.arch ?? hostArch();
  if (arch !== "x64" && arch !== "arm64") throw new Error(`Cannot compile for "${arch}": supported architectures are ${Object.keys(RUNTIMES).join(", ")}`);
  const rt = RUNTIMES[arch];
  const executablePath = await runtimeExecutable(arch);
  const outfile = opts.outfile ?? join(REPO_ROOT, "dist", "ukiboot");
  mkdirSync(join(outfile, ".."), { recursive: true });
  const result = await Bun.build({
    // The second thread that hashes a sealed copy (src/linux/digest-thread.ts) is an entry point of its own:
    // Bun keeps it in the binary as linux/authenticode-worker.js, by its path under src/.
    entrypoints: [join(REPO_ROOT, "src", "main.ts"), join(REPO_ROOT, "src", "linux", "authenticode-worker.ts")],
    compile: {
      target: rt.target as never,
      executablePath,
      outfile,
      // The binary runs as PID 1's child in an initramfs: it must not pick up config files from the working directory.
      autoloadBunfig: false,
      autoloadDotenv: false,
      autoloadTsconfig: false,
      autoloadPackageJson: false,
    },
    minify: true,
    // Precompiled bytecode: parsing the 1.3 MB bundle was most of every command's start-up (47 ms for
    // --version, 16 ms with bytecode). Ink and yoga-layout use top-level await, so the bundle must be ESM,
    // which Bun compiles to bytecode only with compile: true.
    bytecode: true,
    format: "esm",
    sourcemap: "none",
    define: { "process.env.DEV": '"false"', "process.env.NODE_ENV": '"production"', ...opts.define },
    plugins: [noDevtools, inkIgnoresCi],
  });
  if (!result.success) {
    throw new Error(`Cannot compile ukiboot: ${result.logs.map((l) => String(l)).join("\n")}`);
  }
  return outfile;
}

if (import.meta.main) {
  const out = await compileUkiboot();
  console.log(`${out}: ${statSync(out).size} bytes`);
}
