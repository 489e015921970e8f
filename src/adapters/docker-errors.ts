/**
 * What the engine's errors mean to a user: a socket that is not there or not ours becomes an
 * error with a hint, an engine message whose fix is on the host gets one too, and the two
 * engine answers the client treats as success are recognised here.
 */
import { DockercaskError, DockerPermissionError, DockerUnreachableError, messageOf } from "../core/errors.ts";

/** A container the engine could not stop because it was being killed already: gone, as asked. */
export function stoppedWhileKilled(error: unknown): boolean {
  return statusOf(error) === 500 && /could not be stopped.*state improper/s.test(messageOf(error));
}

/** The HTTP status of an engine error, when it has one. */
export function statusOf(error: unknown): number | undefined {
  return typeof error === "object" && error && "statusCode" in error
    ? Number((error as { statusCode: unknown }).statusCode)
    : undefined;
}

/** Maps socket-level failures to errors with hints; anything else keeps Docker's own message. */
export function translateDockerError(error: unknown, socket: string): Error {
  if (error instanceof DockercaskError) return error;
  const code = typeof error === "object" && error && "code" in error ? String((error as { code: unknown }).code) : "";
  if (code === "EACCES" || code === "EPERM") return new DockerPermissionError(socket, error);
  if (code === "ECONNREFUSED" || code === "ENOENT" || code === "ECONNRESET" || code === "ENOTSOCK") {
    return new DockerUnreachableError(socket, error);
  }
  const message = messageOf(error).replace(/^\(HTTP code \d+\)\s*/, "");
  return new DockercaskError(`Docker API error: ${message}`, {
    code: "E_DOCKER",
    cause: error,
    hint: hintFor(message),
  });
}

/** Engine messages whose fix is on the host, not in dockercask. */
function hintFor(message: string): string | undefined {
  // Every container gets an init as pid 1 (it reaps the app's orphans); Podman's is catatonit,
  // which Debian's podman only recommends.
  if (/container-init binary not found/.test(message))
    return "Podman starts its init (catatonit) as the container's first process, and it is not installed: sudo apt-get install catatonit";
  return undefined;
}
