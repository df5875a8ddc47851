/** `1 compile`, `5 compiles`, `0 failures/restarts`: a count with its noun in the right number. */
export function countText(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** The line both `compilog report` and `compilog demo` print: compiles, artifacts, failures and restarts. */
export function reportCounts(compiles: number, artifacts: number, failures: number): string {
  return `${countText(compiles, 'compile')}, ${countText(artifacts, 'artifact')}, ${countText(failures, 'failure/restart', 'failures/restarts')}`;
}
