/**
 * Where a link opened inside an instance goes: its `links` policy (a label, a config key, the
 * `--links` flag), the checks every URL passes first, and the route a URL takes. Pure: the
 * supervisor's link router (services/link-router.ts) carries the decision out.
 */
import { explainInvalid } from "../instance/name.ts";

export type LinksPolicy =
  | { kind: "self" }
  | { kind: "host" }
  | { kind: "ask" }
  | { kind: "off" }
  | { kind: "instance"; instance: string }
  | { kind: "disposable"; app: string };

/** What a help text or an error lists as the forms a policy takes. */
export const LINKS_FORMS = "self, host, ask, off, <instance> (such as firefox#work) or disposable:<app>";

export function parseLinksPolicy(text: string): { ok: true; policy: LinksPolicy } | { ok: false; problem: string } {
  const value = text.trim();
  if (value === "self" || value === "host" || value === "ask" || value === "off")
    return { ok: true, policy: { kind: value } };
  if (value.startsWith("disposable:")) {
    const app = value.slice("disposable:".length);
    const reason =
      explainInvalid(app) ?? (app.includes("#") ? "a disposable instance is named after its app alone" : undefined);
    return reason
      ? { ok: false, problem: `"${app}" is not an app name: ${reason}` }
      : { ok: true, policy: { kind: "disposable", app } };
  }
  const reason = explainInvalid(value);
  if (reason)
    return { ok: false, problem: `must be one of ${LINKS_FORMS}; "${value}" is not an instance name: ${reason}` };
  return { ok: true, policy: { kind: "instance", instance: value } };
}

export function formatLinksPolicy(policy: LinksPolicy): string {
  if (policy.kind === "instance") return policy.instance;
  if (policy.kind === "disposable") return `disposable:${policy.app}`;
  return policy.kind;
}

/**
 * The policy an instance has when neither the config nor a flag sets one: its recipe's `links`
 * label (browsers say self; mail and chat apps, whose links come from anyone, say
 * disposable:firefox), or ask when the recipe says nothing. An offline instance keeps a label
 * only when it keeps the link inside (self, ask, off): a link is a way to carry data out of it,
 * and only the user, through the config or a flag, may open that way.
 */
export function defaultLinksPolicy(label: LinksPolicy | undefined, network: string): LinksPolicy {
  if (!label) return { kind: "ask" };
  if (network === "none" && !STAYS_INSIDE.has(label.kind)) return { kind: "ask" };
  return label;
}

/** Policies under which a link never leaves the instance without the user's say. */
const STAYS_INSIDE = new Set<LinksPolicy["kind"]>(["self", "ask", "off"]);

/** Where a mailto goes when the config names no `mail` target: the thunderbird instance, if there is one. */
export function defaultMailTarget(instances: string[]): LinksPolicy | undefined {
  const thunderbird = instances.includes("thunderbird")
    ? "thunderbird"
    : instances.find((i) => i.startsWith("thunderbird#"));
  return thunderbird ? { kind: "instance", instance: thunderbird } : undefined;
}

/**
 * Where a link really goes, as the ask dialog names it: an http(s) URL's host as the URL parser
 * reads it (an international name in its xn-- form), a mailto's address domains.
 */
export function linkDestination(url: string): { label: string; value: string } {
  const parsed = URL.parse(url);
  if (!parsed) return { label: "Host", value: "(unreadable: this is not a valid URL)" };
  if (parsed.protocol !== "mailto:") return { label: "Host", value: parsed.hostname || "(none)" };
  const addresses = [parsed.pathname, ...["to", "cc", "bcc"].flatMap((key) => parsed.searchParams.getAll(key))];
  const domains = new Set<string>();
  for (const list of addresses)
    for (const address of decodeOrKeep(list).split(",")) {
      const at = address.lastIndexOf("@");
      if (at >= 0)
        domains.add(
          address
            .slice(at + 1)
            .trim()
            .toLowerCase() || "(none)",
        );
      else if (address.trim()) domains.add("(an address without a domain)");
    }
  return {
    label: domains.size > 1 ? "Mail to the domains" : "Mail to the domain",
    value: domains.size ? [...domains].join(", ") : "(no address: the mail app asks)",
  };
}

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export type LinkRoute =
  | { kind: "self" }
  | { kind: "host" }
  | { kind: "instance"; instance: string }
  | { kind: "disposable"; app: string }
  | { kind: "ask"; choices: LinkChoice[] }
  | { kind: "refuse"; reason: string };

/** A target the ask dialog offers. */
export type LinkChoice = Exclude<LinkRoute, { kind: "ask" } | { kind: "refuse" }>;

export interface RouteInput {
  scheme: "http" | "https" | "mailto";
  /** The instance the link comes from. */
  from: string;
  links: LinksPolicy;
  /** Where a mailto goes: the config's `mail`, or the thunderbird instance when there is one. */
  mail?: LinksPolicy;
  /** Instances in the store, for what ask offers. */
  instances: string[];
}

/** The route one URL takes. A mailto follows the mail target; every other link the links policy. */
export function routeLink(input: RouteInput): LinkRoute {
  const policy = input.scheme === "mailto" ? input.mail : input.links;
  if (!policy)
    return {
      kind: "refuse",
      reason: 'a mailto link has no mail target: set mail = "thunderbird" (or another instance) in config.toml',
    };
  switch (policy.kind) {
    case "off":
      return { kind: "refuse", reason: `the links policy of ${input.from} is off` };
    case "instance":
      // Naming itself is self: exec'ing into its own container, not a second run of it.
      return policy.instance === input.from ? { kind: "self" } : policy;
    case "ask":
      return { kind: "ask", choices: askChoices(input) };
    default:
      return policy;
  }
}

function askChoices(input: RouteInput): LinkChoice[] {
  const choices: LinkChoice[] = [{ kind: "self" }, { kind: "host" }];
  for (const instance of input.instances) if (instance !== input.from) choices.push({ kind: "instance", instance });
  choices.push({ kind: "disposable", app: "firefox" });
  return choices;
}

/** How a choice reads in the dialog, and how the dialog's answer maps back. */
export function describeChoice(choice: LinkChoice, from: string): string {
  switch (choice.kind) {
    case "self":
      return `open in ${from} itself`;
    case "host":
      return "open on this desktop";
    case "instance":
      return `open in ${choice.instance}`;
    case "disposable":
      return `open in a disposable ${choice.app}`;
  }
}

/** How many characters of a URL one line of the ask dialog holds: a URL has no spaces to wrap at. */
export const ASK_LINE_CHARS = 96;
/** A URL up to this long shows whole; a longer one shows its start and end, and says how much is left out. */
export const ASK_SHOWN_CHARS = 1920;

/**
 * The ask dialog's text. Where the link goes comes first, on its own line (linkDestination), so
 * no cut and no trick of the URL's text hides it. The URL is broken into lines, so a long one
 * stays inside the screen instead of running off its edge; a longer one than fits (the cap is
 * 64 KiB) shows its start and its end, with how many characters between are not shown.
 */
export function askQuestionText(from: string, url: string): string {
  const chars = [...url];
  const lines = (part: string[]) =>
    Array.from({ length: Math.ceil(part.length / ASK_LINE_CHARS) }, (_, i) =>
      part.slice(i * ASK_LINE_CHARS, (i + 1) * ASK_LINE_CHARS).join(""),
    );
  let shown: string[];
  if (chars.length <= ASK_SHOWN_CHARS) shown = lines(chars);
  else {
    const head = (ASK_SHOWN_CHARS * 3) / 4;
    const tail = ASK_SHOWN_CHARS / 4;
    const hidden = chars.length - head - tail;
    shown = [
      ...lines(chars.slice(0, head)),
      `[… ${hidden} more characters: this link is ${chars.length} characters long …]`,
      ...lines(chars.slice(-tail)),
    ];
  }
  const destination = linkDestination(url);
  return `${from} wants to open this link:\n\n${destination.label}: ${destination.value}\n\n${shown.join("\n")}\n\nWhere should it open?`;
}
