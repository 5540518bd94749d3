// A caught value as text for a log line or an error message. Anything can be thrown, not only an Error.

/** The message of a thrown Error, or the thrown value itself as text. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The stack of a thrown Error (its message when it has none), or the thrown value itself as text. */
export function errorDetail(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}
