/**
 * Follows the Engine API's build stream (the classic builder's JSON lines). It never throws:
 * the stream reports a failed step as an `error` event, not as a failed request, so the
 * caller must ask `result()` at the end and fail loudly itself.
 */
export interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

export type ProgressUpdate =
  | { kind: "step"; step: number; total: number; instruction: string }
  | { kind: "output"; line: string };

export interface BuildOutcome {
  ok: boolean;
  imageId?: string;
  error?: string;
  /** `Step 4/7 : RUN apt-get install ...` of the step that was running when it failed. */
  failedStep?: string;
  lastLines: string[];
}

const STEP_RE = /^Step (\d+)\/(\d+) : (.*)$/;
const TAIL = 12;

export function createBuildProgress() {
  let currentStep: string | undefined;
  let imageId: string | undefined;
  let error: string | undefined;
  let partial = "";
  const tail: string[] = [];

  function feed(event: BuildEvent): ProgressUpdate[] {
    const updates: ProgressUpdate[] = [];
    if (event.aux?.ID) imageId = event.aux.ID;
    if (event.error || event.errorDetail?.message) {
      error = event.errorDetail?.message || event.error;
      return updates;
    }
    const text = event.stream ?? (event.status ? `${event.status}\n` : "");
    if (!text) return updates;
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const rawLine of lines) {
      const line = rawLine.replace(/\r/g, "").trimEnd();
      if (!line) continue;
      const step = STEP_RE.exec(line);
      if (step) {
        currentStep = line;
        tail.length = 0;
        updates.push({ kind: "step", step: Number(step[1]), total: Number(step[2]), instruction: step[3]! });
        continue;
      }
      // " ---> 1a2b3c" and "Removing intermediate container" are the builder's bookkeeping.
      if (/^ ---> |^Removing intermediate container|^Successfully (built|tagged)/.test(line)) continue;
      tail.push(line);
      if (tail.length > TAIL) tail.shift();
      updates.push({ kind: "output", line });
    }
    return updates;
  }

  function result(): BuildOutcome {
    if (partial.trim()) tail.push(partial.trim());
    if (error) return { ok: false, error, failedStep: currentStep, lastLines: tail.slice(-TAIL) };
    if (!imageId)
      return {
        ok: false,
        error: "the build stream ended without an image",
        failedStep: currentStep,
        lastLines: tail.slice(-TAIL),
      };
    return { ok: true, imageId, lastLines: [] };
  }

  return { feed, result };
}
