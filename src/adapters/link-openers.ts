/**
 * Where a link goes once the router decided: exec'd into a container, a new `dockercask run`,
 * the desktop's opener, or a question to the user. The URL is always one argv element: no
 * shell sees it anywhere.
 */
import { spawn } from "node:child_process";
import { askQuestionText } from "../core/desktop-bus/links.ts";
import { escapeMarkup } from "../core/text/markup.ts";
import type { LinkOpeners } from "../ports/desktop-bus-calls.ts";
import { createDialogSet } from "./dialog-process.ts";
import { findExecutable } from "./host-tools.ts";

export interface LinkOpenerOptions {
  env: Record<string, string | undefined>;
  /** The argv that starts dockercask itself (the binary, or bun and the entry script). */
  self: string[];
  /** Runs argv inside an instance's running container; throws when it does not run. */
  execIn(instance: string, argv: (command: string[]) => string[]): Promise<boolean>;
  /** Whether the instance's app is in the catalog, so a `run` of it can start. */
  knownApp(instance: string): boolean;
  /** The instance this session runs. */
  from: string;
}

export function createLinkOpeners(options: LinkOpenerOptions): LinkOpeners {
  const { env } = options;
  // The dialogs open now: a session that ends closes them, so none outlives it.
  const dialogs = createDialogSet(env, MAX_ANSWER_CHARS);
  let stopped = false;
  return {
    stop() {
      stopped = true;
      dialogs.closeAll();
    },
    async self(url) {
      if (!(await options.execIn(options.from, (command) => [...command, url])))
        throw new Error(`${options.from} is not running yet`);
    },
    async instance(instance, url) {
      if (await options.execIn(instance, (command) => [...command, url])) return;
      if (!options.knownApp(instance)) throw new Error(`${instance} is neither running nor an app in the catalog`);
      // Not running: start it with the URL, as a session of its own that outlives this one.
      startDetached([...options.self, "run", instance, "--", url], env);
    },
    async disposable(app, url) {
      if (!options.knownApp(app)) throw new Error(`${app} is not an app in the catalog`);
      // A throwaway instance of its own, <app>#tmp-<n>, that outlives this session; the URL is one argv element.
      startDetached([...options.self, "run", app, "--disposable", "--", url], env);
    },
    async host(url) {
      const opener = findExecutable("xdg-open", env.PATH);
      if (opener) return startDetached([opener, url], env);
      // No xdg-utils: $BROWSER is what xdg-open would have used on a desktop without one of its own.
      const browser = env.BROWSER?.split(":").find(Boolean);
      const program = browser && (browser.startsWith("/") ? browser : findExecutable(browser, env.PATH));
      if (!program) throw new Error("the desktop has no xdg-open (install xdg-utils) and $BROWSER is not set");
      startDetached([program, url], env);
    },
    async ask(question) {
      if (stopped) return undefined;
      const zenity = findExecutable("zenity", env.PATH);
      const kdialog = zenity ? undefined : findExecutable("kdialog", env.PATH);
      if (!zenity && !kdialog) return "no-dialog";
      const text = askQuestionText(question.from, question.url);
      const labels = question.choices.map((c) => c.label);
      const argv = zenity
        ? [
            zenity,
            "--list",
            "--title",
            `dockercask: a link from ${question.from}`,
            "--text",
            escapeMarkup(text),
            "--column",
            "open it",
            "--hide-header",
            "--width",
            "640",
            "--height",
            "420",
            ...labels,
          ]
        : [
            kdialog!,
            "--title",
            `dockercask: a link from ${question.from}`,
            "--radiolist",
            text,
            ...labels.flatMap((l, i) => [String(i), l, i === 0 ? "on" : "off"]),
          ];
      const answer = (await dialogs.show(argv)).trim();
      if (!answer) return undefined;
      const chosen = zenity ? question.choices.find((c) => c.label === answer) : question.choices[Number(answer)];
      return chosen?.choice;
    },
  };
}

/** A dialog's answer is a label we offered: a few hundred bytes. More is not an answer. */
const MAX_ANSWER_CHARS = 4096;

function startDetached(argv: string[], env: Record<string, string | undefined>): void {
  const child = spawn(argv[0]!, argv.slice(1), { env: env as NodeJS.ProcessEnv, stdio: "ignore", detached: true });
  child.on("error", () => undefined);
  child.unref();
}
