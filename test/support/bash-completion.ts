/** Shared by the unit and e2e tests of the bash completion script. */

/**
 * A `bash -c` body that completes `words` the way bash's programmable completion does for a
 * TAB (the last word is the one completed), and prints the candidates a line each.
 */
export function bashCompletionBody(script: string, words: string[]): string {
  const array = words.map((w) => `'${w}'`).join(" ");
  return `source ${script}; COMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _dockercask; printf '%s\\n' "\${COMPREPLY[@]}"`;
}
