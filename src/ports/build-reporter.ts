import type { ProgressUpdate } from "../core/catalog/build-progress.ts";

// Port: where a build's progress goes. adapters/progress.ts implements it (a status line or plain lines).

export interface BuildReporter {
  update(update: ProgressUpdate): void;
  done(message: string): void;
  fail(): void;
}
