import { describe, expect, test } from "bun:test";
import {
  ASK_LINE_CHARS,
  ASK_SHOWN_CHARS,
  askQuestionText,
  defaultLinksPolicy,
  defaultMailTarget,
  formatLinksPolicy,
  type LinksPolicy,
  linkDestination,
  parseLinksPolicy,
  routeLink,
} from "../../../../src/core/desktop-bus/links.ts";

describe("parseLinksPolicy", () => {
  test.each([
    ["self", { kind: "self" }],
    ["host", { kind: "host" }],
    ["ask", { kind: "ask" }],
    [" off ", { kind: "off" }],
    ["firefox#work", { kind: "instance", instance: "firefox#work" }],
    ["thunderbird", { kind: "instance", instance: "thunderbird" }],
    ["disposable:firefox", { kind: "disposable", app: "firefox" }],
  ])("%s", (text, policy) => {
    expect(parseLinksPolicy(text)).toEqual({ ok: true, policy: policy as LinksPolicy });
    expect(formatLinksPolicy(policy as LinksPolicy)).toBe(text.trim());
  });

  test.each([["Firefox"], ["disposable:"], ["disposable:firefox#1"], ["../etc"], ["a b"], [""]])(
    "refuses %p",
    (text) => {
      expect(parseLinksPolicy(text).ok).toBe(false);
    },
  );
});

describe("defaultLinksPolicy", () => {
  test.each([
    ["self", "bridge", "self"],
    ["disposable:firefox", "bridge", "disposable:firefox"],
    ["firefox#work", "bridge", "firefox#work"],
    ["host", "bridge", "host"],
    [undefined, "bridge", "ask"],
    [undefined, "none", "ask"],
    // Offline: a label keeps a link inside, or it is ask.
    ["self", "none", "self"],
    ["off", "none", "off"],
    ["ask", "none", "ask"],
    ["disposable:firefox", "none", "ask"],
    ["firefox#work", "none", "ask"],
    ["host", "none", "ask"],
  ] as const)("label %p with network %s: %s", (label, network, expected) => {
    const parsed = label === undefined ? undefined : parseLinksPolicy(label);
    if (parsed && !parsed.ok) throw new Error(parsed.problem);
    expect(formatLinksPolicy(defaultLinksPolicy(parsed?.policy, network))).toBe(expected);
  });
});

describe("defaultMailTarget", () => {
  test.each([
    [["firefox", "thunderbird#work", "thunderbird"], "thunderbird"],
    [["firefox", "thunderbird#work"], "thunderbird#work"],
    [["firefox"], undefined],
  ])("%p", (instances, expected) => {
    const target = defaultMailTarget(instances);
    expect(target && formatLinksPolicy(target)).toBe(expected);
  });
});

describe("routeLink", () => {
  const base = { from: "slack", instances: ["slack", "firefox#work"] };
  test.each([
    ["self", "https", { kind: "self" }, undefined, { kind: "self" }],
    [
      "an instance",
      "https",
      { kind: "instance", instance: "firefox#work" },
      undefined,
      { kind: "instance", instance: "firefox#work" },
    ],
    ["itself by name is self", "https", { kind: "instance", instance: "slack" }, undefined, { kind: "self" }],
    ["off", "https", { kind: "off" }, undefined, { kind: "refuse", reason: "the links policy of slack is off" }],
    [
      "a mailto follows mail",
      "mailto",
      { kind: "host" },
      { kind: "instance", instance: "thunderbird" },
      { kind: "instance", instance: "thunderbird" },
    ],
  ] as const)("%s", (_, scheme, links, mail, expected) => {
    expect(routeLink({ ...base, scheme, links: links as LinksPolicy, mail: mail as LinksPolicy | undefined })).toEqual(
      expected as never,
    );
  });

  test("a mailto without a mail target is refused", () => {
    expect(routeLink({ ...base, scheme: "mailto", links: { kind: "host" } }).kind).toBe("refuse");
  });

  test("ask offers self, host, the other instances and a disposable browser", () => {
    const route = routeLink({ ...base, scheme: "https", links: { kind: "ask" } });
    expect(route).toEqual({
      kind: "ask",
      choices: [
        { kind: "self" },
        { kind: "host" },
        { kind: "instance", instance: "firefox#work" },
        { kind: "disposable", app: "firefox" },
      ],
    });
  });
});

describe("askQuestionText", () => {
  const url = (n: number) => `https://example.org/${"x".repeat(n - "https://example.org/".length)}`;
  test.each([
    ["a short URL, on one line", url(40), 1, false],
    ["exactly one line", url(ASK_LINE_CHARS), 1, false],
    ["one past a line", url(ASK_LINE_CHARS + 1), 2, false],
    ["the longest shown whole", url(ASK_SHOWN_CHARS), ASK_SHOWN_CHARS / ASK_LINE_CHARS, false],
    ["past it: start, a note, end", url(ASK_SHOWN_CHARS + 1), ASK_SHOWN_CHARS / ASK_LINE_CHARS + 1, true],
    ["the cap", url(64 * 1024), ASK_SHOWN_CHARS / ASK_LINE_CHARS + 1, true],
  ])("%s", (_, link, lineCount, cut) => {
    const text = askQuestionText("gimp#1", link);
    const [intro, destination, shown, outro] = text.split("\n\n");
    expect(intro).toBe("gimp#1 wants to open this link:");
    expect(destination).toBe("Host: example.org");
    expect(outro).toBe("Where should it open?");
    const lines = shown!.split("\n");
    expect(lines.length).toBe(lineCount);
    for (const line of lines)
      expect(line.length).toBeLessThanOrEqual(cut && line.startsWith("[") ? 200 : ASK_LINE_CHARS);
    if (cut) {
      const note = lines.find((l) => l.startsWith("[…"))!;
      expect(note).toContain(`this link is ${link.length} characters long`);
      expect(shown!.startsWith("https://example.org/")).toBe(true);
    } else expect(lines.join("")).toBe(link);
  });

  test("breaks between characters, not inside one (astral characters stay whole)", () => {
    const link = `https://example.org/${"\u{1F600}".repeat(200)}`;
    expect(askQuestionText("a", link).split("\n\n")[2]!.split("\n").join("")).toBe(link);
  });

  test("names the host on its own line, before a URL whose middle is cut", () => {
    // The host the parser reads sits in the part left out: the line before the URL still names it.
    const link = `https://www.example.org/${"A".repeat(1500)}/x?next=https://www.mybank.com/${"p".repeat(800)}`;
    const [, destination, shown] = askQuestionText("gimp#1", link).split("\n\n");
    expect(destination).toBe("Host: www.example.org");
    expect(shown).toContain("[…");
  });
});

describe("linkDestination", () => {
  test.each([
    ["https://www.example.org/a?b#c", "Host", "www.example.org"],
    ["HTTP://WWW.Example.ORG:8080/", "Host", "www.example.org"],
    ["https://bücher.example/", "Host", "xn--bcher-kva.example"],
    ["https://127.0.0.1/", "Host", "127.0.0.1"],
    ["https://[::1]/", "Host", "[::1]"],
    ["https://www.mybank.com.evil.example/", "Host", "www.mybank.com.evil.example"],
    ["mailto:someone@Example.org?subject=hi", "Mail to the domain", "example.org"],
    ["mailto:a@example.org,b@example.org", "Mail to the domain", "example.org"],
    [
      "mailto:a@example.org?cc=b@example.net&bcc=c@example.com",
      "Mail to the domains",
      "example.org, example.net, example.com",
    ],
    ["mailto:a%40evil.example", "Mail to the domain", "evil.example"],
    ["mailto:?subject=hi", "Mail to the domain", "(no address: the mail app asks)"],
    ["mailto:postmaster", "Mail to the domain", "(an address without a domain)"],
  ])("%s", (url, label, value) => {
    expect(linkDestination(url)).toEqual({ label, value });
    expect(askQuestionText("a", url).split("\n\n")[1]).toBe(`${label}: ${value}`);
  });
});
