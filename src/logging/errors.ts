/**
 * Every error compilog raises on purpose is a CompilogError: a stable `code` that scripts can match on,
 * a message that says what went wrong, and (where we know one) a hint that says what to do.
 */
export class CompilogError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'CompilogError';
    this.code = code;
    this.hint = hint;
  }

  toJSON(): { code: string; message: string; hint?: string } {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }
}

export function isCompilogError(err: unknown): err is CompilogError {
  return err instanceof CompilogError;
}
