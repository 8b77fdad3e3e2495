/** Environment lookups with errors that name the missing variable (a deployment mistake, not a user error). */
export function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`Environment variable ${name} is required`);
  return value;
}

export function numberEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`Environment variable ${name} must be a number ≥ 0`);
  return value;
}
