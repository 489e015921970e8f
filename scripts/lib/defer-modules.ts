/**
 * A Bun.build plugin that defers modules dockerode loads eagerly but dockercask needs only on
 * rare paths: ssh2 (a DOCKER_HOST of ssh://), gRPC and protobuf (BuildKit sessions) and tar-fs
 * (building from a folder; we send a tar we made). Evaluating them took 35-55 ms of the one JS
 * thread at every `run`, while Xephyr was booting on the same two cores (docs/benchmarks.md).
 *
 * Each deferred import becomes a proxy that loads the real module on first use, so every path
 * still works, only later. The proxy forwards calls, `new`, property reads and `in`: enough for
 * CommonJS importers that call or read what they required, which all three are. An ESM importer
 * (which lists a module's keys) or a subclass of a deferred export would need more traps. If dockerode changes and a deferral no longer matches, the build fails
 * instead of quietly getting slow again.
 */

import { dirname } from "node:path";
import type { BunPlugin } from "bun";

export interface Deferral {
  /** The import specifier, exactly as written in the importing file. */
  specifier: string;
  /** The importing file, as the end of its path. */
  importer: string;
}

export const DOCKERODE_DEFERRALS: Deferral[] = [
  { specifier: "./ssh", importer: "docker-modem/lib/modem.js" },
  { specifier: "./session", importer: "dockerode/lib/docker.js" },
  { specifier: "tar-fs", importer: "dockerode/lib/util.js" },
];

/** The stand-in module: forwards calls, `new`, property reads and `in` to the real one, loaded once. */
export function proxyModuleSource(realPath: string): string {
  return `let real;
const load = () => (real ??= require(${JSON.stringify(realPath)}));
module.exports = new Proxy(function () {}, {
  apply: (_target, self, args) => Reflect.apply(load(), self, args),
  construct: (_target, args) => Reflect.construct(load(), args),
  get: (_target, key) => load()[key],
  has: (_target, key) => key in load(),
});
`;
}

const STAND_IN = "#deferred";
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

export function deferModules(deferrals: Deferral[]): BunPlugin {
  return {
    name: "dockercask-defer-modules",
    setup(build) {
      const matched = new Set<Deferral>();
      const specifiers = new RegExp(`^(${deferrals.map((d) => escapeRegExp(d.specifier)).join("|")})$`);
      build.onResolve({ filter: specifiers }, (args) => {
        const deferral = deferrals.find(
          (d) =>
            d.specifier === args.path && args.importer.replaceAll("\\", "/").endsWith(`/node_modules/${d.importer}`),
        );
        if (!deferral) return undefined;
        matched.add(deferral);
        // The stand-in gets a path of its own (the bundler knows modules by path alone); the real
        // module is then required by its absolute path, which the filter above never matches.
        return { path: `${Bun.resolveSync(args.path, dirname(args.importer))}${STAND_IN}`, namespace: "deferred" };
      });
      build.onLoad({ filter: /.*/, namespace: "deferred" }, (args) => ({
        loader: "js",
        contents: proxyModuleSource(args.path.slice(0, -STAND_IN.length)),
      }));
      build.onEnd(() => {
        const missed = deferrals.filter((d) => !matched.has(d));
        if (missed.length)
          throw new Error(
            `deferred modules no longer imported as expected (did dockerode change?): ${missed.map((d) => `${d.specifier} from ${d.importer}`).join(", ")}`,
          );
      });
    },
  };
}
