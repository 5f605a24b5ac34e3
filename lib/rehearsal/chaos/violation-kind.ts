/**
 * The kind of a violation: its text without what varies from run to run (times, counts, execution
 * names, versions, instance ids), so that two runs breaking the same invariant the same way match.
 */
export function violationKind(violation: string): string {
  return violation
    .replace(/^(after [^:]+|at \+[\d:]+): /, '')
    .replace(
      /\b(chaos-[a-z]+|before-v\d+|converge-\d+|rehearsal-\d+|then-[a-z0-9-]+|release-v\d+)\b/g,
      '<execution>',
    )
    .replace(/\bi-[0-9a-f]{17}\b/g, '<instance>')
    .replace(/\bv\d+\b/g, 'v#')
    .replace(/\d+(\.\d+)?/g, '#');
}

/** The distinct kinds among violations, in order of first appearance. */
export function violationKinds(violations: readonly string[]): string[] {
  return [...new Set(violations.map(violationKind))];
}
