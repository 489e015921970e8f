import { describe, expect, test } from "bun:test";
import { createCatalog } from "../../../src/core/catalog/catalog.ts";
import { DockercaskError, InvalidInstanceNameError, UnknownAppError } from "../../../src/core/errors.ts";
import type { DesktopFiles } from "../../../src/ports/desktop-files.ts";
import { installDesktopEntry, removeDesktopEntry } from "../../../src/services/desktop.ts";

const catalog = createCatalog({
  base: { Dockerfile: "FROM debian\n" },
  xeyes: {
    Dockerfile: 'FROM dockercask/base\nLABEL io.dockercask.command="xeyes" io.dockercask.description="Eyes"\n',
    "icon.svg": "<svg>eyes</svg>",
  },
  plain: { Dockerfile: 'FROM dockercask/base\nLABEL io.dockercask.command="plain"\n' },
});

/** Menu files in memory: entries and icons by name. */
function createFakeFiles() {
  const entries = new Map<string, string>();
  const icons = new Map<string, string>();
  const files: DesktopFiles = {
    applicationsDir: "/data/applications",
    iconsDir: "/data/icons/hicolor/scalable/apps",
    writeEntry: (id, text) => {
      entries.set(id, text);
      return `/data/applications/${id}.desktop`;
    },
    readEntry: (id) => entries.get(id),
    removeEntry: (id) => entries.delete(id),
    listEntries: () => [...entries.keys()].filter((id) => id.startsWith("dockercask-")).sort(),
    writeIcon: (name, svg) => {
      icons.set(name, svg);
      return `/data/icons/hicolor/scalable/apps/${name}.svg`;
    },
    removeIcon: (name) => icons.delete(name),
  };
  return { files, entries, icons };
}

const deps = (files: DesktopFiles) => ({ catalog, files, program: "dockercask", genericIcon: "<svg>generic</svg>" });

describe("installDesktopEntry", () => {
  test.each([
    ["an app with its own icon", "xeyes#a", "dockercask-xeyes.a", "dockercask-xeyes", "<svg>eyes</svg>"],
    ["an app without one gets the generic icon", "plain", "dockercask-plain", "dockercask", "<svg>generic</svg>"],
  ])("%s", (_, instance, id, icon, svg) => {
    const { files, entries, icons } = createFakeFiles();
    const result = installDesktopEntry(instance, deps(files));
    expect(result.entry).toBe(`/data/applications/${id}.desktop`);
    expect(result.icon).toBe(icon);
    expect(icons.get(icon)).toBe(svg);
    expect(entries.get(id)).toContain(`Icon=${icon}\n`);
    expect(entries.get(id)).toContain(`X-Dockercask-Instance=${instance}\n`);
  });

  test("the app's description becomes the comment", () => {
    const { files, entries } = createFakeFiles();
    installDesktopEntry("xeyes", deps(files));
    expect(entries.get("dockercask-xeyes")).toContain("Comment=Eyes (dockercask)\n");
  });

  test.each([
    ["an unknown app", "nope#1", UnknownAppError],
    ["an invalid name", "Fire/fox", InvalidInstanceNameError],
    ["the base image", "base", DockercaskError],
  ])("refuses %s and writes nothing", (_, instance, error) => {
    const { files, entries, icons } = createFakeFiles();
    expect(() => installDesktopEntry(instance, deps(files))).toThrow(error);
    expect(entries.size + icons.size).toBe(0);
  });
});

describe("removeDesktopEntry", () => {
  test("removes the entry, and the icon once no entry uses it", () => {
    const { files, entries, icons } = createFakeFiles();
    installDesktopEntry("xeyes#a", deps(files));
    installDesktopEntry("xeyes#b", deps(files));
    installDesktopEntry("plain", deps(files));

    expect(removeDesktopEntry("xeyes#a", { files })).toMatchObject({ removed: true, icons: [] });
    expect(icons.has("dockercask-xeyes")).toBe(true);
    expect(removeDesktopEntry("xeyes#b", { files })).toMatchObject({ removed: true, icons: ["dockercask-xeyes"] });
    expect([...entries.keys()]).toEqual(["dockercask-plain"]);
    expect([...icons.keys()]).toEqual(["dockercask"]);
  });

  test("an instance without an entry is not an error", () => {
    const { files } = createFakeFiles();
    expect(removeDesktopEntry("xeyes", { files })).toEqual(expect.objectContaining({ removed: false, icons: [] }));
  });

  test("a file of that name that dockercask did not write is left alone", () => {
    const { files, entries } = createFakeFiles();
    entries.set("dockercask-xeyes", "[Desktop Entry]\nName=Mine\n");
    expect(() => removeDesktopEntry("xeyes", { files })).toThrow(/not written by dockercask/);
    expect(entries.has("dockercask-xeyes")).toBe(true);
  });

  test("an entry written for another instance is not ours to remove under this name", () => {
    const { files, entries } = createFakeFiles();
    installDesktopEntry("xeyes", deps(files));
    entries.set(
      "dockercask-xeyes",
      entries.get("dockercask-xeyes")!.replace("X-Dockercask-Instance=xeyes", "X-Dockercask-Instance=xeyes#z"),
    );
    expect(() => removeDesktopEntry("xeyes", { files })).toThrow(DockercaskError);
  });
});
