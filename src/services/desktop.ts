import { appPolicy, type Catalog, getApp } from "../core/catalog/catalog.ts";
import {
  appIconName,
  desktopFileId,
  entryIcon,
  entryInstance,
  GENERIC_ICON,
  renderDesktopEntry,
} from "../core/catalog/desktop-entry.ts";
import { DockercaskError } from "../core/errors.ts";
import { type InstanceName, parseInstanceName } from "../core/instance/name.ts";
import type { DesktopFiles } from "../ports/desktop-files.ts";
import { checkNewInstance } from "./instances.ts";

export interface DesktopDeps {
  catalog: Catalog;
  files: DesktopFiles;
  /** How the entry names dockercask in Exec (see adapters/desktop-files.ts resolveProgram). */
  program: string;
  /** The icon of apps without an icon.svg of their own. */
  genericIcon: string;
}

export interface InstallResult {
  name: InstanceName;
  entry: string;
  icon: string;
}

/**
 * Writes the menu entry of an instance, and its app's icon (or the generic one). The instance
 * need not be added yet: its first run from the menu adds it. Writing again replaces both,
 * so an entry follows a moved binary or a changed icon.
 */
export function installDesktopEntry(input: string, deps: DesktopDeps): InstallResult {
  const name = checkNewInstance(input, deps.catalog);
  const recipe = getApp(deps.catalog, name.app);
  const policy = appPolicy(deps.catalog, recipe);
  const own = recipe.files["icon.svg"];
  const icon = own === undefined ? GENERIC_ICON : appIconName(name.app);
  deps.files.writeIcon(icon, own ?? deps.genericIcon);
  const text = renderDesktopEntry({
    name,
    description: policy.ok ? policy.policy.description : "",
    program: deps.program,
    icon,
    mimeTypes: policy.ok ? policy.policy.mimeTypes : [],
  });
  const entry = deps.files.writeEntry(desktopFileId(name), text);
  return { name, entry, icon };
}

export interface RemoveEntryResult {
  name: InstanceName;
  /** False when the instance had no menu entry. */
  removed: boolean;
  /** Icons deleted because no remaining entry uses them. */
  icons: string[];
}

/**
 * Removes the menu entry of an instance, and the icons no other dockercask entry uses.
 * A file by that name that dockercask did not write is left alone, loudly.
 */
export function removeDesktopEntry(input: string, deps: Pick<DesktopDeps, "files">): RemoveEntryResult {
  const name = parseInstanceName(input);
  const id = desktopFileId(name);
  const text = deps.files.readEntry(id);
  if (text === undefined) return { name, removed: false, icons: [] };
  if (entryInstance(text) !== name.full) {
    throw new DockercaskError(
      `${deps.files.applicationsDir}/${id}.desktop was not written by dockercask for ${name.full}; leaving it alone`,
      {
        code: "E_NOT_OURS",
        hint: "Remove it by hand if it should go.",
      },
    );
  }
  deps.files.removeEntry(id);
  const stillUsed = new Set(
    deps.files
      .listEntries()
      .map((other) => deps.files.readEntry(other))
      .filter((t): t is string => t !== undefined && entryInstance(t) !== undefined)
      .map((t) => entryIcon(t)),
  );
  const icon = entryIcon(text);
  const icons = icon && !stillUsed.has(icon) && deps.files.removeIcon(icon) ? [icon] : [];
  return { name, removed: true, icons };
}
