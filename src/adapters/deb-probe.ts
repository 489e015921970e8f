import { Writable } from "node:stream";
import { BASE_APP } from "../core/catalog/catalog.ts";
import { MAX_PROBE_OUTPUT, PROBE_TIMEOUT_MS, probeContainerSpec } from "../core/deb/probe.ts";
import { DockercaskError } from "../core/errors.ts";
import { imageName } from "../core/instance/name.ts";
import { withTimeout } from "../core/with-timeout.ts";
import type { ContainerClient } from "../ports/container-client.ts";

/**
 * Runs the Debian probe (core/deb/probe.ts) in a throwaway container of the base image and
 * resolves what it printed, at most MAX_PROBE_OUTPUT bytes. The container is removed however
 * the probe ends.
 */
export function createDebProbe(connect: () => Promise<ContainerClient>): (pkg: string) => Promise<string> {
  return async (pkg) => {
    const docker = await connect();
    const running = await docker.runContainer(
      probeContainerSpec(pkg, imageName(BASE_APP)) as Parameters<ContainerClient["runContainer"]>[0],
    );
    try {
      const code = await withTimeout(
        running.exited,
        PROBE_TIMEOUT_MS,
        () =>
          new DockercaskError(`reading the Debian package ${pkg} took more than ${PROBE_TIMEOUT_MS / 60000} minutes`, {
            code: "E_DEB",
            hint: "Is the package mirror slow or out of reach? Try again later.",
          }),
      );
      const stdout = cappedSink();
      const stderr = cappedSink();
      await docker.streamLogs(running.id, { follow: false, stdout: stdout.stream, stderr: stderr.stream });
      if (code !== 0)
        throw new DockercaskError(`reading the Debian package ${pkg} failed (exit ${code})`, {
          code: "E_DEB",
          hint: stderr.text().trim().split("\n").slice(-3).join(" ") || "Run again with --verbose.",
        });
      if (stdout.size() > MAX_PROBE_OUTPUT)
        throw new DockercaskError(`reading the Debian package ${pkg} gave more than ${MAX_PROBE_OUTPUT >> 20} MiB`, {
          code: "E_DEB",
          hint: "No package's metadata is that large: write its recipe by hand (docs/apps.md).",
        });
      return stdout.text();
    } finally {
      await docker.removeContainer(running.id).catch(() => {});
    }
  };
}

function cappedSink() {
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (size < MAX_PROBE_OUTPUT) chunks.push(chunk.subarray(0, MAX_PROBE_OUTPUT - size));
      size += chunk.length;
      done();
    },
  });
  return { stream, size: () => size, text: () => Buffer.concat(chunks).toString("utf8") };
}
