import { PORTAL_PATH } from "./bus-config.ts";

/** /org/freedesktop/portal/desktop/request/SENDER/TOKEN, as the portal spec has clients predict it. */
export function requestPath(sender: string, token: unknown, serial: number): string {
  const who = sender
    .replace(/^:/, "")
    .replace(/\./g, "_")
    .replace(/[^A-Za-z0-9_]/g, "_");
  const raw =
    typeof token === "object" && token !== null && "value" in token ? (token as { value: unknown }).value : token;
  const name = typeof raw === "string" && /^[A-Za-z0-9_]{1,64}$/.test(raw) ? raw : `dockercask${serial}`;
  return `${PORTAL_PATH}/request/${who}/${name}`;
}
