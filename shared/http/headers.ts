/** Header lookup that does not depend on the caller's casing (API Gateway v2 lower-cases, others may not). */
export function headerValue(headers: Record<string, string | undefined> | undefined, name: string) {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
