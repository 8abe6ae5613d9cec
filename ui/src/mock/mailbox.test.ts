import { describe, expect, it } from 'vitest';
import { FakeBackend, sampleData } from './backend';
import type { Folder, Message, MessageSummary } from '../lib/types';

const NOW = new Date('2025-03-12T15:00:00Z');

function backend() {
  return new FakeBackend(sampleData(NOW), { now: () => NOW }).install();
}

const list = (b: FakeBackend, folderId: number, limit: number, offset: number) =>
  b.handle('mail_list', { folderId, limit, offset }) as MessageSummary[];

describe('the fake mailbox', () => {
  it('generates the 100,000-message Archive by index, the same every time, newest first', () => {
    const a = list(backend(), 4, 100, 50_000);
    const b = list(backend(), 4, 100, 50_000);
    expect(a).toEqual(b);
    expect(a).toHaveLength(100);
    expect(a[0]!.id).toBe(1_000_001 + 50_000);
    for (let i = 1; i < a.length; i++) expect(a[i]!.date < a[i - 1]!.date).toBe(true);
    expect(list(backend(), 4, 100, 99_950)).toHaveLength(50);
    const archive = (backend().handle('mail_folders', { accountId: 1 }) as Folder[]).find((f) => f.role === 'archive')!;
    expect(archive.total).toBe(100_000);
  });

  it('lists inbox first per account, with counts', () => {
    const folders = backend().handle('mail_folders', { accountId: null }) as Folder[];
    expect(folders[0]).toMatchObject({ account_id: 1, role: 'inbox', unread: 4 });
    expect(folders.find((f) => f.account_id === 2)?.role).toBe('inbox');
  });

  it('moves a generated message out of the Archive and keeps the rest in place', () => {
    const b = backend();
    const id = 1_000_001 + 10;
    b.handle('mail_delete', { ids: [id] });
    const page = list(b, 4, 20, 0);
    expect(page.map((m) => m.id)).not.toContain(id);
    expect(page[10]!.id).toBe(id + 1);
    expect(list(b, 6, 100, 0).map((m) => m.id)).toContain(id);
    const folders = b.handle('mail_folders', { accountId: 1 }) as Folder[];
    expect(folders.find((f) => f.role === 'archive')!.total).toBe(99_999);
  });

  it('keeps flag changes of generated messages', () => {
    const b = backend();
    const id = 1_000_001 + 42;
    b.handle('mail_set_flags', { ids: [id], flag: 'flagged', on: true });
    expect(list(b, 4, 1, 42)[0]!.flags).toContain('flagged');
    const thread = b.handle('mail_thread', { threadId: id }) as Message[];
    expect(thread).toHaveLength(1);
  });

  it('returns a conversation oldest first', () => {
    const thread = backend().handle('mail_thread', { threadId: 900 }) as Message[];
    expect(thread.map((m) => m.folders)).toEqual([['INBOX'], ['Sent'], ['INBOX']]);
    expect(thread[2]!.attachments.map((a) => a.inline)).toEqual([false, false, true]);
  });
});
