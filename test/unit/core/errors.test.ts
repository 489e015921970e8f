import { describe, expect, test } from "bun:test";
import {
  AlreadyRunningError,
  ClipError,
  ConfigError,
  ConfirmationRequiredError,
  DisplayUnsetError,
  DockercaskError,
  DockerPermissionError,
  DockerUnreachableError,
  EngineCannotApplyError,
  ImageBuildError,
  InvalidInstanceNameError,
  InvalidPolicyError,
  MissingToolError,
  NotRunningError,
  SharedFolderError,
  UnknownAppError,
  UnknownInstanceError,
  UnsafePathError,
  UsageError,
} from "../../../src/core/errors.ts";
import { HOST_TOOLS } from "../../../src/core/host-tools.ts";

// Scripts and users match on the codes, and the exit code is what a shell sees: both are pinned.
describe("each error a user meets keeps its code and exit code", () => {
  const problem = { setting: "pids limit", wanted: "512", got: "none" };
  test.each<[string, number, DockercaskError]>([
    ["E_USAGE", 2, new UsageError("x")],
    ["E_INSTANCE_NAME", 2, new InvalidInstanceNameError("Fire#", "x")],
    ["E_UNKNOWN_APP", 2, new UnknownAppError("firefx", "firefox")],
    ["E_UNKNOWN_INSTANCE", 1, new UnknownInstanceError("firefox#work")],
    ["E_POLICY", 1, new InvalidPolicyError("firefox", ["x"])],
    ["E_CONFIG", 2, new ConfigError("config.toml", [{ problem: "x" }])],
    ["E_BUILD", 1, new ImageBuildError("firefox", "x", undefined, [])],
    ["E_DOCKER_DOWN", 1, new DockerUnreachableError("/run/docker.sock")],
    ["E_DOCKER_PERMISSION", 1, new DockerPermissionError("/run/docker.sock")],
    ["E_MISSING_TOOL", 1, new MissingToolError(HOST_TOOLS[0])],
    ["E_CONFIRM", 2, new ConfirmationRequiredError("remove")],
    ["E_UNSAFE_PATH", 1, new UnsafePathError("/", "x")],
    ["E_RUNNING", 1, new AlreadyRunningError("firefox", { pid: 1 }, false)],
    ["E_NO_DISPLAY", 1, new DisplayUnsetError()],
    ["E_NOT_RUNNING", 1, new NotRunningError("firefox")],
    ["E_CLIP", 1, new ClipError("x")],
    ["E_SHARED", 1, new SharedFolderError("x")],
    ["E_ENGINE_WEAKER", 1, new EngineCannotApplyError("podman", [problem])],
  ])("%s, exit code %d", (code, exitCode, error) => {
    expect([error.code, error.exitCode, error.name]).toEqual([code, exitCode, error.constructor.name]);
  });
});

describe("an engine that cannot apply the spec names the engines to use instead", () => {
  const problem = { setting: "pids limit", wanted: "512", got: "none" };
  test.each([
    ["any engine", {}, "Use an engine that applies it (--engine docker, docker-rootless, podman or podman-rootless)"],
    ["a rootful one on cgroup v1", { cgroupV1: true }, "or use a rootful engine (--engine docker or --engine podman)."],
  ])("%s", (_case, options, hint) => {
    expect(new EngineCannotApplyError("rootless Podman 5", [problem], options).hint).toContain(hint);
  });
});

test("a code that errors.ts does not list is a type error", () => {
  // tsc (a counted check of `npm test`) fails if this line ever type-checks: the code would be
  // free text again, and a typo in one would reach the scripts that match on it.
  // @ts-expect-error "E_NOT_LISTED" is not an ErrorCode
  const error = new DockercaskError("x", { code: "E_NOT_LISTED" });
  expect(error).toBeInstanceOf(Error);
});
