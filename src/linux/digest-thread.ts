/**
 * A sealed copy hashed on a second thread (docs/trust.md §4, docs/boot-time.md §8): this thread reads the file
 * into a buffer and writes it into the copy, then hands the buffer itself to the other thread
 * (authenticode-worker.ts), which hashes it and hands it back. Handing it over detaches it here, so the bytes
 * hashed are the bytes written, and reading and writing the next buffer overlaps hashing this one.
 *
 * The digest is only ever a shortcut: when the thread cannot start or fails, the copy goes on here, the
 * result is undefined, and the verifier reads and hashes the ranges of the copy itself.
 */
import type { DigestAlgorithm } from "../bytes/digest.ts";
import type { StreamedDigest } from "../trust/authenticode-stream.ts";
import type { DigestRequest } from "./authenticode-worker.ts";
import { readFully, writeAll } from "./memfd.ts";

/** Buffers in flight: enough that neither thread waits for the other on a two-CPU machine. */
const BUFFERS = 4;
const BUFFER_SIZE = 1 << 20;
/** Hashing 4 MiB takes milliseconds; a thread silent for this long has stopped. */
const STALL_MS = 10_000;
/** How often a copy without the thread yields to the event loop (as copyObserved does). */
const YIELD_BYTES = 8 << 20;

/**
 * Where the worker's code is: beside this file when run from source; in a compiled binary Bun keeps each entry
 * point by its path under src/ (build/compile.ts lists this one).
 */
function workerUrl(): string {
  return import.meta.url.includes("$bunfs") ? "./linux/authenticode-worker.ts" : new URL("./authenticode-worker.ts", import.meta.url).href;
}

type Reply = { kind: "free"; buffer: ArrayBuffer } | { kind: "result"; result: StreamedDigest | undefined };

export class DigestThread {
  private worker: Worker | undefined;
  private failure: string | undefined;
  /** Whether a copy is waiting on the thread: one at a time, as SnapshotTable.take copies files in turn. */
  private copying = false;
  private onReply: ((r: Reply) => void) | undefined;
  private onFailure: (() => void) | undefined;

  /**
   * `stallMs`: how long the copy waits for the thread to hand a buffer back before it gives the thread up, so
   * that a thread that stopped answering can never hold up a boot.
   */
  constructor(
    private readonly url: string = workerUrl(),
    private readonly stallMs = STALL_MS,
  ) {}

  /** Why the thread is not used any more, once it failed. */
  get failed(): string | undefined {
    return this.failure;
  }

  /**
   * Copies the first `length` bytes of `inFd` to the start of `outFd`, hashed on the thread as the Authenticode
   * image `source`. Resolves with the digest once every byte is written and hashed, or undefined when the
   * thread failed or the layout allows no one-pass digest.
   * @throws Error when reading or writing the files fails
   */
  async copy(
    inFd: number,
    length: number,
    outFd: number,
    spec: { algorithms: readonly DigestAlgorithm[]; source: string },
  ): Promise<StreamedDigest | undefined> {
    if (this.copying) throw new Error("Internal error: two copies at once on the digest thread");
    const worker = this.start();
    // While a copy waits for the thread, the thread must keep the process alive: with nothing else to wait for,
    // the event loop would end and ukiboot would exit in the middle of the copy.
    worker?.ref();
    this.copying = true;
    try {
      return await this.copyThrough(inFd, length, outFd, spec);
    } finally {
      this.copying = false;
      this.worker?.unref();
    }
  }

  private async copyThrough(
    inFd: number,
    length: number,
    outFd: number,
    spec: { algorithms: readonly DigestAlgorithm[]; source: string },
  ): Promise<StreamedDigest | undefined> {
    const pool: ArrayBuffer[] = Array.from({ length: BUFFERS }, () => new ArrayBuffer(Math.min(BUFFER_SIZE, Math.max(1, length))));
    const waiting: ((buffer: ArrayBuffer | undefined) => void)[] = [];
    let result: ((r: StreamedDigest | undefined) => void) | undefined;
    const digest = new Promise<StreamedDigest | undefined>((resolve) => (result = resolve));
    this.onReply = (r) => {
      if (r.kind === "result") result?.(r.result);
      else if (waiting.length > 0) waiting.shift()?.(r.buffer);
      else pool.push(r.buffer);
    };
    // A failed thread hands nothing back: the copy goes on with a buffer of its own.
    this.onFailure = () => {
      for (const w of waiting.splice(0)) w(undefined);
      result?.(undefined);
    };
    this.post({ kind: "start", size: length, algorithms: spec.algorithms, source: spec.source });
    let own: ArrayBuffer | undefined;
    for (let done = 0; done < length; ) {
      let buffer = pool.pop();
      if (!buffer && !this.failure) {
        const stall = setTimeout(() => this.fail(`it handed no buffer back for ${this.stallMs / 1000} s`), this.stallMs);
        buffer = await new Promise<ArrayBuffer | undefined>((resolve) => waiting.push(resolve));
        clearTimeout(stall);
      }
      // Once the thread failed, one buffer of this thread's own does for the rest.
      buffer ??= own ??= new ArrayBuffer(Math.min(BUFFER_SIZE, length));
      const chunk = new Uint8Array(buffer, 0, Math.min(buffer.byteLength, length - done));
      readFully(inFd, chunk, done, length);
      writeAll(outFd, chunk);
      done += chunk.byteLength;
      if (!this.failure) this.post({ kind: "chunk", buffer, length: chunk.byteLength }, [buffer]);
      // Without the thread nothing waits: a turn of the event loop now and then, so a progress view can redraw.
      else if (done % YIELD_BYTES === 0) await new Promise<void>((r) => setImmediate(r));
    }
    if (this.failure) return undefined;
    this.post({ kind: "end" });
    const stall = setTimeout(() => this.fail(`it gave no digest for ${this.stallMs / 1000} s`), this.stallMs);
    try {
      return await digest;
    } finally {
      clearTimeout(stall);
    }
  }

  /** Ends the thread; a later copy starts another. A copy waiting on it goes on without it. */
  stop(): void {
    if (this.copying) {
      this.fail("it was stopped during a copy");
      return;
    }
    const worker = this.worker;
    this.worker = undefined;
    worker?.terminate();
  }

  private start(): Worker | undefined {
    if (this.failure) return undefined;
    if (this.worker) return this.worker;
    try {
      const worker = new Worker(this.url);
      // Between copies the thread never keeps ukiboot from exiting.
      worker.unref();
      worker.onmessage = (e: MessageEvent<Reply>) => this.onReply?.(e.data);
      worker.onerror = (e: ErrorEvent) => this.fail(e.message || "it stopped with an error");
      worker.onmessageerror = () => this.fail("a message to it could not be read");
      // A thread that ended by itself hands nothing back; one this class ended is no longer this.worker.
      worker.addEventListener("close", () => {
        if (this.worker === worker) this.fail("it ended");
      });
      this.worker = worker;
      return worker;
    } catch (e) {
      this.fail(String(e));
      return undefined;
    }
  }

  private post(m: DigestRequest, transfer: ArrayBuffer[] = []): void {
    try {
      this.worker?.postMessage(m, transfer);
    } catch (e) {
      this.fail(String(e));
    }
  }

  private fail(why: string): void {
    this.failure ??= why;
    const worker = this.worker;
    this.worker = undefined;
    worker?.terminate();
    this.onFailure?.();
  }
}
