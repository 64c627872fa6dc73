/**
 * EFI architecture names and the PE/COFF machine types that belong to them (docs/entries.md §4,
 * docs/entries.md §6 `architecture`). A UKI or add-on is used only when its machine type is exactly the native one.
 */

export type EfiArch = "x64" | "ia32" | "aa64" | "arm" | "riscv64" | "riscv32" | "loongarch64" | "loongarch32";

/** COFF `Machine` values, as in systemd's pe.c. */
export const MACHINE_BY_ARCH: Readonly<Record<EfiArch, number>> = {
  x64: 0x8664,
  ia32: 0x014c,
  aa64: 0xaa64,
  arm: 0x01c2,
  riscv64: 0x5064,
  riscv32: 0x5032,
  loongarch64: 0x6264,
  loongarch32: 0x6232,
};

/** The EFI architecture of a COFF machine type, or undefined for one no EFI loader runs. */
export function efiArchOfMachine(machine: number): EfiArch | undefined {
  for (const [arch, m] of Object.entries(MACHINE_BY_ARCH)) if (m === machine) return arch as EfiArch;
  return undefined;
}

/** Node's `process.arch` name to the EFI name; undefined for architectures ukiboot does not run on. */
export function efiArchOfNodeArch(nodeArch: string): EfiArch | undefined {
  const table: Record<string, EfiArch> = {
    x64: "x64",
    ia32: "ia32",
    arm64: "aa64",
    arm: "arm",
    riscv64: "riscv64",
    loong64: "loongarch64",
  };
  return table[nodeArch];
}

/** Whether `value` names an EFI architecture; Type #1 `architecture` compares case-insensitively. */
export function parseEfiArch(value: string): EfiArch | undefined {
  const v = value.toLowerCase();
  return v in MACHINE_BY_ARCH ? (v as EfiArch) : undefined;
}
