import type { InstanceName } from "../core/instance/name.ts";

// Port: the added instances and their homes. adapters/instance-store.ts implements it.

export interface InstanceRecord {
  name: InstanceName;
  createdAt: Date;
  home: string;
}

export interface InstanceStore {
  get(name: InstanceName): InstanceRecord | undefined;
  list(): InstanceRecord[];
  /** Registers the instance and creates its home (kept if it already exists). Idempotent. */
  register(name: InstanceName): InstanceRecord;
  unregister(name: InstanceName): void;
  /** Deletes the instance's home. Never follows a symbolic link, never leaves the homes folder. */
  purgeHome(name: InstanceName): void;
  homePath(name: InstanceName): string;
}
