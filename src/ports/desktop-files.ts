// Port: the desktop's menu entries and icons. adapters/desktop-files.ts implements it.

/** Menu entries and their icons under $XDG_DATA_HOME, where desktops look for a user's own. */
export interface DesktopFiles {
  applicationsDir: string;
  iconsDir: string;
  /** Writes `<id>.desktop` atomically; returns its path. */
  writeEntry(id: string, text: string): string;
  readEntry(id: string): string | undefined;
  /** Removes `<id>.desktop`; false when there was none. */
  removeEntry(id: string): boolean;
  /** The ids of every dockercask-*.desktop in the folder. */
  listEntries(): string[];
  /** Writes `<name>.svg` among the scalable hicolor icons; returns its path. */
  writeIcon(name: string, svg: string): string;
  removeIcon(name: string): boolean;
}
