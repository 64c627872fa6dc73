/**
 * The chooser of src/ports/chooser.ts on a terminal: the Ink menu and the progress view. Ink and React load
 * only when a menu is shown, so list, plan and load start faster without them.
 */
import type { ChooserFactory } from "../src/ports/chooser.ts";

export const terminalChooser: ChooserFactory = async (terminal) => {
  const [{ runMenu }, { showProgress }] = await Promise.all([import("./run-menu.tsx"), import("./run-progress.tsx")]);
  return {
    choose: (request) => runMenu({ ...request, io: terminal }),
    progress: (title) => showProgress({ io: terminal, title }),
  };
};
