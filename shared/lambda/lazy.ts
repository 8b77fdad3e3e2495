/** Creates a value on first use, so importing a handler module has no side effects (tests, cold start). */
export function lazy<T>(create: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = create();
      made = true;
    }
    return value as T;
  };
}
