import { expect, test } from "bun:test";
import { resolvePaths } from "../../../../src/core/config/paths.ts";

test.each([
  [{ HOME: "/home/u" }, "/home/u/.config/dockercask", "/home/u/.local/share/dockercask"],
  [{ HOME: "/home/u", XDG_CONFIG_HOME: "/c", XDG_DATA_HOME: "/d" }, "/c/dockercask", "/d/dockercask"],
  // Relative XDG values are invalid per the spec and ignored.
  [
    { HOME: "/home/u", XDG_CONFIG_HOME: "rel", XDG_DATA_HOME: "" },
    "/home/u/.config/dockercask",
    "/home/u/.local/share/dockercask",
  ],
])("resolvePaths(%p)", (env, config, data) => {
  const paths = resolvePaths(env);
  expect(paths.config).toBe(config);
  expect(paths.data).toBe(data);
  expect(paths.userApps).toBe(`${config}/apps`);
  expect(paths.homes).toBe(`${data}/homes`);
});
