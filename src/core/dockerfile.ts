/**
 * Just enough of the Dockerfile language to read an app's recipe before building it:
 * the base image of its last stage and its LABELs (which hold the run policy).
 * Docker itself remains the authority; this lets us validate early and order builds.
 */
export interface DockerfileSummary {
  /** The image the final stage is built FROM, as written (`dockercask/base`, `debian:bookworm-slim`). */
  from: string | undefined;
  labels: Record<string, string>;
  /** 1-based line numbers of each instruction, for error messages. */
  instructions: { keyword: string; args: string; line: number }[];
}

export function parseDockerfile(text: string): DockerfileSummary {
  const instructions = joinInstructions(text);
  const labels: Record<string, string> = {};
  let from: string | undefined;
  for (const { keyword, args } of instructions) {
    if (keyword === "FROM") {
      // FROM [--platform=..] image [AS name]
      const words = args.split(/\s+/).filter((w) => w && !w.startsWith("--"));
      from = words[0];
    } else if (keyword === "LABEL") {
      Object.assign(labels, parseLabelArgs(args));
    }
  }
  return { from, labels, instructions };
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
      pending += trimmed.slice(0, -1) + " ";
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
  const words = splitWords(args);
  const labels: Record<string, string> = {};
  if (words.length > 0 && !words[0]!.includes("=")) {
    const [key, ...rest] = words;
    labels[key!] = rest.join(" ");
    return labels;
  }
  for (const word of words) {
    const eq = word.indexOf("=");
    if (eq <= 0) continue;
    labels[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return labels;
}

function splitWords(input: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  for (let i = 0; i < input.length; i++) {
    const char = input[i]!;
    if (char === '"') {
      inWord = true;
      for (i++; i < input.length && input[i] !== '"'; i++) {
        if (input[i] === "\\" && i + 1 < input.length) i++;
        current += input[i];
      }
    } else if (char === "'") {
      inWord = true;
      for (i++; i < input.length && input[i] !== "'"; i++) current += input[i];
    } else if (char === "\\" && i + 1 < input.length) {
      inWord = true;
      current += input[++i];
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      inWord = true;
      current += char;
    }
  }
  if (inWord) words.push(current);
  return words;
}
