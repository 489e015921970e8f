/**
 * The Engine API calls a session makes (ping, version, info, image and container inspect,
 * create, start, wait, remove, list), on Bun's own `fetch` over the engine's unix socket.
 *
 * Why not dockerode here: the supervisor stays up as long as its app, and what it has loaded
 * stays in its memory. dockerode (docker-modem, `node:http`, node streams) made an idle
 * supervisor 12 MB bigger than these same calls on `fetch` (docs/benchmarks.md, "Where a
 * supervisor's memory goes"). dockerode is still loaded, on first use, for what is rare or
 * heavy: builds, logs, exec, copying files in, and an engine that is not a unix socket.
 */

import type { identifyEngine } from "../core/container/engine.ts";

type EngineFacts = Parameters<typeof identifyEngine>[0];

/** One call: a path and query, a JSON body for a POST. */
export interface EngineCall {
  method: "GET" | "POST" | "DELETE";
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
}

export interface EngineOps {
  ping(): Promise<void>;
  /** The /_ping answer's headers, lower-cased (where Podman names itself). */
  pingHeaders(): Promise<Record<string, string>>;
  version(): Promise<EngineFacts["version"]>;
  info(): Promise<EngineFacts["info"]>;
  inspectImage(
    name: string,
  ): Promise<{ Id: string; Created: string; Config?: { Labels?: Record<string, string> | null } }>;
  createContainer(spec: { name?: string; platform?: string } & Record<string, unknown>): Promise<string>;
  inspectContainer(id: string): Promise<{ State?: { OOMKilled?: boolean } }>;
  startContainer(id: string): Promise<void>;
  /**
   * Waits for the container's next exit. `accepted` settles once the engine has the request
   * (so a start after it cannot be missed); `exited` when the container exits.
   */
  waitContainer(id: string): { accepted: Promise<void>; exited: Promise<{ StatusCode?: number }> };
  removeContainer(id: string): Promise<void>;
  listContainers(
    label: string,
  ): Promise<{ Id: string; Names: string[]; Labels?: Record<string, string>; State: string; Created: number }[]>;
}

/** An answer that is not 2xx: `statusCode` as docker-modem's errors have it, so one translation serves both. */
export class EngineHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(`(HTTP code ${statusCode}) ${message}`);
    this.name = "EngineHttpError";
  }
}

/** The query string docker-modem would send: objects (filters) as JSON, unset keys left out. */
export function engineQuery(query: Record<string, unknown> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.set(key, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

const name = encodeURIComponent;

export function createEngineOps(socket: string): EngineOps {
  const send = (call: EngineCall, options: { unbounded?: boolean } = {}) =>
    fetch(`http://engine${call.path}${engineQuery(call.query)}`, {
      method: call.method,
      unix: socket,
      ...(call.body === undefined
        ? {}
        : { body: JSON.stringify(call.body), headers: { "Content-Type": "application/json" } }),
      // A wait lasts as long as the app runs; Bun's default idle timeout (5 min) would end it.
      ...(options.unbounded ? { timeout: false } : {}),
    } as RequestInit);
  const answer = async <T>(response: Response): Promise<T> => {
    const text = await response.text();
    if (!response.ok) throw new EngineHttpError(response.status, errorMessage(text) || response.statusText);
    // /_ping answers "OK" as text/plain; everything else asked here is JSON.
    const json = (response.headers.get("content-type") ?? "").includes("json");
    return (json && text ? JSON.parse(text) : text) as T;
  };
  const call = async <T>(c: EngineCall) => answer<T>(await send(c));
  return {
    ping: async () => void (await call({ method: "GET", path: "/_ping" })),
    pingHeaders: async () => {
      const response = await send({ method: "GET", path: "/_ping" });
      await response.arrayBuffer();
      return Object.fromEntries([...response.headers].map(([k, v]) => [k.toLowerCase(), v]));
    },
    version: () => call({ method: "GET", path: "/version" }),
    info: () => call({ method: "GET", path: "/info" }),
    inspectImage: (image) => call({ method: "GET", path: `/images/${name(image)}/json` }),
    createContainer: async (spec) => {
      // As docker-modem sends it: the name (and platform) in the query, the whole spec as the body.
      const created = await call<{ Id: string }>({
        method: "POST",
        path: "/containers/create",
        query: { name: spec.name, platform: spec.platform },
        body: spec,
      });
      return created.Id;
    },
    inspectContainer: (id) => call({ method: "GET", path: `/containers/${name(id)}/json` }),
    startContainer: async (id) => void (await call({ method: "POST", path: `/containers/${name(id)}/start` })),
    waitContainer: (id) => {
      // The engine answers the headers at once and the body at the exit.
      const response = send(
        { method: "POST", path: `/containers/${name(id)}/wait`, query: { condition: "next-exit" } },
        { unbounded: true },
      );
      return {
        accepted: response.then(() => undefined),
        exited: response.then((r) => answer<{ StatusCode?: number }>(r)),
      };
    },
    removeContainer: async (id) =>
      void (await call({ method: "DELETE", path: `/containers/${name(id)}`, query: { force: true, v: true } })),
    listContainers: (label) =>
      call({ method: "GET", path: "/containers/json", query: { all: true, filters: { label: [label] } } }),
  };
}

function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed?.message === "string") return parsed.message;
  } catch {
    // Not JSON: the text as it came.
  }
  return text.trim();
}
