/**
 * Where a key of config.toml was written. smol-toml gives positions only for syntax errors, so
 * this finds the line of a key itself, for the messages that name a bad value. It understands
 * [table] and [[table]] headers, bare, "quoted" and 'literal' keys, dotted keys
 * (`defaults.dpi = 96`) and skips multi-line strings; a key it cannot find has no line.
 */
export interface KeyLocator {
  /** Line of a key or table header by its full path, or of the first key written under that path. */
  keyLine(path: string[]): number | undefined;
  /** Line of a string value in the array that starts at `keyLine`, or `keyLine` when not found. */
  valueLine(keyLine: number, value: string): number;
}

/** The line (1-based) where `path` (such as ["instances", "firefox#work", "dpi"]) is written. */
export function findKeyLine(text: string, path: string[]): number | undefined {
  return createKeyLocator(text).keyLine(path);
}

export function createKeyLocator(text: string): KeyLocator {
  const lines = text.split(/\r?\n/);
  const keys = indexKeys(lines);
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((part, i) => part === b[i]);
  const startsWith = (a: string[], prefix: string[]) => prefix.every((part, i) => part === a[i]);
  return {
    keyLine(path) {
      return (keys.find((k) => same(k.path, path)) ?? keys.find((k) => startsWith(k.path, path)))?.line;
    },
    valueLine(keyLine, value) {
      const end = keys.find((k) => k.line > keyLine)?.line ?? lines.length + 1;
      const quoted = [JSON.stringify(value), `'${value}'`];
      for (let line = keyLine; line < end; line++) {
        const text = lines[line - 1] ?? "";
        if (quoted.some((q) => text.includes(q))) return line;
      }
      return keyLine;
    },
  };
}

function indexKeys(lines: string[]): { path: string[]; line: number }[] {
  const keys: { path: string[]; line: number }[] = [];
  let table: string[] = [];
  let openString: string | undefined;
  lines.forEach((raw, index) => {
    if (openString) {
      if (count(raw, openString) % 2 === 1) openString = undefined;
      return;
    }
    const text = raw.trimStart();
    if (text.startsWith("[")) {
      const header = readKeyPath(text, text.startsWith("[[") ? 2 : 1);
      if (header) {
        table = header.path;
        keys.push({ path: table, line: index + 1 });
      }
      return;
    }
    const key = readKeyPath(text, 0);
    if (!key) return;
    const rest = text.slice(key.end);
    if (!rest.startsWith("=")) return;
    keys.push({ path: [...table, ...key.path], line: index + 1 });
    openString = ['"""', "'''"].find((quote) => count(rest, quote) % 2 === 1);
  });
  return keys;
}

/** Reads `a."b c".'d'` from `text` at `start`; `end` is just past it and any blanks after. */
function readKeyPath(text: string, start: number): { path: string[]; end: number } | undefined {
  const path: string[] = [];
  let i = start;
  for (;;) {
    i = skipBlanks(text, i);
    const char = text[i];
    if (char === '"') {
      let close = i + 1;
      while (close < text.length && text[close] !== '"') close += text[close] === "\\" ? 2 : 1;
      if (close >= text.length) return undefined;
      path.push(unescapeBasic(text.slice(i, close + 1)));
      i = close + 1;
    } else if (char === "'") {
      const close = text.indexOf("'", i + 1);
      if (close === -1) return undefined;
      path.push(text.slice(i + 1, close));
      i = close + 1;
    } else {
      const bare = /^[A-Za-z0-9_-]+/.exec(text.slice(i));
      if (!bare) return undefined;
      path.push(bare[0]);
      i += bare[0].length;
    }
    i = skipBlanks(text, i);
    if (text[i] !== ".") return { path, end: i };
    i++;
  }
}

function unescapeBasic(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    // TOML escapes JSON lacks (\U0001F600, \e): a key spelled that way just goes unfound.
    return quoted.slice(1, -1);
  }
}

function skipBlanks(text: string, i: number): number {
  while (text[i] === " " || text[i] === "\t") i++;
  return i;
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
