import { describe, expect, test } from "bun:test";
import { buildBusConfig, escapeAddressValue } from "../../../../src/core/desktop-bus/bus-config.ts";

describe("buildBusConfig", () => {
  const config = buildBusConfig("/run/user/1000/dockercask/firefox#work/bus.sock");
  test.each([
    [
      "listens only on the instance's socket, escaped",
      "<listen>unix:path=/run/user/1000/dockercask/firefox%23work/bus.sock</listen>",
    ],
    ["denies every call by default", '<deny send_type="method_call"/>'],
    ["denies eavesdropping", '<deny eavesdrop="true"/>'],
    [
      "allows OpenURI",
      'send_destination="org.freedesktop.portal.Desktop" send_interface="org.freedesktop.portal.OpenURI" send_member="OpenURI"',
    ],
    [
      "allows SchemeSupported (Firefox asks it first)",
      'send_interface="org.freedesktop.portal.OpenURI" send_member="SchemeSupported"',
    ],
    ["allows Notify", 'send_interface="org.freedesktop.Notifications" send_member="Notify"'],
    ["allows OpenFile", 'send_interface="org.freedesktop.portal.FileChooser" send_member="OpenFile"'],
    ["allows SaveFile", 'send_interface="org.freedesktop.portal.FileChooser" send_member="SaveFile"'],
    ["allows closing a request", 'send_interface="org.freedesktop.portal.Request" send_member="Close"'],
    ["caps a message", '<limit name="max_message_size">131072</limit>'],
    // GDBus asks StartServiceByName even of an owned name; with no service directories (below) nothing can start.
    ["answers StartServiceByName for an owned name", '<limit name="max_pending_service_starts">1</limit>'],
    ["passes no file descriptors", '<limit name="max_message_unix_fds">0</limit>'],
  ])("%s", (_, line) => {
    expect(config).toContain(line);
  });

  test.each([
    ["<servicedir"],
    ["standard_session_servicedirs"],
    ["org.freedesktop.DBus.Monitoring"],
    ['send_destination="*"'],
  ])("has no %s", (text) => {
    expect(config).not.toContain(text);
  });

  test("escapes what an address may not hold", () => {
    expect(escapeAddressValue("/a b,c;d#é")).toBe("/a%20b%2cc%3bd%23%c3%a9");
  });
});
