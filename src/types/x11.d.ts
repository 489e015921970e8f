/** The slice of the untyped `x11` package (pure-JS X11 protocol client) that dockercask uses. */
declare module "x11" {
  import type { EventEmitter } from "node:events";

  export interface XScreen {
    root: number;
    pixel_width: number;
    pixel_height: number;
    mm_width: number;
    mm_height: number;
  }

  export interface XDisplay {
    client: XClient;
    screen: XScreen[];
  }

  export interface XClient extends EventEmitter {
    display?: XDisplay;
    /** Flushes buffered requests and closes the connection. */
    terminate(): void;
  }

  export interface CreateClientOptions {
    display?: string;
    /** Skip the BIG-REQUESTS round trip on connect. */
    disableBigRequests?: boolean;
    /** false: a plain socket, without the fd-passing transport MIT-SHM needs. */
    shm?: false | "off" | object;
  }

  export function createClient(
    options: CreateClientOptions,
    onConnect?: (error: Error | undefined, display: XDisplay) => void,
  ): XClient;

  const x11: { createClient: typeof createClient };
  export default x11;
}
