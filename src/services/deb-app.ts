import type { Catalog } from "../core/catalog/catalog.ts";
import { parseDockerfile } from "../core/catalog/dockerfile.ts";
import { POLICY_PREFIX } from "../core/catalog/policy.ts";
import { parseProbeOutput } from "../core/deb/probe.ts";
import { chooseEntry, entryIcon, plain, renderRecipe } from "../core/deb/recipe.ts";
import {
  alternateAppName,
  type DebTarget,
  debAppName,
  instanceOf,
  isDebTarget,
  parseDebTarget,
} from "../core/deb/target.ts";
import { DockercaskError } from "../core/errors.ts";
import { suggestSeveral } from "../core/text/suggest.ts";

export interface DebAppDeps {
  catalog: () => Catalog;
  /** Reads the catalog again, once a recipe has been written into the user's apps folder. */
  reloadCatalog: () => void;
  /** Builds the base image when it is missing or stale: the probe runs in it. */
  ensureBase: () => Promise<void>;
  /** Runs the probe (core/deb/probe.ts) for a package and resolves its output. */
  probe: (pkg: string) => Promise<string>;
  /** Writes a new app folder in the user's apps folder, and says where; refuses to replace one. */
  writeRecipe: (app: string, files: Record<string, string>) => string;
  log: { info(message: string): void };
}

const SOURCE_LABEL = `${POLICY_PREFIX}source`;

/**
 * The instance name a command goes on with. A name that is not `deb:` passes as it is. For
 * `deb:<package>`, the app made from that package earlier, or else a recipe made now from
 * the package's metadata and written where a hand-written one would go, so the user can read
 * and change it. Refused before anything is built: a package Debian does not have (with the
 * nearest names), one with no desktop entry, one whose entries open no window.
 */
export async function resolveAppName(input: string, deps: DebAppDeps): Promise<string> {
  if (!isDebTarget(input)) return input;
  const target = parseDebTarget(input);
  const made = generatedApp(deps.catalog(), target.source);
  if (made) return instanceOf(made, target);

  deps.log.info(`reading the Debian package ${target.package} from the package mirror`);
  await deps.ensureBase();
  const result = parseProbeOutput(await deps.probe(target.package), target.package);
  if (result.kind === "error")
    throw new DockercaskError(`could not read the Debian package ${target.package}: ${result.message}`, {
      code: "E_DEB",
      hint: "The package mirror is read as the app images' builds read it: check that `dockercask build base --force` reaches it.",
    });
  if (result.kind === "missing") throw unknownPackage(target.package, result.names);
  const pkg = result.package;
  const choice = chooseEntry(pkg, target);
  // The entry as the package spells it: deb:xterm/UXTerm and deb:xterm/uxterm are one app.
  const source = target.entry === undefined ? target.source : `deb:${target.package}/${choice.chosen.entry.id}`;
  const earlier = generatedApp(deps.catalog(), source);
  if (earlier) return instanceOf(earlier, target);
  const app = freeName(deps.catalog(), target);
  const icon = entryIcon(pkg, choice.chosen.entry);
  const dockerfile = renderRecipe({ target: { source }, app, pkg, choice, icon: icon !== undefined });
  const dir = deps.writeRecipe(app, { Dockerfile: dockerfile, ...(icon !== undefined ? { "icon.svg": icon } : {}) });
  deps.reloadCatalog();
  // What the recipe says, read back from it, not what was meant.
  const network = parseDockerfile(dockerfile).labels[`${POLICY_PREFIX}network`];
  deps.log.info(
    `made the app ${app} from ${choice.chosen.entry.id}.desktop of ${pkg.package} ${plain(pkg.version, 60)}: ${dir}/Dockerfile (network ${network})`,
  );
  if (choice.others.length)
    deps.log.info(
      `${pkg.package} has other entries: ${choice.others.map((o) => `deb:${pkg.package}/${o.entry.id}`).join(", ")}`,
    );
  return instanceOf(app, target);
}

/** The app already made from `source`, if any. */
export function generatedApp(catalog: Catalog, source: string): string | undefined {
  for (const recipe of catalog.apps.values()) if (recipe.dockerfile.labels[SOURCE_LABEL] === source) return recipe.name;
  return undefined;
}

function freeName(catalog: Catalog, target: DebTarget): string {
  const name = debAppName(target);
  if (!name)
    throw new DockercaskError(`${target.source} gives no usable app name`, {
      code: "E_DEB",
      hint: "Write a recipe for it by hand in your apps folder (docs/apps.md).",
    });
  if (!catalog.apps.has(name)) return name;
  const alternate = alternateAppName(name);
  if (alternate && !catalog.apps.has(alternate)) return alternate;
  throw new DockercaskError(
    `the apps ${name} and ${alternate ?? name} exist already, so ${target.source} has no name`,
    {
      code: "E_DEB",
      hint: "Remove or rename one of their folders in your apps folder (dockercask list shows where apps come from).",
    },
  );
}

function unknownPackage(pkg: string, names: string[]): DockercaskError {
  const near = suggestSeveral(pkg, names, 3);
  return new DockercaskError(`Debian has no package ${pkg}`, {
    code: "E_DEB",
    hint: near.length
      ? `The nearest names: ${near.map((n) => `deb:${n}`).join(", ")}.`
      : "Search Debian's packages at https://packages.debian.org (the stable release).",
  });
}
