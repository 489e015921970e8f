import { type ChildProcess, spawn } from "node:child_process";
import { findExecutable } from "./host-tools.ts";

/**
 * A dialog's answer (zenity's or kdialog's stdout when it exits 0, "" otherwise), at most
 * `maxChars` of it. The child is in `open` while it runs, so a session that ends can close it.
 */
function dialogAnswer(
  argv: string[],
  env: Record<string, string | undefined>,
  open: Set<ChildProcess>,
  maxChars: number,
): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      env: env as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "ignore"],
    });
    open.add(child);
    let out = "";
    let overflowed = false;
    child.stdout!.on("data", (chunk) => {
      if (out.length + String(chunk).length > maxChars) overflowed = true;
      else out += String(chunk);
    });
    const done = (answer: string) => {
      open.delete(child);
      resolve(answer);
    };
    child.on("error", () => done(""));
    child.on("close", (code) => done(code === 0 && !overflowed ? out : ""));
  });
}

/** The host's dialogs of one session: each shown one at a time by its caller, all closed by `closeAll`. */
export function createDialogSet(env: Record<string, string | undefined>, maxChars: number) {
  const open = new Set<ChildProcess>();
  // Under setpriv --pdeathsig (util-linux, on every distribution): a supervisor killed with
  // SIGKILL, which cannot close its dialogs, still takes them with it.
  const setpriv = findExecutable("setpriv", env.PATH);
  const guarded = (argv: string[]) => (setpriv ? [setpriv, "--pdeathsig", "TERM", ...argv] : argv);
  return {
    show: (argv: string[]) => dialogAnswer(guarded(argv), env, open, maxChars),
    closeAll() {
      for (const dialog of open) dialog.kill("SIGTERM");
      open.clear();
    },
  };
}
