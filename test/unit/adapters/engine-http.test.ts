/**
 * The session's Engine API calls on fetch, against a stand-in engine on a real unix socket:
 * the requests are the ones docker-modem sent, errors carry the engine's status and message,
 * and a wait outlives its headers until the container exits.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngineOps, EngineHttpError, engineQuery } from "../../../src/adapters/engine-http.ts";

let dir: string | undefined;
let server: ReturnType<typeof Bun.serve> | undefined;
afterEach(() => {
  server?.stop(true);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function engine(handler: (request: Request, url: URL) => Response | Promise<Response>) {
  dir = mkdtempSync(join(tmpdir(), "dockercask-engine-"));
  const socket = join(dir, "engine.sock");
  const seen: { method: string; path: string; query: string; body: string }[] = [];
  server = Bun.serve({
    unix: socket,
    async fetch(request) {
      const url = new URL(request.url);
      seen.push({ method: request.method, path: url.pathname, query: url.search, body: await request.clone().text() });
      return handler(request, url);
    },
  });
  return { ops: createEngineOps(socket), seen };
}

const json = (value: unknown, status = 200) => Response.json(value, { status });

test.each([
  [{}, ""],
  [{ force: true, v: true }, "?force=true&v=true"],
  [{ name: "dockercask-xeyes", platform: undefined }, "?name=dockercask-xeyes"],
  [
    { all: true, filters: { label: ["io.dockercask.instance"] } },
    `?all=true&filters=${encodeURIComponent('{"label":["io.dockercask.instance"]}')}`,
  ],
])("engineQuery(%j) is %s", (query, expected) => {
  expect(engineQuery(query)).toBe(expected);
});

test("create sends the name in the query and the whole spec as JSON, as docker-modem did", async () => {
  const { ops, seen } = engine(() => json({ Id: "abc" }, 201));
  const spec = { name: "dockercask-xeyes-a", Image: "dockercask/xeyes", HostConfig: { CapDrop: ["ALL"] } };
  expect(await ops.createContainer(spec)).toBe("abc");
  expect(seen[0]!.method).toBe("POST");
  expect(seen[0]!.path).toBe("/containers/create");
  expect(seen[0]!.query).toBe("?name=dockercask-xeyes-a");
  expect(JSON.parse(seen[0]!.body)).toEqual(spec);
});

test("a refusal carries the engine's status and message; ping takes the plain-text OK", async () => {
  const { ops } = engine((_, url) =>
    url.pathname === "/_ping" ? new Response("OK") : json({ message: "No such container: nope" }, 404),
  );
  await ops.ping();
  const error = await ops.inspectContainer("nope").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EngineHttpError);
  expect((error as EngineHttpError).statusCode).toBe(404);
  expect((error as Error).message).toBe("(HTTP code 404) No such container: nope");
});

test("a wait is accepted at its headers and ends only when the engine says the container exited", async () => {
  let exit: (code: number) => void = () => {};
  const { ops, seen } = engine(() => {
    const body = new ReadableStream({
      start(controller) {
        // The engine sends its headers at once (the wait is registered), the status at the exit.
        controller.enqueue(new TextEncoder().encode(" "));
        exit = (code) => {
          controller.enqueue(new TextEncoder().encode(JSON.stringify({ StatusCode: code })));
          controller.close();
        };
      },
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  });
  const waiting = ops.waitContainer("abc");
  let exited = false;
  void waiting.exited.then(() => (exited = true));
  await waiting.accepted;
  expect(seen[0]!.path).toBe("/containers/abc/wait");
  expect(seen[0]!.query).toBe("?condition=next-exit");
  await Bun.sleep(20);
  expect(exited).toBe(false);
  exit(3);
  expect(await waiting.exited).toEqual({ StatusCode: 3 });
});

test("remove asks for the container and its anonymous volumes, forced", async () => {
  const { ops, seen } = engine(() => new Response(null, { status: 204 }));
  await ops.removeContainer("abc");
  expect(seen[0]).toMatchObject({ method: "DELETE", path: "/containers/abc", query: "?force=true&v=true" });
});
