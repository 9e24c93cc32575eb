// What every configuration module needs: the roles and the error that names a bad variable.

export const roles = ['outreach', 'shelter', 'caseworker', 'finance', 'admin'] as const;
export type Role = (typeof roles)[number];

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`Configuration error: ${variable} ${problem}`);
  }
}
