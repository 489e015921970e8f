import { filesFolder } from "../../core/container/spec.ts";
import { DEFAULT_OPEN_MAX } from "../../core/files/open-items.ts";
import type { FileChooser } from "../file-chooser.ts";
import { type SessionCapability, type SessionLog, withoutIt } from "./capability.ts";

/** The file chooser and its folder (services/file-chooser.ts, adapters/files-exchange.ts). */
export interface FilesPort {
  start(options: {
    instance: string;
    /** The app's user, when it is not ours: the folder is given to it. */
    owner?: { uid: number; gid: number };
    openMaxBytes: number;
    log: SessionLog;
  }): Promise<{ folder: string; chooser: FileChooser }>;
}

/**
 * Files through the host's own dialog. Under `files = "ask"` the instance's bus serves the file
 * chooser portal, the app's toolkit is pointed at it, and a folder of the instance's own is
 * mounted where the picked files are copied in and the saved ones are written, to be copied
 * out. It starts before the container (which mounts the folder) and so stops after it: the
 * last copy out reads what the app left when it could no longer write.
 */
export function createFilesCapability(port: FilesPort): SessionCapability {
  return {
    name: "files",
    starts: "before-container",
    record: (plan) => ({ files: plan.settings.files ?? plan.policy.files }),
    async start({ plan, log }) {
      if ((plan.settings.files ?? plan.policy.files) !== "ask") return undefined;
      const files = await port
        .start({
          instance: plan.name.full,
          owner: plan.userIsOther ? plan.user : undefined,
          openMaxBytes: plan.settings.openMaxBytes ?? DEFAULT_OPEN_MAX,
          log,
        })
        .catch(withoutIt<Awaited<ReturnType<FilesPort["start"]>>>("the host's file dialog", log));
      return (
        files && {
          socket: filesFolder(files.folder),
          busService: files.chooser,
          stop: () => files.chooser.stop(),
        }
      );
    },
  };
}
