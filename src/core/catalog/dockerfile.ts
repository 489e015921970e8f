/**
 * Just enough of the Dockerfile language to read an app's recipe before building it:
 * the image its last stage descends from and the LABELs that stage sets (which hold the run
 * policy). Docker remains the authority on the build; the policy, though, is read from this
 * text and never from the image, so what cannot be read here for certain is refused.
 */
import { POLICY_PREFIX } from "./policy.ts";

export interface DockerfileSummary {
  /**
   * The image the final stage descends from (`dockercask/base`, `debian:bookworm-slim`), with
   * the names of earlier stages resolved: `FROM build` after `FROM dockercask/base AS build`
   * gives `dockercask/base`.
   */
  from: string | undefined;
  /** The labels the final stage sets itself, including those of earlier stages it is built FROM. */
  labels: Record<string, string>;
  /** Why some policy labels cannot be read from the text (variables, another escape character). */
  problems: string[];
  /** 1-based line numbers of each instruction, for error messages. */
  instructions: { keyword: string; args: string; line: number }[];
}

interface Stage {
  root: string;
  labels: Record<string, string>;
}

export function parseDockerfile(text: string): DockerfileSummary {
  const problems = unsupportedDirectives(text);
  const instructions = joinInstructions(text);
  const stages = new Map<string, Stage>();
  let current: Stage | undefined;
  for (const { keyword, args, line } of instructions) {
    if (keyword === "FROM") {
      // FROM [--platform=..] image [AS name]; stage names are case-insensitive.
      const words = args.split(/\s+/).filter((w) => w && !w.startsWith("--"));
      const image = words[0] ?? "";
      const earlier = stages.get(image.toLowerCase());
      current = earlier ? { root: earlier.root, labels: { ...earlier.labels } } : { root: image, labels: {} };
      if (words[1]?.toUpperCase() === "AS" && words[2]) stages.set(words[2].toLowerCase(), current);
    } else if (keyword === "LABEL") {
      const parsed = parseLabelWords(args);
      for (const { key, value, substituted } of parsed) {
        if (substituted.key) {
          problems.push(
            `line ${line}: the label name ${JSON.stringify(key)} uses a variable: label names must be written out`,
          );
        } else if (substituted.value && key.startsWith(POLICY_PREFIX)) {
          problems.push(
            `line ${line}: ${key}=${JSON.stringify(value)} uses a variable: policy labels are read from the recipe's text, so write the value itself (or escape the $ as \\$)`,
          );
        }
      }
      // A LABEL before any FROM is an error for Docker; it sets nothing here either.
      if (current) for (const { key, value } of parsed) current.labels[key] = value;
    }
  }
  return { from: current?.root, labels: current?.labels ?? {}, problems, instructions };
}

/**
 * Parser directives at the top of the file. `escape` changes what continues a line and what
 * quotes a character; this reader knows only the backslash, so another one is refused rather
 * than misread.
 */
function unsupportedDirectives(text: string): string[] {
  const problems: string[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const match = /^#\s*([a-zA-Z]+)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!match) break;
    if (match[1]!.toLowerCase() === "escape" && match[2] !== "\\") {
      problems.push(
        `line ${index + 1}: the escape directive ${JSON.stringify(match[2])} is not supported: remove it so that \\ is the escape character`,
      );
    }
  }
  return problems;
}

/** Splits the text into instructions: continuation lines joined, comments and blank lines dropped. */
function joinInstructions(text: string): DockerfileSummary["instructions"] {
  const out: DockerfileSummary["instructions"] = [];
  let pending = "";
  let startLine = 0;
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const trimmed = raw.trim();
    // Docker drops comment lines even in the middle of a continued instruction.
    if (trimmed.startsWith("#")) continue;
    if (!pending && !trimmed) continue;
    if (!pending) startLine = index + 1;
    if (trimmed.endsWith("\\")) {
      pending += `${trimmed.slice(0, -1)} `;
      continue;
    }
    pending += trimmed;
    push(pending, startLine);
    pending = "";
  }
  if (pending.trim()) push(pending, startLine);
  return out;

  function push(instruction: string, line: number) {
    const match = /^(\S+)\s*(.*)$/s.exec(instruction.trim());
    if (match) out.push({ keyword: (match[1] ?? "").toUpperCase(), args: (match[2] ?? "").trim(), line });
  }
}

/**
 * LABEL arguments: `k=v k2="v 2" k3='v3'`, or the legacy `LABEL key value words`.
 * Double quotes allow backslash escapes; single quotes are literal, as in Docker.
 */
export function parseLabelArgs(args: string): Record<string, string> {
  return Object.fromEntries(parseLabelWords(args).map(({ key, value }) => [key, value]));
}

interface LabelWord {
  key: string;
  value: string;
  /** Whether Docker would substitute a variable ($X, ${X}) into the key or the value. */
  substituted: { key: boolean; value: boolean };
}

function parseLabelWords(args: string): LabelWord[] {
  const words = splitWords(args);
  if (words.length > 0 && !words[0]!.text.includes("=")) {
    const [key, ...rest] = words;
    return [
      {
        key: key!.text,
        value: rest.map((w) => w.text).join(" "),
        substituted: { key: key!.dollarAt.length > 0, value: rest.some((w) => w.dollarAt.length > 0) },
      },
    ];
  }
  const labels: LabelWord[] = [];
  for (const word of words) {
    const eq = word.text.indexOf("=");
    if (eq <= 0) continue;
    labels.push({
      key: word.text.slice(0, eq),
      value: word.text.slice(eq + 1),
      substituted: { key: word.dollarAt.some((at) => at < eq), value: word.dollarAt.some((at) => at > eq) },
    });
  }
  return labels;
}

/** A word as Docker's shell lexer reads it, with where an unquoted or double-quoted `$` sits in it. */
interface Word {
  text: string;
  dollarAt: number[];
}

function splitWords(input: string): Word[] {
  const words: Word[] = [];
  let current = "";
  let dollarAt: number[] = [];
  let inWord = false;
  for (let i = 0; i < input.length; i++) {
    const char = input[i]!;
    if (char === '"') {
      inWord = true;
      for (i++; i < input.length && input[i] !== '"'; i++) {
        // Inside double quotes a backslash escapes only ", $ and itself; elsewhere it stays.
        if (input[i] === "\\" && /["$\\]/.test(input[i + 1] ?? "")) i++;
        else if (isVariable(input, i)) dollarAt.push(current.length);
        current += input[i];
      }
    } else if (char === "'") {
      inWord = true;
      for (i++; i < input.length && input[i] !== "'"; i++) current += input[i];
    } else if (char === "\\" && i + 1 < input.length) {
      inWord = true;
      current += input[++i];
    } else if (/\s/.test(char)) {
      if (inWord) words.push({ text: current, dollarAt });
      current = "";
      dollarAt = [];
      inWord = false;
    } else {
      inWord = true;
      if (isVariable(input, i)) dollarAt.push(current.length);
      current += char;
    }
  }
  if (inWord) words.push({ text: current, dollarAt });
  return words;
}

/** `$NAME`, `${...}` or `$1` at `i`: what Docker's lexer substitutes. A `$` before anything else is literal. */
function isVariable(input: string, i: number): boolean {
  return input[i] === "$" && /[A-Za-z0-9_{]/.test(input[i + 1] ?? "");
}
