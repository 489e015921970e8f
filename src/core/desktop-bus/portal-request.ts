import { PORTAL_PATH } from "./bus-config.ts";

/**
 * An entry of a portal call's `a{sv}` options, as dbus-next gives it (`{ signature, value }`);
 * a plain value is taken as it is, and options that are not a dict have none.
 */
export function optionValue(options: unknown, key: string): unknown {
  const value = options && typeof options === "object" ? (options as Record<string, unknown>)[key] : undefined;
  return value && typeof value === "object" && "value" in value ? (value as { value: unknown }).value : value;
}

/**
 * /org/freedesktop/portal/desktop/request/SENDER/TOKEN, as the portal spec has clients predict
 * it from the `handle_token` of their options; ours (`dockercask<serial>`) when they gave none
 * that is one.
 */
export function requestPath(sender: string, options: unknown, serial: number): string {
  const who = sender
    .replace(/^:/, "")
    .replace(/\./g, "_")
    .replace(/[^A-Za-z0-9_]/g, "_");
  const token = optionValue(options, "handle_token");
  const name = typeof token === "string" && /^[A-Za-z0-9_]{1,64}$/.test(token) ? token : `dockercask${serial}`;
  return `${PORTAL_PATH}/request/${who}/${name}`;
}
