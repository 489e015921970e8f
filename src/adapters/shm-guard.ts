/**
 * Spawns a program under the MIT-SHM guard (core/x11/shm-guard.ts), from a worker thread that
 * installed the seccomp filter on itself (adapters/shm-guard-worker.ts): the child inherits the
 * filter; the supervisor's own threads, and every other program it starts, do not. What comes
 * back looks like the part of Bun's Subprocess that adapters/xephyr.ts uses.
 */

/** The part of a spawned process adapters/xephyr.ts uses; Bun's Subprocess has it too. */
export interface SpawnedProcess {
  readonly pid: number;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly exited: Promise<number>;
  readonly exitCode: number | null;
  readonly signalCode: string | number | null;
  kill(signal?: NodeJS.Signals): void;
}

type WorkerMessage =
  | { type: "spawned"; pid: number; refused?: string }
  | { type: "stdout" | "stderr"; chunk: Uint8Array }
  | { type: "exited"; code: number; signal: string | number | null };

/**
 * Starts the worker, which spawns argv under the filter. Resolves once the child runs; when the
 * filter could not be installed, the child runs with MIT-SHM off and `refused` says why.
 */
export function spawnGuarded(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<SpawnedProcess & { refused?: string }> {
  const worker = new Worker(workerUrl());
  const streams = { stdout: openStream(), stderr: openStream() };
  let exitCode: number | null = null;
  let signalCode: string | number | null = null;
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  return new Promise((resolve, reject) => {
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(`the MIT-SHM guard's thread failed: ${event.message}`));
    };
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const message = event.data;
      if (message.type === "spawned") {
        resolve({
          pid: message.pid,
          refused: message.refused,
          stdout: streams.stdout.stream,
          stderr: streams.stderr.stream,
          exited,
          get exitCode() {
            return exitCode;
          },
          get signalCode() {
            return signalCode;
          },
          kill: (signal: NodeJS.Signals = "SIGTERM") => worker.postMessage({ type: "kill", signal }),
        });
      } else if (message.type === "exited") {
        exitCode = message.signal ? null : message.code;
        signalCode = message.signal;
        streams.stdout.close();
        streams.stderr.close();
        worker.terminate();
        resolveExit(message.code);
      } else {
        streams[message.type].push(message.chunk);
      }
    };
    worker.postMessage({ type: "spawn", argv, env });
  });
}

/**
 * Where the worker's module is. Compiled (scripts/build.ts makes it an entry point of its own),
 * the program is one module named after the binary, and the worker keeps its path under src/;
 * from the sources, it is beside this file.
 */
function workerUrl(): string {
  return import.meta.url.startsWith("file:///$bunfs/")
    ? new URL("./adapters/shm-guard-worker.ts", `file://${Bun.main}`).href
    : new URL("./shm-guard-worker.ts", import.meta.url).href;
}

/** A stream fed by the worker's messages. */
function openStream(): { stream: ReadableStream<Uint8Array>; push(chunk: Uint8Array): void; close(): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let open = true;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  return {
    stream,
    push: (chunk) => open && controller.enqueue(chunk),
    close: () => {
      if (open) controller.close();
      open = false;
    },
  };
}
