import { describe, expect, test } from "bun:test";
import type { ContainerCreateOptions } from "dockerode";
import type { EngineIdentity } from "../../../../src/core/container/engine.ts";
import { adaptSpecToEngine } from "../../../../src/core/container/engine-spec.ts";

const SPEC: ContainerCreateOptions = {
  User: "1000:1000",
  HostConfig: { CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges", 'seccomp={"defaultAction":"SCMP_ACT_ERRNO"}'] },
};
const engine = (kind: "docker" | "podman", rootless: boolean): EngineIdentity => ({
  kind,
  version: "1",
  rootless,
  cgroupVersion: "2",
});
const options = { host: { uid: 1000, gid: 1000 }, seccompFile: "/run/user/1000/dockercask/x/seccomp.json" };

describe("adaptSpecToEngine", () => {
  test.each<[string, EngineIdentity, string, string | undefined, string]>([
    [
      "rootful Docker: as built",
      engine("docker", false),
      "1000:1000",
      undefined,
      'seccomp={"defaultAction":"SCMP_ACT_ERRNO"}',
    ],
    [
      "rootful Podman: the profile as a file",
      engine("podman", false),
      "1000:1000",
      undefined,
      `seccomp=${options.seccompFile}`,
    ],
    [
      "rootless Podman: keep-id, the host user inside",
      engine("podman", true),
      "1000:1000",
      "keep-id",
      `seccomp=${options.seccompFile}`,
    ],
    [
      "rootless Docker: uid 0 of its namespace, which is the host user",
      engine("docker", true),
      "0:0",
      undefined,
      'seccomp={"defaultAction":"SCMP_ACT_ERRNO"}',
    ],
  ])("%s", (_, e, user, userns, seccomp) => {
    const { spec, files } = adaptSpecToEngine(SPEC, e, options);
    expect(spec.User).toBe(user);
    expect(spec.HostConfig?.UsernsMode).toBe(userns);
    expect(spec.HostConfig?.SecurityOpt).toEqual(["no-new-privileges", seccomp]);
    expect(spec.HostConfig?.CapDrop).toEqual(["ALL"]);
    expect(files).toEqual(
      e.kind === "podman" ? [{ path: options.seccompFile, content: '{"defaultAction":"SCMP_ACT_ERRNO"}' }] : [],
    );
    // The input is not changed.
    expect(SPEC.HostConfig?.SecurityOpt?.[1]).toStartWith("seccomp={");
  });
});
