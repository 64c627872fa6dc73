/** The part of the untyped npm package cpio-stream (1.4.x) that list-archive.ts uses. */
declare module "cpio-stream" {
  import type { Readable, Writable } from "node:stream";

  export interface CpioHeader {
    name: string;
    ino: number;
    mode: number;
    uid: number;
    gid: number;
    nlink: number;
    mtime: Date;
    size: number;
    devmajor: number;
    devminor: number;
    rdevmajor: number;
    rdevminor: number;
    type: "file" | "directory" | "symlink" | "socket" | "block-device" | "character-device" | "fifo" | false;
    linkname?: string;
  }

  export interface Extract extends Writable {
    on(event: "entry", listener: (header: CpioHeader, stream: Readable, next: (err?: Error) => void) => void): this;
    on(event: "finish" | "close", listener: () => void): this;
    on(event: "error", listener: (err: Error) => void): this;
  }

  export function extract(): Extract;
  const cpio: { extract: typeof extract };
  export default cpio;
}
