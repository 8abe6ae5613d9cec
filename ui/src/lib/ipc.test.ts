import { describe, expect, it } from 'vitest';
import { mockIPC } from '@tauri-apps/api/mocks';
import * as ipc from './ipc';
import { OrbitError } from './ipc';

function rejectWith(value: unknown) {
  mockIPC(() => {
    throw value;
  });
}

async function caught(p: Promise<unknown>): Promise<OrbitError> {
  try {
    await p;
  } catch (e) {
    expect(e, 'every rejection is an OrbitError').toBeInstanceOf(OrbitError);
    return e as OrbitError;
  }
  throw new Error('expected a rejection');
}

describe('ipc error mapping', () => {
  it('keeps code and message of a {code, message} rejection', async () => {
    rejectWith({ code: 'not_found', message: 'account 7 not found' });
    const err = await caught(ipc.accountRemove(7));
    expect(err.code).toBe('not_found');
    expect(err.message).toBe('account 7 not found');
    expect(err.name).toBe('OrbitError');
  });

  it('accepts a code without a message', async () => {
    rejectWith({ code: 'database_locked' });
    const err = await caught(ipc.accountList());
    expect(err.code).toBe('database_locked');
    expect(err.message).toBe('');
  });

  it.each([
    ['a plain string', 'boom', 'boom'],
    ['an Error', new Error('broken pipe'), 'broken pipe'],
    ['null', null, 'null'],
    ['undefined', undefined, 'Unknown error'],
    ['an object without code', { message: 'odd' }, 'odd'],
    ['a number', 42, '42'],
  ])('maps %s to code "internal"', async (_label, value, message) => {
    rejectWith(value);
    const err = await caught(ipc.appInfo());
    expect(err.code).toBe('internal');
    expect(err.message).toBe(message);
  });
});

describe('ipc arguments', () => {
  it('sends camelCase argument keys and snake_case DTO fields', async () => {
    const seen: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      seen.push({ cmd, args });
      return cmd === 'activity_list' ? [] : null;
    });
    const input = { name: 'A', email: 'a@b.c', username: 'a', imap: null, smtp: null, caldav_url: 'https://dav.b.c/' };
    await ipc.accountUpdate(3, input, null);
    await ipc.providerUpdate('openai', 'http://localhost:11434/v1', null);
    await ipc.activityList({ actor: 'agent' });
    await ipc.apiKeySet('anthropic', 'sk-test');
    expect(seen).toEqual([
      { cmd: 'account_update', args: { id: 3, input, password: null } },
      { cmd: 'provider_update', args: { provider: 'openai', baseUrl: 'http://localhost:11434/v1', model: null } },
      { cmd: 'activity_list', args: { filter: { actor: 'agent', action: null, limit: null } } },
      { cmd: 'api_key_set', args: { provider: 'anthropic', key: 'sk-test' } },
    ]);
  });

  it('sends the mail commands with camelCase keys and resolves changes to nothing', async () => {
    const seen: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      seen.push({ cmd, args });
      return cmd.startsWith('mail_set') || ['mail_archive', 'mail_delete', 'mail_move'].includes(cmd) ? null : [];
    });
    await ipc.mailFolders(null);
    await ipc.mailList(4, 100, 49_900);
    await ipc.mailThread(900);
    await ipc.mailSync(2);
    expect(await ipc.mailSetFlags([1, 2], 'seen', true)).toBeUndefined();
    await ipc.mailArchive([3]);
    await ipc.mailDelete([4]);
    await ipc.mailMove([5], 7);
    expect(seen).toEqual([
      { cmd: 'mail_folders', args: { accountId: null } },
      { cmd: 'mail_list', args: { folderId: 4, limit: 100, offset: 49_900 } },
      { cmd: 'mail_thread', args: { threadId: 900 } },
      { cmd: 'mail_sync', args: { accountId: 2 } },
      { cmd: 'mail_set_flags', args: { ids: [1, 2], flag: 'seen', on: true } },
      { cmd: 'mail_archive', args: { ids: [3] } },
      { cmd: 'mail_delete', args: { ids: [4] } },
      { cmd: 'mail_move', args: { ids: [5], folderId: 7 } },
    ]);
  });
});
