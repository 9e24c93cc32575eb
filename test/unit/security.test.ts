import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../services/gateway/src/config/index.ts';
import { maskCpr } from '../../services/gateway/src/domain/cpr.ts';
import { Refusal } from '../../services/gateway/src/domain/errors.ts';
import { assertWithinLimits, safeText } from '../../services/gateway/src/domain/input-limits.ts';
import { FailureLimiter } from '../../services/gateway/src/http/auth.ts';

const refusalOf = (f: () => void) => {
  try {
    f();
  } catch (error) {
    return error as Refusal;
  }
  throw new Error('no refusal');
};

describe('maskCpr', () => {
  it('when a text holds a plausible CPR number, bare, dashed or inside other characters, then it is masked', () => {
    expect(maskCpr('no consent 2412995678')).toBe('no consent xxxxxx-xxxx');
    expect(maskCpr('/payload/150367-4321/x')).toBe('/payload/xxxxxx-xxxx/x');
    expect(maskCpr('consent-a1503674321b')).toBe('consent-axxxxxx-xxxxb');
  });

  it('when ten digits are no date, or the run is longer, then the text is kept', () => {
    expect(maskCpr('3113801234')).toBe('3113801234');
    expect(maskCpr('id 12345678901234')).toBe('id 12345678901234');
  });
});

describe('input limits', () => {
  it('when a value nests 33 levels, then body_too_complex; 32 levels pass', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 32; i++) deep = [deep];
    expect(() => assertWithinLimits(deep)).not.toThrow();
    expect(refusalOf(() => assertWithinLimits([deep])).code).toBe('body_too_complex');
  });

  it('when a key or value holds NUL or a lone surrogate, then schema_invalid with the pointer, a CPR key masked', () => {
    expect(refusalOf(() => assertWithinLimits({ a: ['ok', 'b\u0000'] })).problems).toEqual([{ pointer: '/a/1', message: 'must not contain NUL characters or unpaired surrogates' }]);
    expect(refusalOf(() => assertWithinLimits({ '2412995678': { x: '\udc00' } })).problems?.[0]?.pointer).toBe('/xxxxxx-xxxx/x');
    expect(refusalOf(() => assertWithinLimits({ ['k\ud800']: 1 })).code).toBe('schema_invalid');
    expect(() => assertWithinLimits({ emoji: '😀 æøå' })).not.toThrow();
  });

  it('when a transport text holds NUL or a CPR, then safeText stores neither', () => {
    expect(safeText('id\u00002412995678')).toBe('id\ufffdxxxxxx-xxxx');
    expect(safeText(undefined)).toBeUndefined();
  });
});

describe('failure limiter', () => {
  it('when a client reaches the limit, then it waits; another client and the window end free it again', async () => {
    const limiter = new FailureLimiter(2, 1);
    expect(await limiter.fail('a')).toBe(0);
    expect(await limiter.fail('a')).toBe(0);
    expect(await limiter.fail('a')).toBeGreaterThan(0);
    expect(await limiter.waitFor('a')).toBeGreaterThan(0);
    expect(await limiter.waitFor('b')).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await limiter.waitFor('a')).toBe(0);
  });

  it('when one credential fails from many clients, then the credential is limited', async () => {
    const limiter = new FailureLimiter(2, 60);
    expect(await limiter.fail('a', 'token')).toBe(0);
    expect(await limiter.fail('b', 'token')).toBe(0);
    expect(await limiter.fail('c', 'token')).toBeGreaterThan(0);
  });
});

describe('KB_TRUST_PROXY', () => {
  const env = { KB_MUNICIPALITY: '101', KB_TOKENS: 'a-very-long-admin-token=admin' };
  it('when unset, then no proxy is trusted', () => {
    expect(loadConfig(env).trustProxy).toEqual([]);
  });
  it('when it lists addresses, ranges and names, then they are kept', () => {
    expect(loadConfig({ ...env, KB_TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,loopback' }).trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16', 'loopback']);
  });
  it('when an entry is no address, then the start stops naming the variable', () => {
    expect(() => loadConfig({ ...env, KB_TRUST_PROXY: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, KB_TRUST_PROXY: 'true' })).toThrow(/KB_TRUST_PROXY/);
  });
});
