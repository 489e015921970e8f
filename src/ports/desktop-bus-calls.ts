import type { LinkChoice } from "../core/desktop-bus/links.ts";
import type { HostNotification } from "../core/desktop-bus/notifications.ts";

// Port: what the desktop bridge (services/desktop-bus-calls.ts) reaches outside itself.
// adapters/link-openers.ts and adapters/host-notifier.ts implement it.

/** Carries out a link's route. Each throws an Error whose message says why it could not. */
export interface LinkOpeners {
  /** Runs the instance's own app command with the URL, inside its own container. */
  self(url: string): Promise<void>;
  /** Opens it in another instance: in its container when it runs, else by starting it with the URL. */
  instance(instance: string, url: string): Promise<void>;
  /** Opens it in a new disposable instance of the app. */
  disposable(app: string, url: string): Promise<void>;
  /** The desktop's own opener (xdg-open on the host, which honours $BROWSER). */
  host(url: string): Promise<void>;
  /** Asks the user; undefined when they declined or the dialog was closed by stop(), "no-dialog" when no dialog tool exists. */
  ask(question: {
    url: string;
    from: string;
    choices: { label: string; choice: LinkChoice }[];
  }): Promise<LinkChoice | undefined | "no-dialog">;
  /**
   * Ends what the openers hold on the desktop for this session: a dialog still open is closed
   * (its ask answers undefined). What they handed over for good (a browser xdg-open started,
   * another instance's session) is the user's, and stays.
   */
  stop(): void;
}

export interface HostNotifier {
  /** Shows it on the host's notification server; resolves to the server's id. Throws when there is none. */
  notify(note: HostNotification): Promise<number>;
  /**
   * Whether the host's server renders markup in a body (it lists `body-markup` in its
   * capabilities); true when that cannot be told, so the body is escaped rather than rendered.
   */
  rendersMarkup(): Promise<boolean>;
  close(id: number): Promise<void>;
  stop(): void;
}

/** One method call from the app, as the bus delivered it. */
export interface BridgeCall {
  sender: string;
  /** The well-known name it was sent to (or our unique name). */
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature: string;
  body: unknown[];
}

export type BridgeReply =
  | {
      ok: true;
      signature: string;
      body: unknown[];
      /**
       * A signal to send after the reply (the portal's Response): at once, or once the promise
       * settles (a file dialog answered). A promise that gives undefined sends nothing.
       */
      signal?: BridgeSignal | Promise<BridgeSignal | undefined>;
    }
  | { ok: false; error: string; message: string };

export interface BridgeSignal {
  path: string;
  interface: string;
  member: string;
  signature: string;
  body: unknown[];
  /** The one client it goes to; unset, every client that matches it (the app's own, on its own bus). */
  destination?: string;
}

/**
 * A service a session capability serves on the instance's bus beside links and notifications
 * (the file chooser): the bus asks it first, and it answers only its own calls.
 */
export interface BusService {
  /** Its answer, or undefined when the call is not one of its own. */
  handle(call: BridgeCall): Promise<BridgeReply> | undefined;
}
