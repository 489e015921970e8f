import { describe, expect, test } from "bun:test";
import { type NetEntry, parseNetLogSnapshot } from "../../../../src/core/network/net-log.ts";
import { changedSince, formatNetwork, netRow } from "../../../../src/core/network/net-table.ts";

const entry = (over: Partial<NetEntry>): NetEntry => ({
  host: "example.com",
  port: 443,
  address: "93.184.216.34",
  allowed: true,
  why: "public",
  connections: 1,
  sent: 100,
  received: 2048,
  last: 10_000,
  ...over,
});

describe("netRow", () => {
  test.each([
    [
      "allowed, by name",
      entry({}),
      ["example.com:443", "93.184.216.34", "allowed", "public", "1", "100 B", "2 KiB", "5s ago"],
    ],
    [
      "refused: no bytes",
      entry({ host: "10.0.0.1", address: "10.0.0.1", allowed: false, why: "private (RFC 1918)" }),
      ["10.0.0.1:443", "-", "refused", "private (RFC 1918)", "1", "-", "-", "5s ago"],
    ],
    ["IPv6 in brackets", entry({ host: "::1", address: "::1" }), ["[::1]:443", "-"]],
  ])("%s", (_, e, expected) => {
    expect(netRow(e, 15_000).slice(0, expected.length)).toEqual(expected);
  });
});

describe("changedSince: what --follow prints", () => {
  test("new and changed destinations, oldest first; unchanged ones not again", () => {
    const a = entry({ host: "a.example" });
    const b = entry({ host: "b.example" });
    const before = [b, a];
    const after = [entry({ host: "c.example" }), { ...b, received: 9999 }, a];
    expect(changedSince(before, after).map((e) => e.host)).toEqual(["b.example", "c.example"]);
  });
});

describe("formatNetwork: ps's NETWORK cell", () => {
  test.each([
    [{ mode: "none", allow: [] }, "none"],
    [{ mode: "internet", allow: [] }, "internet"],
    [
      { mode: "internet", allow: ["nas.lan"], only: ["*.slack.com", "slack.com"] },
      "internet, only *.slack.com slack.com, allow nas.lan",
    ],
  ])("%j", (network, expected) => {
    expect(formatNetwork(network)).toBe(expected);
  });
});

describe("parseNetLogSnapshot", () => {
  test("reads what the supervisor writes", () => {
    const snapshot = { instance: "x", written: 1, entries: [entry({})] };
    expect(parseNetLogSnapshot(JSON.stringify(snapshot))).toEqual(snapshot);
  });

  test.each([
    ["not JSON", "{"],
    ["no entries", '{"instance":"x","written":1}'],
    ["an entry with a negative count", JSON.stringify({ instance: "x", written: 1, entries: [entry({ sent: -1 })] })],
    [
      "an entry with a host that is not a string",
      JSON.stringify({ instance: "x", written: 1, entries: [{ ...entry({}), host: 1 }] }),
    ],
  ])("refuses %s", (_, text) => {
    expect(parseNetLogSnapshot(text)).toBeUndefined();
  });
});
