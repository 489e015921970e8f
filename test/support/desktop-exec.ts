/** Shared by the unit and e2e tests of menu entries. */
import { unescapeString } from "../../src/core/catalog/desktop-entry.ts";

/** The raw value of `key` in a menu entry's text (the first line that sets it). */
export const entryValue = (text: string, key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(text)?.[1];

/**
 * The Exec key read back the way the spec tells a launcher to: undo the string escapes,
 * then split on spaces outside double quotes, undoing the backslash escapes inside them,
 * then turn %% into %. Written from the spec, independently of the code under test.
 */
export function parseExec(value: string): string[] {
  const unescaped = unescapeString(value);
  const args: string[] = [];
  let current = "";
  let quoted = false;
  let started = false;
  for (let i = 0; i < unescaped.length; i++) {
    const c = unescaped[i]!;
    if (quoted) {
      if (c === "\\" && i + 1 < unescaped.length && '"`$\\'.includes(unescaped[i + 1]!)) current += unescaped[++i];
      else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') {
      quoted = true;
      started = true;
    } else if (c === " ") {
      if (started) args.push(current);
      current = "";
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (started) args.push(current);
  return args.map((a) => a.replace(/%%/g, "%"));
}
