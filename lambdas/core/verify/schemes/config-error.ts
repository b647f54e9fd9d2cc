/**
 * A generic scheme's config cannot work (a template placeholder without its header, an empty
 * allow-list, …). The constructs report the same messages at synth time through the schemes'
 * `validate…Config` functions; at run time this is misuse, so verification throws.
 */
export class SchemeConfigError extends Error {
  readonly problems: readonly string[];

  constructor(scheme: string, problems: readonly string[]) {
    super(`invalid ${scheme} config: ${problems.join('; ')}`);
    this.name = 'SchemeConfigError';
    this.problems = problems;
  }
}

export function assertValid(scheme: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new SchemeConfigError(scheme, problems);
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A message when `name` is not a valid HTTP header name, else undefined. */
export function headerNameProblem(field: string, name: unknown): string | undefined {
  return typeof name === 'string' && TOKEN.test(name)
    ? undefined
    : `${field} ${JSON.stringify(name)} is not a valid HTTP header name`;
}
