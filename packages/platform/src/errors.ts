/**
 * A problem in something a person wrote (a service definition, a cluster file, a CLI flag).
 * It always says where (file + field path or line) and what to do; the CLI maps it to exit code 2.
 */
export class DefinitionError extends Error {
  readonly file: string;
  readonly field: string;
  readonly hint: string;
  readonly line: number | undefined;
  /** The problem alone, without location or hint. */
  readonly detail: string;

  constructor(opts: { file: string; field: string; message: string; hint?: string; line?: number }) {
    const where = opts.line ? `${opts.file}:${opts.line}` : opts.file;
    super(`${where}: ${opts.field ? `${opts.field}: ` : ''}${opts.message}${opts.hint ? ` (${opts.hint})` : ''}`);
    this.name = 'DefinitionError';
    this.file = opts.file;
    this.field = opts.field;
    this.hint = opts.hint ?? '';
    this.detail = opts.message;
    this.line = opts.line;
  }
}

/** Several definition errors found in one pass, so a user fixes them all at once. */
export class DefinitionErrors extends Error {
  readonly errors: DefinitionError[];
  constructor(errors: DefinitionError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'DefinitionErrors';
    this.errors = errors;
  }
}

/** Collects errors under a file; `at(path)` narrows the field path. */
export class ErrorSink {
  readonly errors: DefinitionError[] = [];
  constructor(readonly file: string) {}

  add(field: string, message: string, hint?: string): void {
    // A `default` value is checked once per cluster: say each problem once.
    if (this.errors.some((e) => e.field === field && e.detail === message)) return;
    this.errors.push(new DefinitionError({ file: this.file, field, message, ...(hint ? { hint } : {}) }));
  }

  throwIfAny(): void {
    if (this.errors.length > 0) throw new DefinitionErrors(this.errors);
  }
}

export function isDefinitionError(e: unknown): e is DefinitionError | DefinitionErrors {
  return e instanceof DefinitionError || e instanceof DefinitionErrors;
}
