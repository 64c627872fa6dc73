// Preloaded by bunfig.toml for every `bun` run in this repository (the CLI from source, tests, scripts), so
// that code run from source sees the same modules as the compiled binary.
import { inkIgnoresCi } from "./ink-ignores-ci.ts";

Bun.plugin(inkIgnoresCi);
