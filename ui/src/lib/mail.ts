// Mail presentation without a DOM: folder order and labels, senders and recipients, flags,
// and a plain-text body split into paragraphs, quoted blocks and link spans.
import type { Folder, FolderRole, Mailbox, MessageSummary, Recipients } from './types';
import type { IconName } from './areas';

// ---- Folders -----------------------------------------------------------------------------

/** Sidebar order of the roles; folders without a role (or another role) follow, by name. */
const ROLE_ORDER: readonly FolderRole[] = ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash'];

const ROLE_LABEL: Record<FolderRole, string> = {
  inbox: 'Inbox',
  drafts: 'Drafts',
  sent: 'Sent',
  archive: 'Archive',
  junk: 'Junk',
  trash: 'Trash',
  all: 'All mail',
  flagged: 'Flagged',
};

const ROLE_ICON: Record<FolderRole, IconName> = {
  inbox: 'inbox',
  drafts: 'draft',
  sent: 'send',
  archive: 'archive',
  junk: 'junk',
  trash: 'trash',
  all: 'mails',
  flagged: 'star',
};

function roleRank(role: FolderRole | null): number {
  const i = role ? ROLE_ORDER.indexOf(role) : -1;
  return i < 0 ? ROLE_ORDER.length : i;
}

/** One account's folders in sidebar order: Inbox, Drafts, Sent, Archive, Junk, Trash, then the rest by name. */
export function sortFolders(folders: readonly Folder[]): Folder[] {
  return [...folders].sort((a, b) => {
    const rank = roleRank(a.role) - roleRank(b.role);
    if (rank !== 0) return rank;
    return folderLabel(a).localeCompare(folderLabel(b), undefined, { sensitivity: 'base', numeric: true });
  });
}

export interface AccountFolders {
  accountId: number;
  folders: Folder[];
}

/** Groups by account, keeping the order in which accounts first appear, each group sorted. */
export function groupFolders(folders: readonly Folder[]): AccountFolders[] {
  const groups: AccountFolders[] = [];
  for (const folder of folders) {
    let group = groups.find((g) => g.accountId === folder.account_id);
    if (!group) {
      group = { accountId: folder.account_id, folders: [] };
      groups.push(group);
    }
    group.folders.push(folder);
  }
  return groups.map((g) => ({ accountId: g.accountId, folders: sortFolders(g.folders) }));
}

/** The role's name for special folders (whatever the server calls them), else the server's name. */
export function folderLabel(folder: Pick<Folder, 'name' | 'role'>): string {
  if (folder.role && ROLE_LABEL[folder.role]) return ROLE_LABEL[folder.role];
  return folder.name;
}

export function folderIcon(folder: Pick<Folder, 'role'>): IconName {
  return (folder.role && ROLE_ICON[folder.role]) || 'folder';
}

/** The number beside a folder: drafts count all, sent and trash show none, the rest unread. */
export function folderBadge(folder: Pick<Folder, 'role' | 'total' | 'unread'>): number {
  if (folder.role === 'drafts') return folder.total;
  if (folder.role === 'sent' || folder.role === 'trash') return 0;
  return folder.unread;
}

// ---- People ------------------------------------------------------------------------------

export interface Sender {
  name: string;
  email: string;
}

/** Splits `Name <address>` (or a bare address). `name` falls back to the address. */
export function parseSender(from: string): Sender {
  const match = /^\s*"?(.*?)"?\s*<([^<>]*)>\s*$/.exec(from);
  if (match) {
    const email = (match[2] ?? '').trim();
    const name = (match[1] ?? '').trim();
    return { name: name || email, email };
  }
  const email = from.trim();
  return { name: email, email };
}

export function mailboxName(m: Mailbox): string {
  return m.name?.trim() || m.email;
}

export function mailboxFull(m: Mailbox): string {
  return m.name?.trim() ? `${m.name.trim()} <${m.email}>` : m.email;
}

/** All four recipient lists, empty when the stored JSON lacks one. */
export function recipientsOf(raw: Partial<Recipients> | null | undefined): Recipients {
  const list = (v: unknown): Mailbox[] => (Array.isArray(v) ? (v as Mailbox[]).filter((m) => m && typeof m.email === 'string') : []);
  return { to: list(raw?.to), cc: list(raw?.cc), bcc: list(raw?.bcc), reply_to: list(raw?.reply_to) };
}

/** "Priya Shah, Jordan Lee and 3 others". */
export function namesLine(list: readonly Mailbox[], max = 3): string {
  const names = list.map(mailboxName);
  if (names.length <= max) return names.join(', ');
  const rest = names.length - (max - 1);
  return `${names.slice(0, max - 1).join(', ')} and ${rest} others`;
}

export function initials(name: string): string {
  const words = name
    .replace(/<.*?>|["'()[\]]/g, ' ')
    .split(/[\s@._-]+/)
    .filter(Boolean);
  const first = words[0]?.[0] ?? '?';
  const second = words.length > 1 ? (words[words.length - 1]?.[0] ?? '') : '';
  return (first + second).toUpperCase();
}

// ---- Flags -------------------------------------------------------------------------------

export function isUnread(m: Pick<MessageSummary, 'flags'>): boolean {
  return !m.flags.includes('seen');
}

export function isFlagged(m: Pick<MessageSummary, 'flags'>): boolean {
  return m.flags.includes('flagged');
}

export function withFlag<T extends Pick<MessageSummary, 'flags'>>(m: T, flag: string, on: boolean): T {
  const has = m.flags.includes(flag);
  if (has === on) return m;
  return { ...m, flags: on ? [...m.flags, flag] : m.flags.filter((f) => f !== flag) };
}

/** What the reading pane's buttons (and the keys e, #, s, u) do to the selected message. */
export type MailAction = 'archive' | 'delete' | 'flag' | 'unread';

// ---- Sync status ------------------------------------------------------------------------

/** The list header's status line. */
export type SyncLine =
  | { kind: 'syncing' }
  | { kind: 'synced'; text: string; title: string }
  | { kind: 'never' }
  | { kind: 'local' }
  | { kind: 'error'; text: string; title: string };

/** Folder errors of a SyncReport in a line: "Couldn’t sync Junk: …" or "Couldn’t sync 3 folders". */
export function syncErrorText(errors: readonly string[]): string {
  if (errors.length === 0) return '';
  if (errors.length === 1) return `Couldn’t sync ${errors[0]}`;
  return `Couldn’t sync ${errors.length} folders: ${errors[0]}`;
}

// ---- Sizes -------------------------------------------------------------------------------

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

// ---- Bodies ------------------------------------------------------------------------------

/** A run of text: plain, or a URL shown as selectable text (the app has no link opener yet). */
export type Inline = { kind: 'text'; text: string } | { kind: 'link'; text: string };

/** Consecutive lines: what the sender wrote, or a quote (lines starting with ">", with the
 *  "On …, X wrote:" line just before it). */
export interface Block {
  quoted: boolean;
  text: string;
}

const QUOTE = /^\s*>/;
const ATTRIBUTION = /(wrote|schrieb|a écrit|escribió|ha scritto|schreef|skrev)\s*:\s*$/i;

export function splitQuotes(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blank = (i: number) => (lines[i] ?? '').trim() === '';
  const inQuote = lines.map((l) => QUOTE.test(l));
  // Blank lines between two quoted lines stay inside the quote.
  for (let i = 0; i < lines.length; i++) {
    if (!blank(i) || inQuote[i]) continue;
    let before = i - 1;
    while (before >= 0 && blank(before)) before--;
    let after = i + 1;
    while (after < lines.length && blank(after)) after++;
    if (before >= 0 && after < lines.length && inQuote[before] && inQuote[after]) inQuote[i] = true;
  }
  // "On Tue, Priya wrote:" (possibly wrapped over two lines) introduces the quote below it.
  for (let s = 0; s < lines.length; s++) {
    if (!inQuote[s] || (s > 0 && inQuote[s - 1])) continue;
    let j = s - 1;
    while (j >= 0 && blank(j)) j--;
    if (j < 0 || !ATTRIBUTION.test(lines[j] ?? '')) continue;
    let from = j;
    if (/^\s*\S*\s*(wrote|schrieb)\s*:\s*$/i.test(lines[j] ?? '') && j > 0 && !blank(j - 1)) from = j - 1;
    for (let k = from; k < s; k++) inQuote[k] = true;
  }
  const blocks: Block[] = [];
  let start = 0;
  for (let i = 1; i <= lines.length; i++) {
    if (i < lines.length && inQuote[i] === inQuote[start]) continue;
    const quoted = inQuote[start] ?? false;
    const body = lines.slice(start, i).join('\n');
    const textOf = quoted ? body : trimBlankLines(body);
    if (textOf.trim() !== '') blocks.push({ quoted, text: textOf });
    start = i;
  }
  return blocks;
}

function trimBlankLines(text: string): string {
  return text.replace(/^(?:[ \t]*\n)+/, '').replace(/(?:\n[ \t]*)+$/, '');
}

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;
const TRAILING = /[.,;:!?'"»”’]+$/;

/** Finds URLs in text; trailing punctuation and unbalanced closing brackets stay text. */
export function linkify(text: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const start = match.index ?? 0;
    let url = match[0];
    for (;;) {
      const trimmed = url.replace(TRAILING, '');
      const unbalanced = (close: string, open: string) =>
        trimmed.endsWith(close) && trimmed.split(close).length > trimmed.split(open).length;
      if (unbalanced(')', '(') || unbalanced(']', '[') || unbalanced('>', '<')) {
        url = trimmed.slice(0, -1);
        continue;
      }
      url = trimmed;
      break;
    }
    if (url.length < 8) continue;
    if (start > last) out.push({ kind: 'text', text: text.slice(last, start) });
    out.push({ kind: 'link', text: url });
    last = start + url.length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out;
}

/** The host a web link goes to (lower case, without `www.`), or the address of a mailto link. */
export function linkHost(target: string): string | null {
  if (/^mailto:/i.test(target)) return target.slice('mailto:'.length).split('?')[0]?.toLowerCase() || null;
  try {
    const url = new URL(target);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.hostname.toLowerCase().replace(/^www\./, '') || null;
  } catch {
    return null;
  }
}

/** The host a link's visible text claims, when the text itself looks like an address
 *  ("https://bank.example/", "www.bank.example"); `null` for ordinary words. */
export function shownHost(text: string): string | null {
  const t = text.trim();
  if (!t || /\s/.test(t)) return null;
  if (/^https?:\/\//i.test(t)) return linkHost(t);
  if (/^www\.[^/]+\.[a-z]{2,}/i.test(t)) return linkHost(`https://${t}`);
  return null;
}

/** The first words of a body, for lists and previews. */
export function snippetOf(text: string, max = 140): string {
  const own = splitQuotes(text)
    .filter((b) => !b.quoted)
    .map((b) => b.text)
    .join(' ');
  const flat = own.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}
