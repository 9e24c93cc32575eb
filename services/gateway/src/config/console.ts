import { ConfigError, roles, type Role } from './basics.ts';

/** The console's login settings: sessions always; OIDC when an issuer is configured. */
export interface ConsoleConfig {
  /** A session ends after this long without a request. */
  idleMs: number;
  /** `auto`: Secure cookies when the request came over https (directly or through a proxy). */
  secureCookies: 'auto' | 'always';
  oidc?: OidcConfig;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
  /** A claim that holds the role name directly (e.g. `kommunebro_role`). */
  roleClaim?: string;
  /** A claim that holds the user's groups, mapped to roles by `groupRoles`. */
  groupsClaim: string;
  groupRoles: Map<string, Role>;
  scope: string;
}

type Env = Record<string, string | undefined>;

const url = (env: Env, name: string): string => {
  const raw = env[name]?.trim();
  if (!raw) throw new ConfigError(name, 'is required when KB_OIDC_ISSUER is set');
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${raw}"`);
  }
  if (parsed.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)) {
    throw new ConfigError(name, 'must be https (plain http only on the loopback address, for tests)');
  }
  return raw;
};

/** KB_OIDC_GROUP_ROLES: `group=role` pairs separated by commas. */
function groupRoles(raw: string | undefined): Map<string, Role> {
  const map = new Map<string, Role>();
  for (const pair of (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.lastIndexOf('=');
    const group = pair.slice(0, at).trim();
    const role = pair.slice(at + 1).trim();
    if (at < 1 || !group) throw new ConfigError('KB_OIDC_GROUP_ROLES', `"${pair}" is not group=role`);
    if (!roles.includes(role as Role)) throw new ConfigError('KB_OIDC_GROUP_ROLES', `has an unknown role "${role}"; roles: ${roles.join(', ')}`);
    map.set(group, role as Role);
  }
  return map;
}

export function loadConsoleConfig(env: Env): ConsoleConfig {
  const rawIdle = env.KB_SESSION_IDLE_MINUTES?.trim();
  const idle = rawIdle ? Number(rawIdle) : 30;
  if (!Number.isInteger(idle) || idle < 1 || idle > 720) throw new ConfigError('KB_SESSION_IDLE_MINUTES', `must be an integer from 1 to 720, got "${rawIdle}"`);
  const secure = env.KB_COOKIE_SECURE?.trim() || 'auto';
  if (secure !== 'auto' && secure !== 'always') throw new ConfigError('KB_COOKIE_SECURE', 'must be auto or always');
  const config: ConsoleConfig = { idleMs: idle * 60_000, secureCookies: secure };
  if (!env.KB_OIDC_ISSUER?.trim()) return config;
  const clientId = env.KB_OIDC_CLIENT_ID?.trim();
  const clientSecret = env.KB_OIDC_CLIENT_SECRET?.trim();
  if (!clientId) throw new ConfigError('KB_OIDC_CLIENT_ID', 'is required when KB_OIDC_ISSUER is set');
  if (!clientSecret) throw new ConfigError('KB_OIDC_CLIENT_SECRET', 'is required when KB_OIDC_ISSUER is set');
  const roleClaim = env.KB_OIDC_ROLE_CLAIM?.trim() || undefined;
  const mapping = groupRoles(env.KB_OIDC_GROUP_ROLES);
  if (!roleClaim && mapping.size === 0) throw new ConfigError('KB_OIDC_ROLE_CLAIM', 'or KB_OIDC_GROUP_ROLES is required: a login must get a role');
  config.oidc = {
    issuer: url(env, 'KB_OIDC_ISSUER'),
    clientId,
    clientSecret,
    redirectUrl: url(env, 'KB_OIDC_REDIRECT_URL'),
    roleClaim,
    groupsClaim: env.KB_OIDC_GROUPS_CLAIM?.trim() || 'groups',
    groupRoles: mapping,
    scope: env.KB_OIDC_SCOPE?.trim() || 'openid profile',
  };
  return config;
}
