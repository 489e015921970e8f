/**
 * The only tests that may be skipped in CI (CI=true), each with why. scripts/test.ts fails a
 * CI run that skips any other: a skip hides a test that could have failed, so it must be a
 * choice written down here, not an accident of what the machine had installed.
 *
 * `test` is the name Bun prints after "(skip)": the describe blocks and the test, joined by " > ".
 */
export interface AllowedSkip {
  file: string;
  test: string;
  reason: string;
}

export const ALLOWED_SKIPS: AllowedSkip[] = [
  // None today: scripts/testbed.sh installs zsh, fish and groff before the unit tests run, and CI
  // runs as root (test/e2e/distribution.test.ts skips its dpkg test only for a non-root user).
];
