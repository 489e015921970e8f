/** The links and notifications policy where it is set: labels, config.toml, and the container it makes. */
import { describe, expect, test } from "bun:test";
import { DEFAULT_POLICY, parsePolicy } from "../../../../src/core/catalog/policy.ts";
import { parseConfig } from "../../../../src/core/config/config.ts";
import { buildContainerSpec, busSocket, CONTAINER_PATHS } from "../../../../src/core/container/spec.ts";
import { parseInstanceName } from "../../../../src/core/instance/name.ts";

const OPTIONS = { file: "/c/config.toml", home: "/home/u" };

describe("labels", () => {
  test.each([
    [
      { "io.dockercask.links": "disposable:firefox" },
      { links: { kind: "disposable", app: "firefox" }, notifications: true },
    ],
    [
      { "io.dockercask.links": "host", "io.dockercask.notifications": "false" },
      { links: { kind: "host" }, notifications: false },
    ],
    [{}, { links: undefined, notifications: true }],
  ])("%p", (labels, expected) => {
    const result = parsePolicy({ "io.dockercask.command": "app", ...labels });
    expect(result.ok && { links: result.policy.links, notifications: result.policy.notifications }).toEqual(
      expected as never,
    );
  });

  test.each([[{ "io.dockercask.links": "Firefox" }], [{ "io.dockercask.notifications": "yes" }]])(
    "refuses %p",
    (labels) => {
      expect(parsePolicy({ "io.dockercask.command": "app", ...labels }).ok).toBe(false);
    },
  );
});

describe("config.toml", () => {
  test("links, mail and notifications", () => {
    const config = parseConfig(
      `[apps.slack]\nlinks = "firefox#work"\nmail = "thunderbird"\nnotifications = false\n`,
      OPTIONS,
    );
    expect(config.apps.slack).toEqual({
      links: { kind: "instance", instance: "firefox#work" },
      mail: { kind: "instance", instance: "thunderbird" },
      notifications: false,
    });
  });

  test.each([
    ['links = "Nope"', /links in \[defaults\]: must be one of self, host, ask, off/],
    ["links = 3", /must be a string such as "host"/],
    ['notifications = "no"', /must be true or false/],
  ])("refuses %s", (line, message) => {
    expect(() => parseConfig(`[defaults]\n${line}\n`, OPTIONS)).toThrow(message);
  });
});

describe("the container", () => {
  const input = {
    instance: parseInstanceName("slack"),
    policy: { ...DEFAULT_POLICY, command: ["slack"] },
    display: 3,
    clientAuthFile: "/r/xauth.client",
    home: "/h/slack",
    user: { uid: 1000, gid: 1000 },
    supervisor: { pid: 1, start: "1" },
    limits: { memoryBytes: 1 << 30, tmpBytes: 1 << 28, cpuShares: 512 },
  };

  test("with a bridge: its bus socket and the bus address; the shims are the image's, so PATH and $BROWSER stay the image's", () => {
    const spec = buildContainerSpec({ ...input, sockets: [busSocket("/r/bus.sock")] });
    expect(spec.HostConfig?.Binds).toContain(`/r/bus.sock:${CONTAINER_PATHS.busSocket}`);
    expect(spec.Env).toContain(`DBUS_SESSION_BUS_ADDRESS=unix:path=${CONTAINER_PATHS.busSocket}`);
    expect(spec.Env?.filter((e) => /^(PATH|BROWSER)=/.test(e))).toEqual([]);
  });

  test("without one: no bus at all, and never the host's", () => {
    const spec = buildContainerSpec(input);
    expect(JSON.stringify(spec)).not.toMatch(/bus\.sock|DBUS_SESSION_BUS_ADDRESS|\/run\/user\/\d+\/bus/);
  });
});
