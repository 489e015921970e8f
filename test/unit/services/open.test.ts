import { describe, expect, test } from "bun:test";
import { createCatalog } from "../../../src/core/catalog/catalog.ts";
import { OpenRefusedError } from "../../../src/core/files/open-items.ts";
import { parseRunTarget } from "../../../src/core/instance/name.ts";
import type { ContainerClient } from "../../../src/ports/container-client.ts";
import type { ContainerFiles, InboxFile } from "../../../src/ports/container-files.ts";
import type { ImageClient } from "../../../src/ports/image-client.ts";
import { type OpenDeps, openInInstance } from "../../../src/services/open.ts";
import type { RunSessionDeps } from "../../../src/services/session/run.ts";

const catalog = createCatalog({
  base: { Dockerfile: "FROM debian\n" },
  evince: { Dockerfile: 'FROM dockercask/base\nLABEL io.dockercask.command="evince --fullscreen"\n' },
});

/** A running evince#a (container c9) and host files given as a map; the session side is never reached here. */
function fakes(options: { inbox?: string[]; files?: Record<string, string> } = {}) {
  const puts: { dir: { home: string; name: string }; files: InboxFile[]; owner: { uid: number; gid: number } }[] = [];
  const execs: string[][] = [];
  const docker = {
    async inspectImage() {
      // What the image's labels say is not what runs: the command comes from the recipe.
      return {
        id: "sha256:1",
        labels: { "io.dockercask.command": "evince --from-a-parent-image" },
        createdAt: new Date(0),
      };
    },
    async putFiles(_id, dir, files, owner) {
      puts.push({ dir, files, owner });
    },
    async listDir() {
      return options.inbox ?? [];
    },
    async execDetached(_id, argv) {
      execs.push(argv);
    },
  } as Partial<ImageClient & ContainerClient & ContainerFiles> as ImageClient & ContainerClient & ContainerFiles;
  const hostFiles = options.files ?? {};
  const deps: OpenDeps = {
    session: { catalog, host: { uid: 0, gid: 0 } } as unknown as RunSessionDeps,
    docker: async () => docker,
    runtime: {
      readState: (name) =>
        name === "evince#a" ? { instance: name, pid: 7, pidStart: "1", startedAt: "", container: "c9" } : undefined,
    },
    isAlive: (pid) => pid === 7,
    readFile(path, maxBytes) {
      const text = hostFiles[path];
      if (text === undefined) throw new OpenRefusedError(path, "there is no such file");
      if (text.length > maxBytes) throw new OpenRefusedError(path, "too large");
      return { name: path.split("/").pop()!, data: new TextEncoder().encode(text) };
    },
    inboxNames: () => [],
  };
  return { deps, puts, execs };
}

describe("openInInstance, a running instance", () => {
  test("files go into ~/Inbox under free names, as the app's user; the app's command runs again with paths and URLs in order", async () => {
    const { deps, puts, execs } = fakes({ inbox: ["a.pdf"], files: { "/h/a.pdf": "A", "/h/b.txt": "B" } });
    const result = await openInInstance(
      parseRunTarget("evince#a", false),
      ["/h/a.pdf", "https://example.org/", "/h/b.txt"],
      deps,
    );
    expect(result).toEqual({
      instance: "evince#a",
      opened: ["/home/app/Inbox/a-1.pdf", "https://example.org/", "/home/app/Inbox/b.txt"],
    });
    expect(puts.map((p) => [p.dir, p.files.map((f) => f.name), p.owner])).toEqual([
      [{ home: "/home/app", name: "Inbox" }, ["a-1.pdf", "b.txt"], { uid: 1000, gid: 1000 }],
    ]);
    expect(execs).toEqual([
      ["evince", "--fullscreen", "/home/app/Inbox/a-1.pdf", "https://example.org/", "/home/app/Inbox/b.txt"],
    ]);
  });

  test("the same name twice in one call: each gets its own", async () => {
    const { deps } = fakes({ files: { "/h/x.txt": "1", "/k/x.txt": "2" } });
    expect((await openInInstance(parseRunTarget("evince#a", false), ["/h/x.txt", "/k/x.txt"], deps)).opened).toEqual([
      "/home/app/Inbox/x.txt",
      "/home/app/Inbox/x-1.txt",
    ]);
  });

  test("nothing to open (a menu entry clicked): the app's command runs again, as a launcher runs it", async () => {
    const { deps, puts, execs } = fakes();
    expect(await openInInstance(parseRunTarget("evince#a", false), [], deps)).toEqual({
      instance: "evince#a",
      opened: [],
    });
    expect(puts).toEqual([]);
    expect(execs).toEqual([["evince", "--fullscreen"]]);
  });

  test("URLs only: nothing is copied", async () => {
    const { deps, puts, execs } = fakes();
    await openInInstance(parseRunTarget("evince#a", false), ["mailto:a@example.org"], deps);
    expect(puts).toEqual([]);
    expect(execs).toEqual([["evince", "--fullscreen", "mailto:a@example.org"]]);
  });
});

describe("openInInstance refuses before anything is copied or started", () => {
  test.each<[string, string[], Record<string, string>, { openMaxBytes?: number }, RegExp]>([
    ["a file: URL", ["/h/a.txt", "file:///etc/shadow"], { "/h/a.txt": "A" }, {}, /file: URLs/],
    ["a missing file after a good one", ["/h/a.txt", "/h/none"], { "/h/a.txt": "A" }, {}, /no such file/],
    [
      "files over the cap together",
      ["/h/a.txt", "/h/b.txt"],
      { "/h/a.txt": "AAA", "/h/b.txt": "BBB" },
      { openMaxBytes: 5 },
      /together come to 6 B; the limit is 5 B/,
    ],
  ])("%s", async (_, args, files, options, message) => {
    const { deps, puts, execs } = fakes({ files });
    expect(openInInstance(parseRunTarget("evince#a", false), args, deps, options)).rejects.toThrow(message);
    expect([puts, execs]).toEqual([[], []]);
  });

  test("a stopped instance with a reserved name is refused before it starts", async () => {
    expect(
      openInInstance(parseRunTarget("evince#tmp-4", false), ["https://example.org/"], fakes().deps),
    ).rejects.toThrow(/disposable instance's name/);
  });
});
