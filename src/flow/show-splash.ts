/**
 * The chosen UKI's `.splash` on the screen just before its kernel starts, as systemd-stub shows it while it
 * boots (docs/splash.md §3): decoded and placed by the stub's rules, drawn on the framebuffer over the
 * stub's background. Nothing is drawn on a machine without a framebuffer; a splash that cannot be drawn is
 * one warning, and the boot goes on.
 */
import { formatError } from "../errors.ts";
import type { LoadPlan } from "../plan/load-plan.ts";
import type { Sys } from "../ports/sys.ts";
import { decodeBmp, type Rgb } from "../splash/bmp.ts";
import { placeSplash, splashFrame } from "../splash/splash-frame.ts";

/** The stub's background: black (it uses grey only on Apple's firmware, which a kexec has no part in). */
export const SPLASH_BACKGROUND: Rgb = { red: 0, green: 0, blue: 0 };

/** Draws the plan's splash; whether it is on the screen now (so the console's text must come back should the start fail). */
export function showSplash(sys: Sys, plan: LoadPlan): boolean {
  if (!plan.splash) return false;
  try {
    const fb = sys.screen.framebuffer();
    if (!fb) {
      sys.log.debug(`not drawing the splash of ${plan.label}: there is no framebuffer (no screen)`);
      return false;
    }
    const image = decodeBmp(plan.splash, plan.label, SPLASH_BACKGROUND);
    const placement = placeSplash(fb, image);
    if ("refused" in placement) {
      sys.log.warn(`not drawing the splash of ${plan.label}: ${placement.refused}`);
      return false;
    }
    sys.screen.showFrame(splashFrame(fb, image, placement, SPLASH_BACKGROUND));
    sys.log.debug(`drew the ${image.width}×${image.height} splash of ${plan.label} at ${placement.x},${placement.y} on the ${fb.width}×${fb.height} screen`);
    return true;
  } catch (e) {
    sys.log.warn(`not drawing the splash: ${formatError(e)}`);
    return false;
  }
}
