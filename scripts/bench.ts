/**
 * The benchmarks of `dockercask run`: startup against a floor done by hand, and the clipboard's
 * idle cost and latency against a polling loop. The parts live in scripts/bench/ (main.ts lists
 * them); `npx bun scripts/bench.ts --help` lists the flags. --scale, --sound and --bridge are
 * parts with sandboxes of their own, each run alone.
 */
import { runBench } from "./bench/main.ts";

if (import.meta.main) process.exitCode = await runBench(process.argv.slice(2));
