import { describe, expect, test } from "bun:test";
import { formatAddress, nonPublicReason, parseAddress, parseCidr } from "../../../../src/core/network/address.ts";

describe("parseAddress: every spelling a resolver reads as a number", () => {
  test.each([
    ["127.0.0.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["0x7f000001", "127.0.0.1"],
    ["0X7F000001", "127.0.0.1"],
    ["017700000001", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0x7f.0.0.1", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["127.0.1", "127.0.0.1"],
    ["10.65535", "10.0.255.255"],
    ["192.168.0x1.01", "192.168.1.1"],
    ["0", "0.0.0.0"],
    ["00", "0.0.0.0"],
    ["3232235777", "192.168.1.1"],
    ["::1", "::1"],
    ["[::1]", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["::ffff:127.0.0.1", "::ffff:7f00:1"],
    ["::ffff:7f00:1", "::ffff:7f00:1"],
    ["fe80::1%eth0", "fe80::1"],
    ["2001:DB8::1", "2001:db8::1"],
    ["64:ff9b::10.0.0.1", "64:ff9b::a00:1"],
    ["1::", "1::"],
  ])("%s is %s", (text, expected) => {
    const address = parseAddress(text);
    expect(address && formatAddress(address)).toBe(expected);
  });

  test.each([
    ["a name", "example.com"],
    ["a name that starts with a digit", "1example.com"],
    ["a part over 255", "256.0.0.1"],
    ["a last part too large for its place", "1.2.65536"],
    ["a 32-bit number too large", "4294967296"],
    ["five parts", "1.2.3.4.5"],
    ["an empty part", "127..1"],
    ["an invalid octal digit", "08.0.0.1"],
    ["two ::", "1::2::3"],
    ["nine groups", "1:2:3:4:5:6:7:8:9"],
    ["a group of five digits", "12345::1"],
    ["an IPv4 tail over 255", "::ffff:1.2.3.256"],
    ["nothing", ""],
  ])("%s is not an address", (_, text) => {
    expect(parseAddress(text)).toBeUndefined();
  });
});

describe("nonPublicReason: what `internet` never reaches", () => {
  const reason = (text: string) => nonPublicReason(parseAddress(text)!);
  test.each([
    ["0.0.0.0", "this network"],
    ["10.1.2.3", "private (RFC 1918)"],
    ["172.16.0.1", "private (RFC 1918)"],
    ["172.17.0.1", "private (RFC 1918)"],
    ["172.31.255.255", "private (RFC 1918)"],
    ["192.168.1.1", "private (RFC 1918)"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.255", "carrier-grade NAT"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["169.254.169.254", "link-local"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "reserved or broadcast"],
    ["192.0.2.1", "documentation"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["::ffff:8.8.8.8", "IPv4-mapped"],
    ["::ffff:127.0.0.1", "IPv4-mapped"],
    ["::127.0.0.1", "IPv4-compatible"],
    ["fe80::1", "link-local"],
    ["fd00::1", "unique local"],
    ["fc00::1", "unique local"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "documentation"],
    ["64:ff9b::10.0.0.1", "private (RFC 1918), inside IPv6"],
    ["64:ff9b::127.0.0.1", "loopback, inside IPv6"],
    ["2002:a00:1::1", "private (RFC 1918), inside IPv6"],
    ["2002:c0a8:101::1", "private (RFC 1918), inside IPv6"],
    ["4000::1", "not global unicast"],
  ])("%s: %s", (text, expected) => {
    expect(reason(text)).toBe(expected);
  });

  test.each([
    "8.8.8.8",
    "1.1.1.1",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "11.0.0.1",
    "2606:4700::1111",
    "2a00:1450:4001::200e",
    "64:ff9b::8.8.8.8",
    "2002:808:808::1",
  ])("%s is public", (text) => {
    expect(reason(text)).toBeUndefined();
  });
});

describe("parseCidr", () => {
  test.each([
    ["10.0.0.0/24", true],
    ["10.0.0.0/33", false],
    ["fd00::/8", true],
    ["fd00::/129", false],
    ["10.0.0.1", true],
    ["10.0.0.0/", false],
    ["10.0.0.0/x", false],
    ["nas.lan/24", false],
  ])("%s: %p", (text, ok) => {
    expect(parseCidr(text) !== undefined).toBe(ok);
  });
});
