/** The shape of a seccomp profile as the Engine API takes it (the JSON of `seccomp=`). */
export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

export interface SeccompRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
  comment?: string;
  includes?: { arches?: string[]; caps?: string[]; minKernel?: string };
  excludes?: { arches?: string[]; caps?: string[] };
}

export interface SeccompProfile {
  defaultAction: string;
  archMap: { architecture: string; subArchitectures: string[] }[];
  syscalls: SeccompRule[];
}
