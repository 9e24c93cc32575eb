import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadDatabaseSetup } from '../../services/gateway/src/config/index.ts';

const valid = { KB_MUNICIPALITY: '165', KB_TOKENS: 'abcdefghijklmnop1234=caseworker' };

function problem(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).variable;
  }
  throw new Error('expected a ConfigError');
}

describe('node configuration', () => {
  it('when only the required variables are set, then defaults give an embedded PGlite folder per node', () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({ municipality: '165', port: 8080, exchange: 'kommunebro', databaseUrl: undefined, maxMessageBytes: 262144 });
    expect(config.pgliteDir).toBe('data/165/db');
    expect(config.tokens.get('abcdefghijklmnop1234')).toBe('caseworker');
  });

  it('when DATABASE_URL is set, then PostgreSQL is used and no PGlite folder', () => {
    const config = loadConfig({ ...valid, DATABASE_URL: 'postgresql://u@h/db' });
    expect(config.databaseUrl).toBe('postgresql://u@h/db');
    expect(config.pgliteDir).toBeUndefined();
  });

  it.each([
    [{ KB_MUNICIPALITY: '' }, 'KB_MUNICIPALITY'],
    [{ KB_MUNICIPALITY: '411' }, 'KB_MUNICIPALITY'],
    [{ KB_MUNICIPALITY: '999' }, 'KB_MUNICIPALITY'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ AMQP_URL: 'http://localhost' }, 'AMQP_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ KB_TOKENS: '' }, 'KB_TOKENS'],
    [{ KB_TOKENS: 'short=admin' }, 'KB_TOKENS'],
    [{ KB_TOKENS: 'abcdefghijklmnop1234=janitor' }, 'KB_TOKENS'],
    [{ KB_EXCHANGE: 'Bad Name' }, 'KB_EXCHANGE'],
    [{ KB_MAX_MESSAGE_BYTES: '10' }, 'KB_MAX_MESSAGE_BYTES'],
    [{ KB_QUEUE_TYPE: 'stream' }, 'KB_QUEUE_TYPE'],
    [{ AMQP_URL: 'amqp://a@h1:5672,http://h2' }, 'AMQP_URL'],
    [{ AMQP_URL: 'amqp://kb101:x@h1:5672,amqp://kb165:y@h2:5672' }, 'AMQP_URL'],
    [{ KB_CHECKPOINT_INTERVAL_MS: '10' }, 'KB_CHECKPOINT_INTERVAL_MS'],
    [{ KB_CHECKPOINT_ENTRIES: '0' }, 'KB_CHECKPOINT_ENTRIES'],
  ])('when %o, then the start stops naming %s', (override, variable) => {
    expect(problem({ ...valid, ...override })).toBe(variable);
  });

  it('when KB_QUEUE_TYPE is unset, then the queues are classic; when quorum, then quorum', () => {
    expect(loadConfig(valid).queueType).toBe('classic');
    expect(loadConfig({ ...valid, KB_QUEUE_TYPE: 'quorum' }).queueType).toBe('quorum');
    expect(() => loadConfig({ ...valid, KB_QUEUE_TYPE: 'Quorum' })).toThrow('KB_QUEUE_TYPE must be classic or quorum, got "Quorum"');
  });

  it('when AMQP_URL names the brokers of a cluster separated by commas, then the node knows all of them in that order', () => {
    const config = loadConfig({ ...valid, AMQP_URL: 'amqp://kb165:pw@rabbit-1:5672, amqp://kb165:pw@rabbit-2:5672,amqp://kb165:pw@rabbit-3:5672' });
    expect(config.amqpUrls).toEqual(['amqp://kb165:pw@rabbit-1:5672', 'amqp://kb165:pw@rabbit-2:5672', 'amqp://kb165:pw@rabbit-3:5672']);
    expect(loadConfig(valid).amqpUrls).toEqual(['amqp://guest:guest@127.0.0.1:5672']);
  });

  it('when a variable is wrong, then the message names it', () => {
    expect(() => loadConfig({ ...valid, KB_MUNICIPALITY: '999' })).toThrow(/KB_MUNICIPALITY .*98 municipality codes/);
  });

  it('when nothing about checkpoints is set, then one every 10 minutes or after more than 1000 entries, checked every 5 s', () => {
    expect(loadConfig(valid)).toMatchObject({ checkpointIntervalMs: 600_000, checkpointEntries: 1000, checkpointCheckMs: 5000 });
  });
});

describe("the database owner's setup step", () => {
  it('when the owner and the node have URLs of their own, then the owner migrates and the node role gets grants', () => {
    expect(loadDatabaseSetup({ DATABASE_OWNER_URL: 'postgresql://kb101_owner:pw@db/kb101', DATABASE_URL: 'postgresql://kb101:pw@db/kb101' })).toEqual({ ownerUrl: 'postgresql://kb101_owner:pw@db/kb101', nodeRole: 'kb101' });
  });

  it('when only DATABASE_URL is set, or both name the same role, then one role does both and no grants are given', () => {
    expect(loadDatabaseSetup({ DATABASE_URL: 'postgresql://kb101:pw@db/kb101' })).toEqual({ ownerUrl: 'postgresql://kb101:pw@db/kb101', nodeRole: undefined });
    expect(loadDatabaseSetup({ DATABASE_OWNER_URL: 'postgresql://kb101:pw@db/kb101', DATABASE_URL: 'postgresql://kb101:other@db/kb101' }).nodeRole).toBeUndefined();
  });

  it('when no URL is set or one is not PostgreSQL, then it stops naming the variable', () => {
    const variable = (env: Record<string, string>) => {
      try {
        loadDatabaseSetup(env);
      } catch (error) {
        return (error as ConfigError).variable;
      }
      throw new Error('expected a ConfigError');
    };
    expect(variable({})).toBe('DATABASE_OWNER_URL');
    expect(variable({ DATABASE_OWNER_URL: 'mysql://x', DATABASE_URL: 'postgresql://a@b/c' })).toBe('DATABASE_OWNER_URL');
    expect(variable({ DATABASE_OWNER_URL: 'postgresql://a@b/c', DATABASE_URL: 'mysql://x' })).toBe('DATABASE_URL');
  });
});
