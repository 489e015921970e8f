import { describe, expect, test } from "bun:test";
import { parseAddress } from "../../../../src/core/network/address.ts";
import {
  type AllowEntry,
  checkAddress,
  checkAsked,
  combineOnly,
  matchesPattern,
  type NetRules,
  parseAllowEntry,
} from "../../../../src/core/network/rules.ts";

const entries = (...texts: string[]): AllowEntry[] =>
  texts.map((t) => {
    const parsed = parseAllowEntry(t);
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.entry;
  });

describe("parseAllowEntry", () => {
  test.each([
    ["192.168.1.20:631", "cidr", 631],
    ["nas.lan", "pattern", undefined],
    ["nas.lan:443", "pattern", 443],
    ["10.0.0.0/24", "cidr", undefined],
    ["10.0.0.0/24:80", "cidr", 80],
    ["[fd00::1]:443", "cidr", 443],
    ["fd00::/8", "cidr", undefined],
    ["*.lan", "pattern", undefined],
  ])("%s", (text, kind, port) => {
    const parsed = parseAllowEntry(text);
    expect(parsed.ok && [Object.keys(parsed.entry.target)[0], parsed.entry.port]).toEqual([kind, port]);
  });

  test.each([
    ["a port of 0", "nas.lan:0", "port"],
    ["a port too large", "nas.lan:65536", "port"],
    ["a port that is not a number", "nas.lan:http", "port"],
    ["a bad range", "10.0.0.0/40", "range"],
    ["everything", "*", "every private address"],
    ["a wildcard inside a name", "nas.*.lan", "wildcard"],
    ["a name with a space", "my nas", "host name"],
    ["a URL", "http://nas.lan/", "port"],
  ])("refuses %s", (_, text, says) => {
    const parsed = parseAllowEntry(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problem).toContain(says);
  });
});

describe("matchesPattern", () => {
  test.each([
    ["slack.com", "slack.com", true],
    ["slack.com", "a.slack.com", false],
    ["*.slack.com", "a.slack.com", true],
    ["*.slack.com", "a.b.slack.com", true],
    ["*.slack.com", "slack.com", false],
    ["*.slack.com", "evilslack.com", false],
    ["*.slack.com", "slack.com.evil.net", false],
    ["*", "anything.example", true],
    ["10.0.0.1", "10.0.0.1", true],
    ["10.0.0.1", "167772161", true],
    ["10.0.0.1", "10.0.0.2", false],
    ["*.example.com", "10.0.0.1", false],
  ])("%s against %s: %p", (pattern, name, expected) => {
    expect(matchesPattern(pattern, name)).toBe(expected);
  });
});

describe("checkAsked: `only`, on the name the app asked for", () => {
  const rules: NetRules = {
    allow: entries("printer.lan:631", "10.0.0.0/24:80"),
    only: ["*.slack.com", "slack.com", "93.184.216.34"],
  };
  test.each([
    ["a listed name", "app.slack.com", 443, true, "only *.slack.com"],
    ["the bare name", "slack.com", 443, true, "only slack.com"],
    ["another name", "example.com", 443, false, "not in `only`"],
    ["an address it does not list", "8.8.8.8", 443, false, "an address, and `only` does not list it"],
    ["an address it lists", "93.184.216.34", 443, true, "only 93.184.216.34"],
    ["the same address spelled as a number", "1572395042", 443, true, "only 93.184.216.34"],
    ["a name `allow` names", "printer.lan", 631, true, "allow printer.lan:631"],
    ["a name `allow` names, on another port", "printer.lan", 22, false, "not in `only`"],
    ["an address in a range `allow` names", "10.0.0.7", 80, true, "allow 10.0.0.0/24:80"],
    ["an address in that range, on another port", "10.0.0.7", 22, false, "an address, and `only` does not list it"],
  ])("%s", (_, asked, port, allowed, why) => {
    expect(checkAsked(rules, asked, port)).toEqual({ allowed, why } as never);
  });

  test("no `only`: every name may be resolved", () => {
    expect(checkAsked({ allow: [] }, "example.com", 443).allowed).toBe(true);
  });
});

describe("checkAddress: the address about to be connected to", () => {
  const host = ["172.17.0.1", "10.0.2.15", "203.0.114.7"].map((a) => parseAddress(a)!);
  const check = (rules: NetRules, asked: string, address: string, port: number) =>
    checkAddress(rules, asked, parseAddress(address)!, port, host);
  const none: NetRules = { allow: [] };
  test.each([
    ["a public address", none, "example.com", "93.184.216.34", 443, true, "public"],
    [
      "a name that resolved to loopback",
      none,
      "evil.example",
      "127.0.0.1",
      80,
      false,
      "the host's own address (loopback)",
    ],
    ["a name that resolved to the LAN", none, "evil.example", "192.168.1.1", 80, false, "private (RFC 1918)"],
    ["the bridge gateway", none, "172.17.0.1", "172.17.0.1", 80, false, "the host's own address"],
    ["the host's public address", none, "203.0.114.7", "203.0.114.7", 22, false, "the host's own address"],
    ["0.0.0.0 (which reaches the host)", none, "0", "0.0.0.0", 80, false, "the host's own address"],
    ["cloud metadata", none, "169.254.169.254", "169.254.169.254", 80, false, "link-local"],
    [
      "an allowed LAN printer",
      { allow: entries("192.168.1.20:631") },
      "192.168.1.20",
      "192.168.1.20",
      631,
      true,
      "allow 192.168.1.20:631",
    ],
    [
      "the printer on another port",
      { allow: entries("192.168.1.20:631") },
      "192.168.1.20",
      "192.168.1.20",
      22,
      false,
      "private (RFC 1918)",
    ],
    ["an allowed range", { allow: entries("10.0.0.0/24") }, "10.0.0.9", "10.0.0.9", 80, true, "allow 10.0.0.0/24"],
    [
      "a name allow names, resolved to the LAN",
      { allow: entries("nas.lan") },
      "nas.lan",
      "192.168.1.5",
      80,
      true,
      "allow nas.lan",
    ],
    [
      "a range over a host address, no port",
      { allow: entries("10.0.2.0/24") },
      "10.0.2.15",
      "10.0.2.15",
      22,
      false,
      "the host's own address",
    ],
    [
      "a host address with its port",
      { allow: entries("10.0.2.15:8080") },
      "10.0.2.15",
      "10.0.2.15",
      8080,
      true,
      "allow 10.0.2.15:8080",
    ],
    [
      "an allowed name resolved to loopback, no port",
      { allow: entries("nas.lan") },
      "nas.lan",
      "127.0.0.1",
      80,
      false,
      "the host's own address (loopback)",
    ],
    [
      "loopback with its port",
      { allow: entries("127.0.0.1:631") },
      "127.0.0.1",
      "127.0.0.1",
      631,
      true,
      "allow 127.0.0.1:631",
    ],
  ])("%s", (_, rules, asked, address, port, allowed, why) => {
    expect(check(rules, asked, address, port)).toEqual({ allowed, why } as never);
  });
});

describe("combineOnly: the config widens the recipe's list", () => {
  test.each([
    ["neither", undefined, undefined, undefined],
    ["the recipe's alone", ["*.slack.com"], undefined, ["*.slack.com"]],
    ["the config's alone", undefined, ["example.com"], ["example.com"]],
    ["both, together", ["*.slack.com"], ["example.com"], ["*.slack.com", "example.com"]],
    ["`*` lifts it", ["*.slack.com"], ["*"], undefined],
    ["empty lists are none", [], [], undefined],
  ])("%s", (_, recipe, config, expected) => {
    expect(combineOnly(recipe, config)).toEqual(expected as never);
  });
});
