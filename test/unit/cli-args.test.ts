import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../services/gateway/src/cli/main.ts';

const env = { KB_NODE_URL: 'http://127.0.0.1:9', KB_ADMIN_TOKEN: 'unused-token-unused-token' };

describe('admin CLI arguments (node:util parseArgs)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('when --help is given, then the usage with the dead-letter commands is printed and no node is called', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await run(['keys', 'list', '--help'], {});
    expect(log.mock.calls[0]![0]).toContain('dead-letters replay <message-id>');
  });

  it('when --days is not a number, then it is refused before any call (not read as 90)', async () => {
    await expect(run(['tokens', 'create', 'caseworker', '--days', 'abc'], env)).rejects.toThrow('--days must be a whole number of days (1 to 730), got "abc"');
    await expect(run(['tokens', 'create', 'caseworker', '--days', '0'], env)).rejects.toThrow(/--days must be/);
  });

  it('when an option is unknown or lacks its value, then it is a usage error', async () => {
    await expect(run(['keys', 'list', '--bogus', 'x'], env)).rejects.toThrow(/Unknown option '--bogus'/);
    await expect(run(['keys', 'revoke', 'k', '--reason'], env)).rejects.toThrow(/argument missing/);
  });

  it('when dead-letters replay has no id, then it says what it needs', async () => {
    await expect(run(['dead-letters', 'replay'], env)).rejects.toThrow('dead-letters replay needs <message-id>');
  });
});
