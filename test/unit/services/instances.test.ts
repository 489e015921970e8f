import { describe, expect, test } from "bun:test";
import { createCatalog } from "../../../src/core/catalog/catalog.ts";
import {
  ConfirmationRequiredError,
  InvalidInstanceNameError,
  UnknownAppError,
  UnknownInstanceError,
} from "../../../src/core/errors.ts";
import type { InstanceName } from "../../../src/core/instance/name.ts";
import type { InstanceRecord, InstanceStore } from "../../../src/ports/instance-store.ts";
import { addInstance, removeInstance } from "../../../src/services/instances.ts";

const catalog = createCatalog({
  base: { Dockerfile: "FROM debian\n" },
  xeyes: { Dockerfile: 'FROM dockercask/base\nLABEL io.dockercask.command="xeyes"\n' },
});

/** An in-memory store that records every call, so tests can assert "nothing was written". */
function createFakeStore() {
  const records = new Map<string, InstanceRecord>();
  const calls: string[] = [];
  const store: InstanceStore = {
    homePath: (n) => `/homes/${n.full}`,
    get: (n) => records.get(n.full),
    list: () => [...records.values()],
    register(n: InstanceName) {
      calls.push(`register ${n.full}`);
      const record = { name: n, createdAt: new Date(), home: `/homes/${n.full}` };
      records.set(n.full, record);
      return record;
    },
    unregister(n) {
      calls.push(`unregister ${n.full}`);
      records.delete(n.full);
    },
    purgeHome(n) {
      calls.push(`purge ${n.full}`);
    },
  };
  return { store, calls };
}

const noImage = async () => {};

describe("addInstance", () => {
  test("registers once; adding again is a no-op", async () => {
    const { store, calls } = createFakeStore();
    expect((await addInstance("xeyes#1", { catalog, store, prepareImage: noImage })).created).toBe(true);
    expect((await addInstance("xeyes#1", { catalog, store, prepareImage: noImage })).created).toBe(false);
    expect(calls).toEqual(["register xeyes#1"]);
  });

  test.each([
    ["xeyes#1#2", InvalidInstanceNameError],
    ["../x", InvalidInstanceNameError],
    ["xeyse", UnknownAppError],
    ["base", Error],
  ])("%p writes nothing and builds nothing", async (input, kind) => {
    const { store, calls } = createFakeStore();
    const built: string[] = [];
    await expect(
      addInstance(input, { catalog, store, prepareImage: async (a) => void built.push(a) }),
    ).rejects.toBeInstanceOf(kind);
    expect(calls).toEqual([]);
    expect(built).toEqual([]);
  });

  test("a failed image build writes nothing", async () => {
    const { store, calls } = createFakeStore();
    const failing = async () => Promise.reject(new Error("build failed"));
    await expect(addInstance("xeyes", { catalog, store, prepareImage: failing })).rejects.toThrow("build failed");
    expect(calls).toEqual([]);
  });
});

describe("removeInstance", () => {
  const added = async () => {
    const fake = createFakeStore();
    await addInstance("xeyes#a", { catalog, store: fake.store, prepareImage: noImage });
    fake.calls.length = 0;
    return fake;
  };

  test("keeps the home by default", async () => {
    const { store, calls } = await added();
    expect((await removeInstance("xeyes#a", { catalog, store }, { purge: false, yes: false })).purged).toBe(false);
    expect(calls).toEqual(["unregister xeyes#a"]);
  });

  test("--purge --yes deletes the home, then unregisters", async () => {
    const { store, calls } = await added();
    await removeInstance("xeyes#a", { catalog, store }, { purge: true, yes: true });
    expect(calls).toEqual(["purge xeyes#a", "unregister xeyes#a"]);
  });

  test.each([
    ["no terminal and no --yes", undefined, ConfirmationRequiredError],
    ["the user says no", async () => false, Error],
  ])("--purge with %s deletes nothing", async (_, confirm, kind) => {
    const { store, calls } = await added();
    await expect(
      removeInstance("xeyes#a", { catalog, store }, { purge: true, yes: false, confirm }),
    ).rejects.toBeInstanceOf(kind);
    expect(calls).toEqual([]);
  });

  test("the user says yes", async () => {
    const { store, calls } = await added();
    await removeInstance("xeyes#a", { catalog, store }, { purge: true, yes: false, confirm: async () => true });
    expect(calls).toEqual(["purge xeyes#a", "unregister xeyes#a"]);
  });

  test("an unknown instance is an error", async () => {
    const { store } = createFakeStore();
    await expect(removeInstance("xeyes#zz", { catalog, store }, { purge: false, yes: false })).rejects.toBeInstanceOf(
      UnknownInstanceError,
    );
  });
});
