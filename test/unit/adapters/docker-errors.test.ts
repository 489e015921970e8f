import { describe, expect, test } from "bun:test";
import { translateDockerError } from "../../../src/adapters/docker-errors.ts";
import { DockercaskError } from "../../../src/core/errors.ts";

const socket = "/run/podman/podman.sock";
const withCode = (code: string) => Object.assign(new Error(code), { code });

describe("translateDockerError", () => {
  test.each([
    ["EACCES names the socket's group", withCode("EACCES"), /permission/i],
    ["ENOENT says the engine is not reachable", withCode("ENOENT"), new RegExp(socket)],
    ["ECONNREFUSED says the engine is not reachable", withCode("ECONNREFUSED"), new RegExp(socket)],
  ])("%s", (_, raw, message) => {
    const error = translateDockerError(raw, socket);
    expect(error).toBeInstanceOf(DockercaskError);
    expect(`${error.message} ${(error as DockercaskError).hint ?? ""}`).toMatch(message);
  });

  test.each([
    [
      "Podman without catatonit gets the package to install",
      "(HTTP code 500) container create: container-init binary not found on the host: stat /usr/libexec/podman/catatonit: no such file or directory",
      "container create: container-init binary not found on the host: stat /usr/libexec/podman/catatonit: no such file or directory",
      /apt-get install catatonit/,
    ],
    [
      "any other engine message is kept as it is, without a hint",
      "(HTTP code 409) Conflict. The container name is already in use",
      "Conflict. The container name is already in use",
      undefined,
    ],
  ])("%s", (_, raw, kept, hint) => {
    const error = translateDockerError(Object.assign(new Error(raw), { statusCode: 500 }), socket) as DockercaskError;
    expect(error.message).toBe(`Docker API error: ${kept}`);
    if (hint) expect(error.hint).toMatch(hint);
    else expect(error.hint).toBeUndefined();
  });

  test("a DockercaskError passes through untouched", () => {
    const original = new DockercaskError("already ours", { code: "E_DOCKER" });
    expect(translateDockerError(original, socket)).toBe(original);
  });
});
