/**
 * The second thread of a sealed copy (digest-thread.ts): it takes the Authenticode digest of the buffers the
 * copy has written, in order, and hands each buffer back. It runs only the pure stream of
 * src/trust/authenticode-stream.ts; it never reads or writes a file.
 */
import type { DigestAlgorithm } from "../bytes/digest.ts";
import { AuthenticodeStream } from "../trust/authenticode-stream.ts";

/** What the copying thread sends. */
export type DigestRequest =
  | { kind: "start"; size: number; algorithms: readonly DigestAlgorithm[]; source: string }
  | { kind: "chunk"; buffer: ArrayBuffer; length: number }
  | { kind: "end" };

declare const self: Worker;

let stream: AuthenticodeStream | undefined;

self.onmessage = (event: MessageEvent<DigestRequest>) => {
  const m = event.data;
  switch (m.kind) {
    case "start":
      stream = new AuthenticodeStream(m.size, m.algorithms, { source: m.source });
      break;
    case "chunk":
      if (!stream) throw new Error("Internal error: a chunk for the digest thread before its start");
      stream.update(new Uint8Array(m.buffer, 0, m.length));
      // Back to the copying thread, which may only now fill it again.
      self.postMessage({ kind: "free", buffer: m.buffer }, [m.buffer]);
      break;
    case "end":
      self.postMessage({ kind: "result", result: stream?.result() });
      stream = undefined;
      break;
  }
};
