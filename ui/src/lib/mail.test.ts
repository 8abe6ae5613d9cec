import { describe, expect, it } from 'vitest';
import {
  folderBadge,
  folderLabel,
  formatBytes,
  groupFolders,
  initials,
  linkify,
  namesLine,
  parseSender,
  recipientsOf,
  snippetOf,
  sortFolders,
  splitQuotes,
  syncErrorText,
  withFlag,
} from './mail';
import type { Folder, FolderRole } from './types';

const folder = (id: number, role: FolderRole | null, name: string = role ?? `F${id}`, account_id = 1): Folder => ({
  id,
  account_id,
  name,
  role,
  total: 10,
  unread: 2,
  synced_at: null,
});

describe('folders', () => {
  it('orders Inbox, Drafts, Sent, Archive, Junk, Trash, then the rest by name', () => {
    const sorted = sortFolders([
      folder(1, null, 'receipts'),
      folder(2, 'trash'),
      folder(3, 'all', '[Gmail]/All Mail'),
      folder(4, 'sent', '[Gmail]/Sent Mail'),
      folder(5, 'junk', 'Spam'),
      folder(6, 'inbox', 'INBOX'),
      folder(7, 'archive'),
      folder(8, null, 'Archive 2019'),
      folder(9, 'drafts'),
      folder(10, 'flagged', '[Gmail]/Starred'),
    ]);
    expect(sorted.map(folderLabel)).toEqual(['Inbox', 'Drafts', 'Sent', 'Archive', 'Junk', 'Trash', 'All mail', 'Archive 2019', 'Flagged', 'receipts']);
  });

  it('groups by account in order of appearance', () => {
    const groups = groupFolders([folder(1, 'inbox', 'INBOX', 2), folder(2, 'trash', 'Trash', 1), folder(3, 'sent', 'Sent', 2), folder(4, 'inbox', 'INBOX', 1)]);
    expect(groups.map((g) => [g.accountId, g.folders.map((f) => f.id)])).toEqual([
      [2, [1, 3]],
      [1, [4, 2]],
    ]);
  });

  it('counts drafts in full, shows none for sent and trash, unread for the rest', () => {
    expect(folderBadge(folder(1, 'drafts'))).toBe(10);
    expect(folderBadge(folder(1, 'sent'))).toBe(0);
    expect(folderBadge(folder(1, 'trash'))).toBe(0);
    expect(folderBadge(folder(1, 'inbox'))).toBe(2);
    expect(folderBadge(folder(1, null))).toBe(2);
  });
});

describe('people', () => {
  it.each([
    ['Priya Shah <priya@lumen.studio>', 'Priya Shah', 'priya@lumen.studio'],
    ['"Shah, Priya" <priya@lumen.studio>', 'Shah, Priya', 'priya@lumen.studio'],
    ['<priya@lumen.studio>', 'priya@lumen.studio', 'priya@lumen.studio'],
    ['priya@lumen.studio', 'priya@lumen.studio', 'priya@lumen.studio'],
  ])('parses %s', (from, name, email) => {
    expect(parseSender(from)).toEqual({ name, email });
  });

  it('reads stored recipients defensively', () => {
    expect(recipientsOf({ to: [{ name: null, email: 'a@x' }] })).toEqual({ to: [{ name: null, email: 'a@x' }], cc: [], bcc: [], reply_to: [] });
    expect(recipientsOf(null)).toEqual({ to: [], cc: [], bcc: [], reply_to: [] });
    expect(recipientsOf({ to: 'nonsense' as never, cc: [{ nope: 1 } as never] }).to).toEqual([]);
  });

  it('shortens long name lists and makes initials', () => {
    const people = ['Ann', 'Bo', 'Cy', 'Di', 'Ed'].map((name) => ({ name, email: `${name}@x` }));
    expect(namesLine(people.slice(0, 3))).toBe('Ann, Bo, Cy');
    expect(namesLine(people)).toBe('Ann, Bo and 3 others');
    expect(initials('Priya Shah')).toBe('PS');
    expect(initials('priya@lumen.studio')).toBe('PS');
    expect(initials('Figma')).toBe('F');
  });
});

describe('flags and sizes', () => {
  it('adds and removes flags without mutating', () => {
    const m = { flags: ['seen'] };
    expect(withFlag(m, 'flagged', true).flags).toEqual(['seen', 'flagged']);
    expect(withFlag(m, 'seen', false).flags).toEqual([]);
    expect(withFlag(m, 'seen', true)).toBe(m);
    expect(m.flags).toEqual(['seen']);
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(48_213)).toBe('48 KB');
    expect(formatBytes(4_096)).toBe('4.1 KB');
    expect(formatBytes(18_400_512)).toBe('18 MB');
  });

  it('words sync errors', () => {
    expect(syncErrorText([])).toBe('');
    expect(syncErrorText(['Spam: NO'])).toBe('Couldn’t sync Spam: NO');
    expect(syncErrorText(['Spam: NO', 'Trash: BAD'])).toBe('Couldn’t sync 2 folders: Spam: NO');
  });
});

describe('bodies', () => {
  it('folds quotes together with their attribution line', () => {
    const text = 'Sounds good.\n\nSam\n\nOn Tue, 4 Mar 2025, Priya <p@x> wrote:\n> Hello\n>\n> > older\n> bye\n\n';
    expect(splitQuotes(text)).toEqual([
      { quoted: false, text: 'Sounds good.\n\nSam' },
      { quoted: true, text: 'On Tue, 4 Mar 2025, Priya <p@x> wrote:\n> Hello\n>\n> > older\n> bye' },
    ]);
  });

  it('keeps inline replies between quotes apart', () => {
    const blocks = splitQuotes('> Can you come?\n\nYes!\n\n> And bring wine?\nOf course.');
    expect(blocks.map((b) => [b.quoted, b.text])).toEqual([
      [true, '> Can you come?'],
      [false, 'Yes!'],
      [true, '> And bring wine?'],
      [false, 'Of course.'],
    ]);
  });

  it('takes a wrapped attribution line ("…\\nwrote:") into the quote', () => {
    const blocks = splitQuotes('Thanks!\n\nOn Tue, 4 Mar 2025 at 14:02, Priya Shah <priya@lumen.studio>\nwrote:\n> Hi');
    expect(blocks[0]).toEqual({ quoted: false, text: 'Thanks!' });
    expect(blocks[1]?.text.startsWith('On Tue')).toBe(true);
  });

  it('leaves text without quotes alone, and handles CRLF', () => {
    expect(splitQuotes('Line 1\r\nLine 2')).toEqual([{ quoted: false, text: 'Line 1\nLine 2' }]);
    expect(splitQuotes('')).toEqual([]);
  });

  it('finds URLs, leaving trailing punctuation and unbalanced brackets as text', () => {
    expect(linkify('See https://a.example/x?y=1, then (https://b.example/p) or www.c.example.')).toEqual([
      { kind: 'text', text: 'See ' },
      { kind: 'link', text: 'https://a.example/x?y=1' },
      { kind: 'text', text: ', then (' },
      { kind: 'link', text: 'https://b.example/p' },
      { kind: 'text', text: ') or ' },
      { kind: 'link', text: 'www.c.example' },
      { kind: 'text', text: '.' },
    ]);
    expect(linkify('https://en.wikipedia.org/wiki/Orbit_(film)')).toEqual([{ kind: 'link', text: 'https://en.wikipedia.org/wiki/Orbit_(film)' }]);
    expect(linkify('no links here')).toEqual([{ kind: 'text', text: 'no links here' }]);
    expect(linkify('javascript:alert(1) is not a link')).toEqual([{ kind: 'text', text: 'javascript:alert(1) is not a link' }]);
  });

  it('makes snippets from what the sender wrote', () => {
    expect(snippetOf('Yes!\n\nOn Mon, A wrote:\n> question')).toBe('Yes!');
    expect(snippetOf('a '.repeat(100), 20)).toBe('a a a a a a a a a a…');
  });
});

describe('link hosts', () => {
  it('reads the real host of a link and the host its text claims', async () => {
    const { linkHost, shownHost } = await import('./mail');
    expect(linkHost('https://www.Example.com/a?b')).toBe('example.com');
    expect(linkHost('mailto:Ann@Example.com?subject=x')).toBe('ann@example.com');
    expect(linkHost('javascript:alert(1)')).toBeNull();
    expect(shownHost('https://bank.example/')).toBe('bank.example');
    expect(shownHost('www.bank.example/login')).toBe('bank.example');
    expect(shownHost('Read more')).toBeNull();
  });
});
