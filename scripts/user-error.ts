/** A problem the user can fix: printed as one line, without a stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    /** 2 for a wrong command line, 1 for anything else. */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
