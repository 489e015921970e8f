import { describe, expect, test } from "bun:test";
import { formatAddress } from "../../../../src/core/network/address.ts";
import { parseFibTrieLocals, parseIfInet6 } from "../../../../src/core/network/host-addresses.ts";

const FIB_TRIE = `Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 172.17.0.0/16 2 0 2
        |-- 172.17.0.1
           /32 host LOCAL
        |-- 172.17.255.255
           /32 link BROADCAST
Local:
  +-- 0.0.0.0/0 3 0 5
           |-- 127.0.0.1
              /32 host LOCAL
     |-- 203.0.114.7
        /32 host LOCAL
`;

describe("the host's own addresses", () => {
  test("fib_trie: every local address once, no broadcast and no route", () => {
    expect(parseFibTrieLocals(FIB_TRIE).map(formatAddress)).toEqual(["127.0.0.1", "172.17.0.1", "203.0.114.7"]);
  });

  test("if_inet6", () => {
    const text = [
      "00000000000000000000000000000001 01 80 10 80       lo",
      "fe800000000000000042acfffe110002 05 40 20 80  docker0",
      "",
    ].join("\n");
    expect(parseIfInet6(text).map(formatAddress)).toEqual(["::1", "fe80::42:acff:fe11:2"]);
  });

  test("nothing readable: nothing", () => {
    expect([parseFibTrieLocals(""), parseIfInet6("garbage")]).toEqual([[], []]);
  });
});
