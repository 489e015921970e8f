import { expect, test } from "bun:test";
import {
  ENGINE_NAMES,
  engineFlags,
  listEngines,
  ROOTFUL_ENGINES,
} from "../../../../src/core/container/engine-names.ts";

test.each<[readonly string[], string, string]>([
  [[], "", ""],
  [["docker"], "docker", "--engine docker"],
  [ROOTFUL_ENGINES, "docker or podman", "--engine docker or --engine podman"],
  [
    ENGINE_NAMES,
    "docker, docker-rootless, podman or podman-rootless",
    "--engine docker, --engine docker-rootless, --engine podman or --engine podman-rootless",
  ],
])("%p: %p, %p", (names, listed, flags) => {
  expect(listEngines(names)).toBe(listed);
  expect(engineFlags(names)).toBe(flags);
});
