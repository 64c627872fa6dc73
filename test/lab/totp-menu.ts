/**
 * The keys a person types to seal the menu's TOTP secret over the serial console (docs/trust.md §8): down to
 * "Seal a TOTP Secret", Enter, Enter to confirm; the notice shows the secret; Enter leaves it once it could be
 * read (a key in its first 500 ms is dropped, and a lone Esc would wait for the rest of an escape sequence).
 */
import type { Vm } from "./qemu.ts";

/** From the menu's list to the list again, with the secret sealed; returns the secret in base32. */
export async function sealTotpAtMenu(vm: Vm): Promise<string> {
  for (let i = 0; i < 8 && !/> +Seal a TOTP Secret/.test(vm.output); i++) {
    vm.type("\x1b[B");
    await Bun.sleep(1500);
  }
  await vm.expect(/> +Seal a TOTP Secret/, 10_000);
  vm.type("\r");
  await vm.expect(/Press Enter to seal a new TOTP secret/, 30_000);
  vm.type("\r");
  const secret = (await vm.expect(/Secret: ([A-Z2-7]{32})/, 60_000))[1]!;
  await Bun.sleep(1500);
  vm.type("\r");
  await Bun.sleep(1500);
  return secret;
}
