import {
  describeChoice,
  type LinkChoice,
  type LinkRoute,
  type LinksPolicy,
  routeLink,
} from "../core/desktop-bus/links.ts";
import { createRateLimiter, LINK_RATE } from "../core/desktop-bus/rate-limit.ts";
import { messageOf } from "../core/errors.ts";
import { checkUrl } from "../core/url.ts";
import type { LinkOpeners } from "../ports/desktop-bus-calls.ts";

export interface LinkRouterDeps {
  /** The instance the links come from. */
  from: string;
  links: LinksPolicy;
  mail?: LinksPolicy;
  /** The instances in the store, for what the ask dialog offers. */
  instances: () => string[];
  openers: LinkOpeners;
  now: () => number;
  log: { info(message: string): void; warn(message: string): void };
}

export type LinkResult = { ok: true } | { ok: false; reason: string };

/**
 * Routes each URL an app opens: checked first (scheme, size, controls), rate-limited, then
 * carried where the instance's policy says. A refusal is logged and answered; it never throws.
 * Log lines never quote the URL: it is the app's text, and may be long or hostile.
 */
export function createLinkRouter(deps: LinkRouterDeps): { open(url: string): Promise<LinkResult> } {
  const limiter = createRateLimiter(LINK_RATE);
  let saidNoDialog = false;
  // One ask dialog of this instance on the desktop at a time; what comes meanwhile is refused,
  // said once per dialog. The rate limit alone counts dialogs started, not dialogs open.
  let asking = false;
  let saidBusy = false;
  // The app gets every refusal's reason in its reply; the log says at most a few per window,
  // so a flood of bad links costs the terminal a handful of lines, not one per link.
  const refusals = createRateLimiter(LINK_RATE);
  const refuse = (reason: string): LinkResult => {
    const logged = refusals.take(deps.now());
    if (logged === "ok") deps.log.warn(`links: refused a link from ${deps.from}: ${reason}`);
    else if (logged === "first-drop")
      deps.log.warn(`links: refusing more links from ${deps.from}; not saying each for a while`);
    return { ok: false, reason };
  };
  const carry = async (route: LinkChoice, url: string): Promise<LinkResult> => {
    try {
      if (route.kind === "self") await deps.openers.self(url);
      else if (route.kind === "host") await deps.openers.host(url);
      else if (route.kind === "instance") await deps.openers.instance(route.instance, url);
      else await deps.openers.disposable(route.app, url);
    } catch (error) {
      return refuse(messageOf(error));
    }
    deps.log.info(`links: a link from ${deps.from} went to ${describeRoute(route, deps.from)}`);
    return { ok: true };
  };
  return {
    async open(url) {
      const checked = checkUrl(url);
      if (!checked.ok) return refuse(checked.reason);
      const taken = limiter.take(deps.now());
      if (taken !== "ok") {
        const reason = `more than ${LINK_RATE.max} links in ${LINK_RATE.windowMs / 1000} s`;
        if (taken === "first-drop") deps.log.warn(`links: dropping links from ${deps.from}: ${reason}`);
        return { ok: false, reason };
      }
      const route: LinkRoute = routeLink({
        scheme: checked.scheme,
        from: deps.from,
        links: deps.links,
        mail: deps.mail,
        instances: deps.instances(),
      });
      if (route.kind === "refuse") return refuse(route.reason);
      if (route.kind !== "ask") return carry(route, url);
      if (asking) {
        const reason = "a dialog for one of its links is already open";
        if (saidBusy) return { ok: false, reason };
        saidBusy = true;
        return refuse(`${reason}; links that come meanwhile are refused`);
      }
      asking = true;
      const answer = await deps.openers
        .ask({
          url,
          from: deps.from,
          choices: route.choices.map((choice) => ({ label: describeChoice(choice, deps.from), choice })),
        })
        .finally(() => {
          asking = false;
          saidBusy = false;
        });
      if (answer === "no-dialog") {
        const reason = "its links policy is ask, and neither zenity nor kdialog is installed";
        if (saidNoDialog) return { ok: false, reason };
        saidNoDialog = true;
        return refuse(`${reason} (install one, or set links in config.toml)`);
      }
      if (!answer) return refuse("the user declined it");
      return carry(answer, url);
    },
  };
}

function describeRoute(route: LinkChoice, from: string): string {
  return describeChoice(route, from).replace(/^open (in|on) /, "");
}
