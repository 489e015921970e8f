/**
 * `deb:<package>[/<entry>][#id]`: a Debian package, boxed with a recipe made from its own
 * metadata (core/deb/recipe.ts, services/deb-app.ts), wherever an app name is accepted.
 *
 *   deb:inkscape          the package's main desktop entry, as the app `inkscape`
 *   deb:xterm/uxterm      the entry uxterm.desktop of the package xterm, as the app `uxterm`
 *   deb:inkscape#work     the instance `inkscape#work`
 */
import { DockercaskError } from "../errors.ts";
import { explainInvalid, isValidAppName } from "../instance/name.ts";

const DEB_PREFIX = "deb:";

export interface DebTarget {
  package: string;
  /** The desktop entry asked for (its file name without `.desktop`); undefined: the package's main one. */
  entry: string | undefined;
  /** The instance id after `#`; empty for the app's default instance. */
  id: string;
  /** What names the recipe made from it, and the label it carries: `deb:inkscape`, `deb:xterm/uxterm`. */
  source: string;
}

/** Debian Policy 5.6.1: lower case letters, digits, `+`, `-` and `.`, at least two, starting alphanumeric. */
const PACKAGE_RE = /^[a-z0-9][a-z0-9+.-]+$/;
/** A desktop file ID's own part: what reaches a path and a label, so no separators and no spaces. */
const ENTRY_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const MAX_PACKAGE = 100;

/** A desktop file ID's own part (its file name without `.desktop`), as an entry is named. */
export function isDesktopFileId(id: string): boolean {
  return ENTRY_RE.test(id);
}

/** What a generated recipe's source label may say: `deb:<package>` or `deb:<package>/<entry>`. */
export function isDebSource(value: string): boolean {
  if (!value.startsWith(DEB_PREFIX)) return false;
  const [pkg = "", entry, ...rest] = value.slice(DEB_PREFIX.length).split("/");
  return rest.length === 0 && PACKAGE_RE.test(pkg) && (entry === undefined || ENTRY_RE.test(entry));
}

export function isDebTarget(input: string): boolean {
  return input.startsWith(DEB_PREFIX);
}

export function parseDebTarget(input: string): DebTarget {
  const hash = input.indexOf("#");
  const spec = (hash === -1 ? input : input.slice(0, hash)).slice(DEB_PREFIX.length);
  const id = hash === -1 ? "" : input.slice(hash + 1);
  const slash = spec.indexOf("/");
  const pkg = slash === -1 ? spec : spec.slice(0, slash);
  const entry = slash === -1 ? undefined : spec.slice(slash + 1);
  const bad = (reason: string, hint = "Write it as deb:<package>, for example deb:inkscape or deb:xterm/uxterm.") =>
    new DockercaskError(`invalid Debian app ${JSON.stringify(input)}: ${reason}`, {
      code: "E_USAGE",
      hint,
      exitCode: 2,
    });
  if (pkg.length === 0) throw bad("the package name after deb: is empty");
  if (pkg.length > MAX_PACKAGE || !PACKAGE_RE.test(pkg))
    throw bad(
      "a Debian package name is lower case letters, digits, '+', '-' and '.', starting with a letter or digit",
      pkg.toLowerCase() !== pkg ? `Package names are lower case: deb:${pkg.toLowerCase()}` : undefined,
    );
  if (entry !== undefined && (entry.length === 0 || entry.length > MAX_PACKAGE || !ENTRY_RE.test(entry)))
    throw bad("the desktop entry after '/' is its file name without .desktop, such as uxterm");
  if (hash !== -1) {
    const reason = explainInvalid(`a#${id}`);
    if (reason) throw bad(reason, "The id after '#' is lower case letters and digits joined by '-': deb:inkscape#work");
  }
  return { package: pkg, entry, id, source: `${DEB_PREFIX}${spec}` };
}

/**
 * The app name a package (or one of its entries) runs as: the package's name, or the entry's
 * own name when one is asked for (`org.gnome.Calculator` is `calculator`), made into an app
 * name. Undefined when nothing usable is left.
 */
export function debAppName(target: Pick<DebTarget, "package" | "entry">): string | undefined {
  const base = target.entry === undefined ? target.package : (target.entry.split(".").at(-1) ?? target.entry);
  let name = base
    .toLowerCase()
    .replace(/\+/g, "plus")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (/^[0-9]/.test(name)) name = `deb-${name}`;
  name = name.slice(0, 32).replace(/-+$/, "");
  return isValidAppName(name) ? name : undefined;
}

/** The name a generated app takes when its own is another app's: `xterm` is the catalog's, so `xterm-deb`. */
export function alternateAppName(name: string): string | undefined {
  const alternate = `${name.slice(0, 28).replace(/-+$/, "")}-deb`;
  return isValidAppName(alternate) ? alternate : undefined;
}

/** The instance name the command goes on with: the app, and the id the user wrote. */
export function instanceOf(app: string, target: Pick<DebTarget, "id">): string {
  return target.id ? `${app}#${target.id}` : app;
}
