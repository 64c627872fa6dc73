/**
 * Offsets, sizes and magic numbers of the PE/COFF headers that ukiboot reads (PE format, Microsoft
 * "PE Format" documentation; docs/entries.md §4). Only constants live here; pe.ts does the reading.
 *
 * | where                        | field                  | size |
 * |------------------------------|------------------------|------|
 * | 0x00                         | DOS magic "MZ"         | 2    |
 * | 0x3c                         | e_lfanew               | 4    |
 * | e_lfanew                     | "PE\0\0"               | 4    |
 * | e_lfanew + 4   (COFF + 0)    | Machine                | 2    |
 * | e_lfanew + 6   (COFF + 2)    | NumberOfSections       | 2    |
 * | e_lfanew + 20  (COFF + 16)   | SizeOfOptionalHeader   | 2    |
 * | e_lfanew + 24  (OPT + 0)     | Magic 0x10b / 0x20b    | 2    |
 * | OPT + 60                     | SizeOfHeaders          | 4    |
 * | OPT + 64                     | CheckSum               | 4    |
 * | OPT + 68                     | Subsystem              | 2    |
 * | OPT + 92 / + 108 (PE32/PE32+)| NumberOfRvaAndSizes    | 4    |
 * | OPT + 96 / + 112             | data directories, 8 B each (RVA, Size) |
 * | e_lfanew + 24 + SizeOfOptionalHeader | section table, 40 B per entry |
 *
 * A section table entry: Name[8] @0, VirtualSize @8, VirtualAddress @12, SizeOfRawData @16,
 * PointerToRawData @20, ..., Characteristics @36.
 */

export const DOS_MAGIC = 0x5a4d; // "MZ", read little-endian
export const DOS_HEADER_SIZE = 64;
export const DOS_E_LFANEW = 0x3c;

export const PE_SIGNATURE = 0x00004550; // "PE\0\0", read little-endian
export const COFF_HEADER_OFFSET = 4; // after the signature
export const COFF_MACHINE = 0;
export const COFF_NUMBER_OF_SECTIONS = 2;
export const COFF_SIZE_OF_OPTIONAL_HEADER = 16;
export const COFF_HEADER_SIZE = 20;
/** Signature (4) + COFF header (20): where the optional header starts, relative to e_lfanew. */
export const OPTIONAL_HEADER_OFFSET = 24;

export const OPTIONAL_MAGIC_PE32 = 0x10b;
export const OPTIONAL_MAGIC_PE32_PLUS = 0x20b;
export const OPT_SIZE_OF_HEADERS = 60;
export const OPT_CHECKSUM = 64;
export const OPT_SUBSYSTEM = 68;
export const OPT_NUMBER_OF_RVA_AND_SIZES = { [OPTIONAL_MAGIC_PE32]: 92, [OPTIONAL_MAGIC_PE32_PLUS]: 108 } as const;
export const OPT_DATA_DIRECTORIES = { [OPTIONAL_MAGIC_PE32]: 96, [OPTIONAL_MAGIC_PE32_PLUS]: 112 } as const;
export const DATA_DIRECTORY_SIZE = 8;
/** Index of the certificate table (Attribute Certificate Table) among the data directories. */
export const DATA_DIRECTORY_SECURITY = 4;

export const SECTION_HEADER_SIZE = 40;
export const SECTION_NAME_SIZE = 8;
export const SECTION_VIRTUAL_SIZE = 8;
export const SECTION_VIRTUAL_ADDRESS = 12;
export const SECTION_SIZE_OF_RAW_DATA = 16;
export const SECTION_POINTER_TO_RAW_DATA = 20;

/** systemd's pe.c refuses section tables larger than this (SECTION_TABLE_BYTES_MAX). */
export const SECTION_TABLE_BYTES_MAX = 16 * 1024 * 1024;

/** EFI application subsystem; bootctl requires it, systemd-boot (and ukiboot) do not (docs/entries.md §4). */
export const IMAGE_SUBSYSTEM_EFI_APPLICATION = 10;
