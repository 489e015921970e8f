import { describe, expect, test } from "bun:test";
import { createNetLog, formatDestination, MAX_ENTRIES, MAX_SAID } from "../../../../src/core/network/net-log.ts";

const refused = (host: string, port = 80) => ({ host, port, address: "10.0.0.1", allowed: false, why: "private" });
const allowed = (host: string, port = 443) => ({ host, port, address: "93.184.216.34", allowed: true, why: "public" });

describe("the net log", () => {
  test("a refused destination is said once, whatever the number of tries", () => {
    const log = createNetLog(() => 0, "firefox#work");
    const lines = Array.from({ length: 50 }, () => log.record(refused("nas.lan")));
    expect(lines.filter(Boolean)).toEqual(["network: refused nas.lan:80 (10.0.0.1): private"]);
    expect(log.entries()[0]!.connections).toBe(50);
  });

  test("allowed connections are never said", () => {
    const log = createNetLog(() => 0, "x");
    expect(log.record(allowed("example.com"))).toBeUndefined();
  });

  test(`after ${MAX_SAID} refused destinations one line says where the rest are, then nothing more`, () => {
    const log = createNetLog(() => 0, "firefox#work");
    const lines = Array.from({ length: 1000 }, (_, i) => log.record(refused(`h${i}.lan`))).filter(Boolean);
    expect(lines).toHaveLength(MAX_SAID + 1);
    expect(lines.at(-1)).toBe(
      "network: more refusals are not shown here; `dockercask net firefox#work` lists them all",
    );
  });

  test(`keeps at most ${MAX_ENTRIES} destinations, the most recent`, () => {
    let clock = 0;
    const log = createNetLog(() => clock++, "x");
    for (let i = 0; i < MAX_ENTRIES + 10; i++) log.record(allowed(`h${i}.example`));
    log.record(allowed("h10.example"));
    const entries = log.entries();
    expect(entries).toHaveLength(MAX_ENTRIES);
    expect(entries[0]!.host).toBe("h10.example");
    expect(entries.map((e) => e.host)).not.toContain("h0.example");
  });

  test("bytes add up per destination", () => {
    const log = createNetLog(() => 0, "x");
    log.record(allowed("example.com"));
    log.record(allowed("example.com"));
    log.carried("example.com", 443, 100, 2000);
    log.carried("example.com", 443, 10, 20);
    log.carried("unknown.example", 443, 1, 1);
    expect(log.entries()).toEqual([
      expect.objectContaining({ host: "example.com", connections: 2, sent: 110, received: 2020 }),
    ]);
  });

  test.each([
    ["example.com", 443, "example.com:443"],
    ["::1", 22, "[::1]:22"],
  ])("formatDestination(%s, %i)", (host, port, expected) => {
    expect(formatDestination(host, port)).toBe(expected);
  });
});
