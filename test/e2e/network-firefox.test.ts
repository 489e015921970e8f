/**
 * Real Firefox under `internet` (issue "Network containment"): it loads a page from a test host
 * in a network namespace that `allow` names (the positive control), and the image that page
 * redirects to a service of the host's own is refused, as the net log shows and the service's
 * hit count proves. Runs on the main engine only; network.test.ts carries the attacks to every engine.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Sandbox } from "./helpers.ts";
import { createTestHost, startHostService, type TestHost } from "./netns.ts";
import { createAppSandbox, HOST_DISPLAY, imageStats, type RunningSession, startRun, waitFor } from "./session.ts";

const FIREFOX = "firefox#net";
const MARKER = "DOCKERCASK LAN PAGE";
let box: Sandbox;
let lan: TestHost;
let hostService: ReturnType<typeof startHostService>;
let firefox: RunningSession | undefined;

beforeAll(async () => {
  box = await createAppSandbox("network-firefox", ["firefox"]);
  lan = await createTestHost(MARKER);
  hostService = startHostService();
  const config = join(box.env.XDG_CONFIG_HOME!, "dockercask");
  mkdirSync(config, { recursive: true });
  // Firefox's own recipe says internet; the config adds the test host.
  writeFileSync(join(config, "config.toml"), `[instances."${FIREFOX}"]\nallow = ["${lan.address}:${lan.port}"]\n`);
}, 600_000);

afterAll(async () => {
  await box?.run(["stop", "--all"]);
  await firefox?.exited;
  hostService?.stop();
  await lan?.remove();
  box?.cleanup();
}, 120_000);

describe("real Firefox under internet", () => {
  test("loads a page from the LAN host that allow names; the page's image, redirected to the host's service, is refused", async () => {
    const to = `http://${lan.hostSide}:${hostService.port}/pixel.png`;
    firefox = await startRun(box, FIREFOX, ["--", `http://${lan.address}:${lan.port}/?img=${encodeURIComponent(to)}`]);
    await waitFor("Firefox to fetch the page", () => lan.hits("/") > 0, 90_000);
    const shot = join(box.dir, "firefox-net.png");
    await waitFor(
      "the page to show",
      async () => {
        await Bun.spawn(["import", "-display", HOST_DISPLAY, "-window", "root", shot]).exited;
        // The page is dark red: most of the screen darker than a blank white page or Firefox's error page.
        return (await imageStats(shot)).mean < 0.5;
      },
      60_000,
    );
    // The image's request: the allowed server answers 302, Firefox follows with a new request, refused.
    await waitFor("Firefox to ask for the image", () => lan.hits("/redirect") > 0, 60_000);
    const refused = await waitFor(
      "the redirect's target to be refused",
      async () => {
        const net = JSON.parse((await box.run(["net", FIREFOX, "--json"])).stdout) as {
          entries: { host: string; allowed: boolean; why: string }[];
        };
        return net.entries.find((e) => e.host === lan.hostSide);
      },
      30_000,
    );
    expect(refused).toMatchObject({ allowed: false, why: "the host's own address" });
    expect(hostService.hits()).toBe(0);
  }, 240_000);
});
