import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import { emptyMail, sampleData, type FakeBackend, type FakeOptions } from '../../mock/backend';
import { renderApp } from '../../test/render';
import type { Folder } from '../types';

const ROW = 60;
const rows = () => screen.queryAllByTestId('mail-row');
const rowIds = () => rows().map((r) => Number(r.dataset.messageId));
const row = (id: number) => rows().find((r) => Number(r.dataset.messageId) === id);
const selectedId = () => Number(screen.getByTestId('mail-row-selected').dataset.messageId);

async function openInbox(options: FakeOptions = {}, data = sampleData()) {
  const ctx = await renderApp(data, options);
  await waitFor(() => expect(rows().length).toBeGreaterThan(5));
  return ctx;
}

/** The counts the backend reports now. */
function foldersOf(backend: FakeBackend, accountId: number): Folder[] {
  return backend.handle('mail_folders', { accountId }) as Folder[];
}

function inboxIds(backend: FakeBackend): number[] {
  return backend.data.mail.messages
    .filter((m) => m.folder_ids.includes(1))
    .sort((a, b) => b.date.localeCompare(a.date))
    .map((m) => m.id);
}

function flagsOf(backend: FakeBackend, id: number): string[] {
  return backend.data.mail.messages.find((m) => m.id === id)?.flags ?? [];
}

function folderCount(testid: string): string {
  return within(screen.getByTestId(testid)).queryByTestId('mail-folder-count')?.textContent ?? '';
}

describe('inbox: folders', () => {
  it('lists each account’s folders in role order with role icons and counts', async () => {
    const { backend } = await openInbox();
    const pane = screen.getByTestId('mail-folders');
    const [local, ...sections] = [...pane.querySelectorAll('section')];
    expect([...local!.querySelectorAll('.label')].map((l) => l.textContent), 'drafts and outbox on this computer first').toEqual(['Drafts', 'Outbox']);
    expect(sections).toHaveLength(2);
    const roles = [...sections[0]!.querySelectorAll('li')].map((li) => li.dataset.role || li.querySelector('.label')?.textContent);
    expect(roles).toEqual(['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash', 'Receipts', 'Travel']);
    expect(sections[0]!.textContent).toContain('sam.rivera@fastmail.com');
    expect(sections[1]!.textContent).toContain('s.rivera@northwind.example');

    const expected = foldersOf(backend, 1);
    const inbox = expected.find((f) => f.role === 'inbox')!;
    expect(inbox.unread).toBe(4);
    expect(folderCount('mail-folder-1')).toBe('4');
    expect(folderCount('mail-folder-2'), 'drafts count everything').toBe('2');
    expect(folderCount('mail-folder-3'), 'sent shows no count').toBe('');
    expect(folderCount('mail-folder-4')).toBe(String(expected.find((f) => f.role === 'archive')!.unread));
    expect(folderCount('mail-folder-11'), 'second account').toBe('2');
    expect(screen.getByTestId('mail-folder-role-inbox').getAttribute('aria-current')).toBe('true');
    expect(screen.getByTestId('mail-folder-role-inbox').closest('li')?.dataset.folderId).toBe('1');
    expect(screen.getByTestId('mail-folder-role-junk').textContent, 'role name, not the server’s "Spam"').toContain('Junk');
    expect(screen.getByTestId('mail-folder-role-archive').title).toContain('100,000 messages');
    expect(backend.callsOf('mail_folders')[0]?.args).toEqual({ accountId: null });
  });

  it('lists the inbox newest first with unread, flag and attachment marks', async () => {
    const { backend } = await openInbox();
    const ids = inboxIds(backend);
    expect(rowIds()).toEqual(ids.slice(0, rows().length));
    expect(backend.callsOf('mail_list')[0]?.args).toEqual({ folderId: 1, limit: 100, offset: 0 });
    const first = rows()[0]!;
    expect(first.classList.contains('unread')).toBe(true);
    expect(first.textContent).toContain('Maya Okafor');
    expect(first.textContent).toContain('Dinner on Saturday?');
    expect(first.textContent).toContain('7 min');
    const priya = rows()[1]!;
    expect(within(priya).getByTestId('mail-row-flag')).toBeTruthy();
    expect(within(priya).getByTitle('Has attachments')).toBeTruthy();
    expect(screen.getByTestId('mail-list-counts').textContent).toBe(`4 unread · ${ids.length} messages`);
  });

  it('shows another folder, and "Nothing in …" for an empty one', async () => {
    const { user } = await openInbox();
    await user.click(screen.getByTestId('mail-folder-role-sent'));
    await waitFor(() => expect(rows()[0]?.textContent).toContain('Sam Rivera'));
    const drafts = within(screen.getByTestId('mail-folder-13')).getByRole('button');
    await user.click(drafts);
    expect((await screen.findByTestId('mail-empty-folder')).textContent).toContain('Nothing in Drafts');
    expect(screen.queryByTestId('mail-list')).toBeNull();
  });
});

describe('inbox: the virtualised list', () => {
  it('holds fewer than 100 rows for 100,000 messages and fetches only the pages in view', async () => {
    const { user, backend } = await openInbox();
    await user.click(screen.getByTestId('mail-folder-role-archive'));
    const list = screen.getByTestId('mail-list');
    await waitFor(() => expect(rowIds()[0]).toBe(1_000_001));
    const spacer = list.firstElementChild as HTMLElement;
    expect(spacer.style.height, 'scroll height from the folder’s total').toBe(`${100_000 * ROW}px`);
    expect(rows().length).toBeGreaterThan(5);
    expect(rows().length).toBeLessThan(100);

    const archive = () => backend.callsOf('mail_list').filter((c) => c.args.folderId === 4);
    expect(archive().map((c) => c.args)).toEqual([{ folderId: 4, limit: 100, offset: 0 }]);

    list.scrollTop = 50_000 * ROW;
    await fireEvent.scroll(list);
    await waitFor(() => expect(rowIds()).toContain(1_000_001 + 50_000));
    const fetched = archive().slice(1);
    expect(fetched.length, 'one or two pages around the middle').toBeGreaterThanOrEqual(1);
    expect(fetched.length).toBeLessThanOrEqual(2);
    for (const c of fetched) {
      expect(c.args.limit).toBe(100);
      expect(c.args.offset as number).toBeGreaterThanOrEqual(49_800);
      expect(c.args.offset as number).toBeLessThanOrEqual(50_100);
    }
    expect(rows().length).toBeLessThan(100);
    const middle = row(1_000_001 + 50_000)!;
    expect(middle.style.top).toBe(`${50_000 * ROW}px`);

    // Scrolling back to the top needs no request: page 0 is still cached.
    const count = archive().length;
    list.scrollTop = 0;
    await fireEvent.scroll(list);
    await waitFor(() => expect(rowIds()[0]).toBe(1_000_001));
    expect(archive()).toHaveLength(count);
  });

  it('j walks into pages that are fetched ahead of the view', async () => {
    const { user, backend } = await openInbox();
    await user.click(screen.getByTestId('mail-folder-role-archive'));
    await waitFor(() => expect(rowIds()[0]).toBe(1_000_001));
    const list = screen.getByTestId('mail-list');
    list.scrollTop = 95 * ROW;
    await fireEvent.scroll(list);
    await waitFor(() => expect(backend.callsOf('mail_list').some((c) => c.args.offset === 100)).toBe(true));
    await user.keyboard('j');
    const start = selectedId();
    expect(start).toBeGreaterThanOrEqual(1_000_001 + 95);
    await user.keyboard('jjjjjjjjjj');
    expect(selectedId()).toBe(start + 10);
  });
});

describe('inbox: keys', () => {
  it('j and k move the selection; the reading pane follows the conversation', async () => {
    const { user, backend } = await openInbox();
    const ids = inboxIds(backend);
    expect(screen.queryByTestId('mail-row-selected')).toBeNull();
    expect(screen.getByTestId('mail-no-selection')).toBeTruthy();
    await user.keyboard('j');
    expect(selectedId()).toBe(ids[0]);
    await user.keyboard('j');
    expect(selectedId()).toBe(ids[1]);
    expect(screen.getByTestId('mail-row-selected').closest('[data-testid="mail-row"]')?.getAttribute('aria-selected')).toBe('true');
    await waitFor(() => expect(screen.getAllByTestId('conversation-message')).toHaveLength(3));
    await user.keyboard('k');
    expect(selectedId()).toBe(ids[0]);
    await user.keyboard('k');
    expect(selectedId(), 'stops at the top').toBe(ids[0]);
    expect(backend.callsOf('mail_set_flags'), 'moving is not reading').toHaveLength(0);
  });

  it('Enter opens: marks the message seen at once and focuses the reading pane', async () => {
    const { user, backend } = await openInbox({ changeDelayMs: 30 });
    const id = inboxIds(backend)[0]!;
    await user.keyboard('j{Enter}');
    expect(row(id)!.classList.contains('unread'), 'optimistic').toBe(false);
    expect(folderCount('mail-folder-1')).toBe('3');
    expect(backend.callsOf('mail_set_flags').map((c) => c.args)).toEqual([{ ids: [id], flag: 'seen', on: true }]);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('conversation')));
    await waitFor(() => expect(flagsOf(backend, id)).toContain('seen'));
    // While reading, j opens the next message (and marks it seen too).
    const next = inboxIds(backend)[1]!;
    await user.keyboard('j');
    await waitFor(() => expect(backend.callsOf('mail_set_flags').at(-1)?.args).toEqual({ ids: [next], flag: 'seen', on: true }));
    await user.keyboard('{Escape}');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('mail-list')));
  });

  it('opening a message with a click marks it seen', async () => {
    const { user, backend } = await openInbox();
    const id = inboxIds(backend)[2]!; // GitHub, unread
    expect(row(id)!.classList.contains('unread')).toBe(true);
    await user.click(row(id)!);
    expect(selectedId()).toBe(id);
    await waitFor(() => expect(backend.callsOf('mail_set_flags').map((c) => c.args)).toEqual([{ ids: [id], flag: 'seen', on: true }]));
    expect(row(id)!.classList.contains('unread')).toBe(false);
    await waitFor(() => expect(screen.getByTestId('conversation').textContent).toContain('IMAP IDLE reconnect'));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('conversation')));
  });

  it('s flags at once and keeps it when the command succeeds', async () => {
    const { user, backend } = await openInbox({ changeDelayMs: 30 });
    const id = inboxIds(backend)[0]!;
    await user.keyboard('js');
    expect(within(row(id)!).queryByTestId('mail-row-flag'), 'optimistic').not.toBeNull();
    expect(backend.callsOf('mail_set_flags').map((c) => c.args)).toEqual([{ ids: [id], flag: 'flagged', on: true }]);
    await waitFor(() => expect(flagsOf(backend, id)).toContain('flagged'));
    expect(within(row(id)!).queryByTestId('mail-row-flag')).not.toBeNull();
    await user.keyboard('s');
    await waitFor(() => expect(flagsOf(backend, id)).not.toContain('flagged'));
    expect(within(row(id)!).queryByTestId('mail-row-flag')).toBeNull();
  });

  it('s rolls back with an error toast when the command fails', async () => {
    const { user, backend } = await openInbox({ changeDelayMs: 30 });
    const id = inboxIds(backend)[0]!;
    backend.rejectNext('mail_set_flags', { code: 'database', message: 'disk I/O error' });
    const release = backend.hold();
    await user.keyboard('js');
    expect(within(row(id)!).queryByTestId('mail-row-flag'), 'shown at once').not.toBeNull();
    release();
    const toast = await screen.findByTestId('toast');
    expect(toast.textContent).toContain('Couldn’t flag the message');
    expect(within(row(id)!).queryByTestId('mail-row-flag'), 'rolled back').toBeNull();
    expect(flagsOf(backend, id)).not.toContain('flagged');
  });

  it('u toggles unread at once (with the folder count) and rolls back on failure', async () => {
    const { user, backend } = await openInbox({ changeDelayMs: 30 });
    const id = inboxIds(backend)[4]!; // Linear, read
    await user.click(row(id)!); // opens it: already read, nothing to mark
    expect(backend.callsOf('mail_set_flags')).toHaveLength(0);
    await user.keyboard('u');
    expect(row(id)!.classList.contains('unread')).toBe(true);
    expect(folderCount('mail-folder-1')).toBe('5');
    expect(backend.callsOf('mail_set_flags').at(-1)?.args).toEqual({ ids: [id], flag: 'seen', on: false });
    await waitFor(() => expect(flagsOf(backend, id)).not.toContain('seen'));

    backend.rejectNext('mail_set_flags', { code: 'database_locked', message: 'database is locked' });
    const release = backend.hold();
    await user.keyboard('u');
    expect(row(id)!.classList.contains('unread'), 'read at once').toBe(false);
    expect(folderCount('mail-folder-1')).toBe('4');
    release();
    expect((await screen.findByTestId('toast')).textContent).toContain('Couldn’t mark the message as read');
    expect(row(id)!.classList.contains('unread'), 'rolled back').toBe(true);
    expect(folderCount('mail-folder-1')).toBe('5');
  });

  it('e archives: the row leaves at once, the next is selected, and Undo moves it back', async () => {
    const { user, backend } = await openInbox({ changeDelayMs: 30 });
    const [first, second] = inboxIds(backend);
    const archiveBefore = foldersOf(backend, 1).find((f) => f.role === 'archive')!.total;
    await user.keyboard('je');
    expect(row(first!), 'gone at once').toBeUndefined();
    expect(selectedId()).toBe(second);
    expect(folderCount('mail-folder-1')).toBe('3');
    expect(backend.callsOf('mail_archive').map((c) => c.args)).toEqual([{ ids: [first] }]);
    const toast = await screen.findByTestId('toast');
    expect(toast.textContent).toContain('Archived');
    expect(toast.textContent).toContain('Dinner on Saturday?');
    expect(foldersOf(backend, 1).find((f) => f.role === 'archive')!.total).toBe(archiveBefore + 1);

    await user.click(within(toast).getByTestId('toast-action'));
    await waitFor(() => expect(backend.callsOf('mail_move').map((c) => c.args)).toEqual([{ ids: [first], folderId: 1 }]));
    await waitFor(() => expect(rowIds()[0]).toBe(first));
  });

  it('e puts the row back with an error toast when archiving fails', async () => {
    const { user, backend } = await openInbox({ changeDelayMs: 30 });
    const [first] = inboxIds(backend);
    backend.rejectNext('mail_archive', { code: 'not_found', message: 'This account has no Archive folder' });
    await user.keyboard('je');
    expect(row(first!)).toBeUndefined();
    expect((await screen.findByTestId('toast')).textContent).toContain('Couldn’t archive the message');
    await waitFor(() => expect(rowIds()[0]).toBe(first));
    expect(selectedId()).toBe(first);
    expect(folderCount('mail-folder-1')).toBe('4');
  });

  it('# moves the selected message to Trash', async () => {
    const { user, backend } = await openInbox();
    const [, second, third] = inboxIds(backend);
    await user.keyboard('jj#');
    expect(row(second!)).toBeUndefined();
    expect(selectedId()).toBe(third);
    await waitFor(() => expect(backend.callsOf('mail_delete').map((c) => c.args)).toEqual([{ ids: [second] }]));
    expect(backend.data.mail.messages.find((m) => m.id === second)?.folder_ids).toEqual([6]);
    expect((await screen.findByTestId('toast')).textContent).toContain('Moved to Trash');
  });

  it('/ focuses the search box; results come as you type, keys act on nothing else, Esc goes back', async () => {
    const { user, backend } = await openInbox();
    await user.keyboard('/');
    const search = screen.getByTestId('mail-search') as HTMLInputElement;
    expect(document.activeElement).toBe(search);
    expect(search.value, 'the slash is not typed').toBe('');
    await user.keyboard('kitch');
    const hits = await screen.findAllByTestId('search-hit');
    expect(hits.some((h) => h.textContent?.includes('Kitchen drawings, revision C'))).toBe(true);
    expect(backend.callsOf('search_mail').at(-1)?.args).toMatchObject({ query: 'kitch', asYouType: true });
    expect(screen.getByTestId('mail-list-counts').textContent).toMatch(/^\d+ match(es)?$/);
    expect(rows(), 'the folder list gives way to the results').toHaveLength(0);
    await user.keyboard('en #');
    await waitFor(() => expect(backend.callsOf('search_mail').at(-1)?.args).toMatchObject({ query: 'kitchen #', asYouType: true }));
    expect(backend.callsOf('mail_archive')).toHaveLength(0);
    expect(backend.callsOf('mail_set_flags')).toHaveLength(0);
    await user.keyboard('{Escape}');
    expect(search.value).toBe('');
    await waitFor(() => expect(rows().length).toBeGreaterThan(5));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('mail-list')));
  });

  it('a result opens its conversation with the words marked; the conversation acts on that message', async () => {
    const { user, backend } = await openInbox();
    await user.click(screen.getByTestId('mail-search'));
    await user.keyboard('dinner ');
    const hit = (await screen.findAllByTestId('search-hit'))[0]!;
    expect(within(hit).getByTestId('search-snippet').querySelector('mark')?.textContent?.toLowerCase()).toBe('dinner');
    await user.keyboard('{ArrowDown}');
    expect(await screen.findByTestId('conversation')).toBeTruthy();
    expect(screen.getByTestId('conversation').textContent).toContain('Dinner on Saturday?');
    const id = Number(hit.dataset.messageId);
    await user.click(within(screen.getByTestId('conversation')).getByRole('button', { name: /archive/i }));
    await waitFor(() => expect(backend.callsOf('mail_archive').map((c) => c.args)).toEqual([{ ids: [id] }]));
    await waitFor(() => expect(backend.callsOf('search_mail').length).toBeGreaterThan(1));
  });

  it('filters in the query show as chips; removing one searches without it', async () => {
    const { user, backend } = await openInbox();
    await user.click(screen.getByTestId('mail-search'));
    await user.keyboard('from:maya -is:read dinner ');
    const chips = await screen.findAllByTestId('search-chip');
    expect(chips.map((c) => c.textContent?.replace(/\s+/g, ' ').trim())).toEqual(['from: maya', 'not is: read']);
    await user.click(within(chips[0]!).getByTestId('search-chip-remove'));
    expect((screen.getByTestId('mail-search') as HTMLInputElement).value).toBe('-is:read dinner');
    await waitFor(() => expect(backend.callsOf('search_mail').at(-1)?.args).toMatchObject({ query: '-is:read dinner' }));
    expect(screen.getAllByTestId('search-chip')).toHaveLength(1);
  });

  it('a mistake in the query says why instead of showing no results', async () => {
    const { user } = await openInbox();
    await user.click(screen.getByTestId('mail-search'));
    await user.keyboard('"unclosed');
    const problem = await screen.findByTestId('search-error');
    expect(problem.textContent).toContain('A quote is not closed');
    expect(screen.queryByTestId('search-empty')).toBeNull();
    await user.keyboard('"');
    await waitFor(() => expect(screen.queryByTestId('search-error')).toBeNull());
  });

  it('g i goes back to the inbox from another folder; ? lists the mail keys', async () => {
    const { user } = await openInbox();
    await user.click(screen.getByTestId('mail-folder-role-sent'));
    expect(screen.getByTestId('mail-folder-role-sent').getAttribute('aria-current')).toBe('true');
    await user.keyboard('gi');
    expect(screen.getByTestId('mail-folder-role-inbox').getAttribute('aria-current')).toBe('true');
    await user.keyboard('?');
    const mail = within(await screen.findByTestId('shortcut-sheet')).getByTestId('shortcuts-mail');
    for (const label of ['Archive', 'Delete', 'Flag or unflag', 'Mark read or unread', 'Search', 'Next / previous message']) expect(mail.textContent).toContain(label);
    await user.keyboard('j');
    expect(screen.queryByTestId('mail-row-selected'), 'keys wait while the sheet is open').toBeNull();
  });
});

describe('inbox: the conversation', () => {
  it('shows each message with sender, date, recipients and attachment chips; quoted text folded', async () => {
    const { user, backend } = await openInbox();
    await user.click(row(inboxIds(backend)[1]!)!);
    await waitFor(() => expect(screen.getAllByTestId('conversation-message')).toHaveLength(3));
    expect(backend.callsOf('mail_thread').at(-1)?.args).toEqual({ threadId: 900 });
    const conversation = screen.getByTestId('conversation');
    expect(within(conversation).getByRole('heading', { level: 2 }).textContent).toBe('Orbit beta: feedback from the first week');
    const [first, reply, last] = screen.getAllByTestId('conversation-message');
    expect(first!.textContent).toContain('Priya Shah');
    expect(first!.textContent).toContain('priya@lumen.studio');
    expect(first!.textContent).toContain('to me');
    expect(first!.textContent).toContain('cc Jordan Lee');
    expect(reply!.textContent).toContain('Sam Rivera (me)');
    expect(reply!.textContent).toContain('to Priya Shah');
    expect(first!.querySelector('time')?.getAttribute('title')).toBeTruthy();

    const chips = within(last!).getAllByTestId('attachment').map((c) => c.textContent);
    expect(chips).toHaveLength(2);
    expect(chips[0]).toContain('orbit-crash-2025-03-11.log');
    expect(chips[0]).toContain('48 KB');
    expect(chips[1]).toContain('counter-lag.mov');
    expect(last!.textContent, 'inline images are not chips').not.toContain('logo.png');

    const body = within(reply!).getByTestId('message-body');
    expect(body.textContent).toContain('Thanks Priya, this is gold.');
    expect(body.textContent, 'quote folded').not.toContain('Talk soon');
    expect(body.textContent).not.toContain('wrote:');
    const toggle = within(body).getByTestId('quoted-toggle');
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await user.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(within(body).getByTestId('quoted-text').textContent).toContain('Talk soon');
    expect(body.textContent).toContain('Priya Shah <priya@lumen.studio> wrote:');
    await user.click(toggle);
    expect(within(body).queryByTestId('quoted-text')).toBeNull();
  });

  it('shows links as buttons that ask before opening, never as something that navigates', async () => {
    const { user, backend } = await openInbox();
    await user.click(row(inboxIds(backend)[1]!)!);
    await waitFor(() => expect(screen.getAllByTestId('conversation-message')).toHaveLength(3));
    const conversation = screen.getByTestId('conversation');
    expect(conversation.querySelectorAll('a')).toHaveLength(0);
    const link = within(conversation).getByText('https://docs.lumen.studio/orbit-beta/week-1');
    expect(link.tagName).toBe('BUTTON');
    expect(link.getAttribute('title')).toContain('https://docs.lumen.studio/orbit-beta/week-1');
    const staging = within(conversation).getByText('https://builds.orbit.example/beta/0.4.2-rc1');
    expect(staging.parentElement?.textContent, 'the closing bracket stays text').toContain('(https://builds.orbit.example/beta/0.4.2-rc1) still works');
  });

  it('shows an HTML message in the safe viewer, saying what remote content it left out', async () => {
    const { user, backend } = await openInbox();
    const figma = backend.data.mail.messages.find((m) => m.subject.startsWith('Config 2025'))!;
    await user.click(row(figma.id)!);
    const frame = await screen.findByTestId('message-html');
    expect(frame.getAttribute('sandbox')).toBe('allow-same-origin');
    expect(screen.getByTestId('remote-blocked').textContent).toContain('blocked to protect your privacy');
    expect(backend.callsOf('mail_render').at(-1)?.args).toMatchObject({ id: figma.id });
  });
});

describe('inbox: sync and events', () => {
  it('going to the inbox re-reads it, even when no event said it changed', async () => {
    const { user, backend } = await openInbox();
    const before = rowIds();
    const template = backend.data.mail.messages.find((m) => m.folder_ids.includes(1))!;
    // Stored meanwhile, announced to no one (an event sent before this view listened).
    backend.data.mail.messages.push({ ...structuredClone(template), id: 999_001, thread_id: 999_001, subject: 'Landed unannounced', date: new Date().toISOString() });
    expect(rowIds()).toEqual(before);
    await user.click(screen.getByTestId('nav-inbox'));
    await waitFor(() => expect(rowIds()).toContain(999_001));
  });

  it('"mail-changed" re-queries the folders and the visible page', async () => {
    const { backend } = await openInbox();
    const folderCalls = backend.callsOf('mail_folders').length;
    const id = 777;
    backend.data.mail.messages.push({
      id,
      message_id: 'new@example',
      thread_id: 7777,
      folder_ids: [1],
      subject: 'Tickets for Friday',
      from: 'Alex Moreno <alex.moreno@hey.com>',
      recipients: { to: [{ name: 'Sam Rivera', email: 'sam.rivera@fastmail.com' }], cc: [], bcc: [], reply_to: [] },
      date: new Date().toISOString(),
      text: 'Got them! Row F.',
      has_html: false,
      attachments: [],
      flags: [],
    });
    await emit('mail-changed', { account_id: 1 });
    await waitFor(() => expect(rowIds()[0]).toBe(id));
    expect(rows()[0]!.textContent).toContain('Tickets for Friday');
    expect(folderCount('mail-folder-1')).toBe('5');
    expect(backend.callsOf('mail_folders').length).toBeGreaterThan(folderCalls);
  });

  it('the selection stays on its message when new mail arrives above it', async () => {
    const { user, backend } = await openInbox();
    const ids = inboxIds(backend);
    await user.keyboard('jj');
    expect(selectedId()).toBe(ids[1]);
    const m = structuredClone(backend.data.mail.messages.find((x) => x.id === ids[0])!);
    backend.data.mail.messages.push({ ...m, id: 778, thread_id: 7778, subject: 'Newest', date: new Date().toISOString() });
    await emit('mail-arrived', { account_id: 1, count: 1 });
    await waitFor(() => expect(rowIds()[0]).toBe(778));
    expect(selectedId()).toBe(ids[1]);
  });

  it('Sync now syncs the account; folder errors show in the status line with Retry', async () => {
    const { user, backend } = await openInbox({ syncDelayMs: 20, syncErrors: { 1: ['Spam: SELECT failed: NO [UNAVAILABLE]'] } });
    const status = screen.getByTestId('mail-sync-status');
    expect(status.textContent).toContain('Synced 2 min ago');
    await user.click(screen.getByTestId('mail-sync-now'));
    expect(status.textContent).toContain('Syncing…');
    expect(backend.callsOf('mail_sync').map((c) => c.args)).toEqual([{ accountId: 1 }]);
    await waitFor(() => expect(status.textContent).toContain('Couldn’t sync Spam: SELECT failed'));
    await user.click(screen.getByTestId('mail-sync-retry'));
    expect(backend.callsOf('mail_sync')).toHaveLength(2);
  });

  it('a rejected sync says why in plain words', async () => {
    const { user, backend } = await openInbox();
    backend.rejectNext('mail_sync', { code: 'network', message: 'connection refused' });
    await user.click(screen.getByTestId('mail-sync-now'));
    const status = screen.getByTestId('mail-sync-status');
    await waitFor(() => expect(status.textContent).toContain('Sync failed: The server could not be reached'));
    expect(within(status).getByText(/Sync failed/).getAttribute('title')).toBe('network: connection refused');
  });

  it('runs the first sync once when the accounts have no folders yet', async () => {
    const data = sampleData();
    data.mail = emptyMail();
    const { backend } = await renderApp(data, { syncDelayMs: 30 });
    const first = await screen.findByTestId('mail-first-sync');
    expect(first.textContent).toContain('Your first sync is running…');
    expect(backend.callsOf('mail_sync').map((c) => c.args)).toEqual([{ accountId: null }]);
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    expect(screen.queryByTestId('mail-first-sync')).toBeNull();
    expect(backend.callsOf('mail_sync')).toHaveLength(1);
  });

  it('without an account, the inbox is the "add an account" empty state', async () => {
    const { emptyData } = await import('../../mock/backend');
    const { user } = await renderApp(emptyData());
    await user.click(await screen.findByTestId('onboarding-skip'));
    expect((await screen.findByTestId('empty-inbox')).textContent).toContain('No mail yet');
    expect(screen.getByTestId('empty-add-account')).toBeTruthy();
    expect(screen.queryByTestId('mail-list')).toBeNull();
  });
});
