/**
 * useTerminalInput: reads the terminal itself ('data' events on Ink's stdin, raw mode on a TTY) and hands
 * every chunk to a callback. Ink's useInput is not used: it lost keys that arrived in one read
 * (docs/kexec.md §9), and the key splitter does the splitting instead.
 */
import { useStdin } from "ink";
import { useEffect, useRef } from "react";

/** The parts of a tty.ReadStream the menu uses; test streams implement only these. */
export interface InputStream {
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?: (raw: boolean) => unknown;
  on(event: "data", fn: (chunk: string | Uint8Array) => void): unknown;
  off?(event: "data", fn: (chunk: string | Uint8Array) => void): unknown;
  removeListener(event: "data", fn: (chunk: string | Uint8Array) => void): unknown;
  resume?: () => unknown;
  pause?: () => unknown;
}

export function useTerminalInput(onText: (text: string) => void): void {
  const { stdin } = useStdin();
  const callback = useRef(onText);
  callback.current = onText;

  useEffect(() => {
    const input = stdin as unknown as InputStream;
    const wasRaw = input.isRaw === true;
    // Raw mode: no line buffering or echo, and Ctrl-C reaches the menu as a key instead of a signal.
    if (input.isTTY && input.setRawMode) input.setRawMode(true);
    const decoder = new TextDecoder("utf-8");
    const onData = (chunk: string | Uint8Array) => {
      // The streaming decoder keeps a UTF-8 character that is split across reads together.
      callback.current(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
    };
    input.on("data", onData);
    input.resume?.();
    return () => {
      input.removeListener("data", onData);
      if (input.isTTY && input.setRawMode) input.setRawMode(wasRaw);
      // Paused, stdin no longer keeps the process alive and leaves later bytes to whoever reads next.
      input.pause?.();
    };
  }, [stdin]);
}
