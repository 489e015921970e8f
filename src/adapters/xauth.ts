import { chownSync, writeFileSync } from "node:fs";
import { buildXauthMergeArgs, wildcardAuthEntry } from "../core/x11/xauth.ts";
import { runChecked } from "./process.ts";

/**
 * Writes the cookie into a server file (for Xephyr's -auth) and a client file (mounted into
 * the container). Both are created 0600 before xauth fills them, so no other user can ever
 * read them, and the cookie reaches xauth through stdin only.
 */
export async function writeAuthFiles(
  files: { server: string; client: string },
  cookieHex: string,
  clientOwner?: { uid: number; gid: number },
): Promise<void> {
  const entry = wildcardAuthEntry(cookieHex);
  for (const file of [files.server, files.client]) writeFileSync(file, "", { mode: 0o600 });
  await Promise.all(
    [files.server, files.client].map((file) =>
      runChecked(["xauth", ...buildXauthMergeArgs(file)], { stdin: entry, timeoutMs: 5000 }),
    ),
  );
  // When we are root the app runs as an unprivileged uid, which must be able to read its cookie.
  if (clientOwner) chownSync(files.client, clientOwner.uid, clientOwner.gid);
}
