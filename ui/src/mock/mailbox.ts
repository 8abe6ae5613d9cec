// A realistic fake mailbox for the mock backend: folders, conversations with quoted replies,
// attachments, an HTML-only newsletter, and an Archive of 100,000 messages that are generated
// on demand from their index (deterministic, nothing is stored until a message is changed).
import type { Attachment, FolderRole, Mailbox, Recipients } from '../lib/types';

export interface FakeFolder {
  id: number;
  account_id: number;
  name: string;
  role: FolderRole | null;
  synced_at: string | null;
}

export interface FakeMessage {
  id: number;
  message_id: string;
  thread_id: number;
  folder_ids: number[];
  subject: string;
  from: string;
  recipients: Recipients;
  date: string;
  text: string;
  has_html: boolean;
  attachments: Attachment[];
  flags: string[];
}

/** A folder's worth of generated messages: index 0 is the newest. */
export interface FakeBulk {
  folder_id: number;
  count: number;
  /** Message id of index 0; index i has id first_id + i (and thread id the same). */
  first_id: number;
  /** Date of index 0; each next one is 15–25 minutes older. */
  newest: string;
  /** Indexes moved out of the folder (they live in `messages` now), ascending. */
  removed: number[];
  /** Flags changed since generation, by message id. */
  flags: Record<number, string[]>;
}

export interface FakeMail {
  folders: FakeFolder[];
  messages: FakeMessage[];
  bulk: FakeBulk | null;
}

export function emptyMail(): FakeMail {
  return { folders: [], messages: [], bulk: null };
}

const MINUTE = 60_000;

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function box(name: string | null, email: string): Mailbox {
  return { name, email };
}

function recipients(to: Mailbox[], cc: Mailbox[] = [], extra: Partial<Recipients> = {}): Recipients {
  return { to, cc, bcc: [], reply_to: [], ...extra };
}

/** A 32-bit integer hash: the generated mailbox is the same on every run. */
export function hash(n: number, salt = 0): number {
  let x = (Math.imul(n, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function pick<T>(list: readonly T[], n: number): T {
  return list[n % list.length] as T;
}

// ---- People ------------------------------------------------------------------------------

const SAM = box('Sam Rivera', 'sam.rivera@fastmail.com');
const SAM_NW = box('Sam Rivera', 's.rivera@northwind.example');
const PRIYA = box('Priya Shah', 'priya@lumen.studio');
const JORDAN = box('Jordan Lee', 'jordan.lee@lumen.studio');
const MAYA = box('Maya Okafor', 'maya.okafor@gmail.com');
const THEO = box('Theo Grant', 'theo@grantarchitects.co.uk');
const ELENA = box('Elena Petrova', 'elena.petrova@northwind.example');
const MARCUS = box('Marcus Webb', 'm.webb@northwind.example');
const DANA = box('Dana Kim', 'dana.kim@northwind.example');

function fmt(m: Mailbox): string {
  return m.name ? `${m.name} <${m.email}>` : m.email;
}

// ---- The hand-written part ---------------------------------------------------------------

interface Draft {
  /** Minutes before now. */
  ago: number;
  folders: number[];
  thread?: number;
  from: Mailbox;
  to: Mailbox[];
  cc?: Mailbox[];
  subject: string;
  text: string;
  html?: boolean;
  seen?: boolean;
  flagged?: boolean;
  answered?: boolean;
  draft?: boolean;
  attachments?: Attachment[];
}

const BETA_1 = `Hi Sam,

We've had Orbit running on the whole studio for a week now. Short version: people love the keyboard flow, and nobody has asked to go back.

A few things came up more than once:

1. Archive (e) feels instant, but the counter in the sidebar lags behind by a second or two.
2. Two people asked for snoozing. I told them it's on the roadmap.
3. Search is the big one — everyone tries "/" on day one.

I put the notes in our shared doc: https://docs.lumen.studio/orbit-beta/week-1

Talk soon,
Priya`;

const BETA_2 = `Thanks Priya, this is gold.

The counter lag is a known one: we re-query after the server confirms instead of trusting the local change. Fixing it this week. Snoozing and search are both next on the list, search first.

Could you send me the crash log Jordan mentioned? Anything from ~/.local/share/orbit/logs is fine.

Sam

On {DATE1}, Priya Shah <priya@lumen.studio> wrote:
> Hi Sam,
>
> We've had Orbit running on the whole studio for a week now. Short
> version: people love the keyboard flow, and nobody has asked to go
> back.
>
> A few things came up more than once:
>
> 1. Archive (e) feels instant, but the counter in the sidebar lags
>    behind by a second or two.
> 2. Two people asked for snoozing. I told them it's on the roadmap.
> 3. Search is the big one — everyone tries "/" on day one.
>
> I put the notes in our shared doc:
> https://docs.lumen.studio/orbit-beta/week-1
>
> Talk soon,
> Priya`;

const BETA_3 = `Attached are Jordan's log and a screen recording of the counter thing (it's subtle, watch the sidebar around 0:12).

Jordan also says the crash only happens when the laptop wakes from sleep with the VPN still connecting. Happy to test a build whenever you have one — the staging link from last time (https://builds.orbit.example/beta/0.4.2-rc1) still works for us.

Priya

On {DATE2}, Sam Rivera <sam.rivera@fastmail.com> wrote:
> Thanks Priya, this is gold.
>
> The counter lag is a known one: we re-query after the server
> confirms instead of trusting the local change. Fixing it this week.
> Snoozing and search are both next on the list, search first.
>
> Could you send me the crash log Jordan mentioned? Anything from
> ~/.local/share/orbit/logs is fine.
>
> Sam
>
>> On Mon, Priya Shah <priya@lumen.studio> wrote:
>> We've had Orbit running on the whole studio for a week now.`;

function drafts(): Draft[] {
  let ordinal = 0;
  const att = (filename: string, mime_type: string, size: number, inline = false): Attachment => ({ ordinal: ordinal++, filename, mime_type, size, inline });
  return [
    // Orbit beta feedback: a three-message conversation across Inbox and Sent.
    { ago: 60 * 49, folders: [1], thread: 900, from: PRIYA, to: [SAM], cc: [JORDAN], subject: 'Orbit beta: feedback from the first week', text: BETA_1, seen: true, answered: true },
    { ago: 60 * 26, folders: [3], thread: 900, from: SAM, to: [PRIYA], cc: [JORDAN], subject: 'Re: Orbit beta: feedback from the first week', text: BETA_2, seen: true },
    {
      ago: 24,
      folders: [1],
      thread: 900,
      from: PRIYA,
      to: [SAM],
      cc: [JORDAN],
      subject: 'Re: Orbit beta: feedback from the first week',
      text: BETA_3,
      flagged: true,
      attachments: [att('orbit-crash-2025-03-11.log', 'text/plain', 48_213), att('counter-lag.mov', 'video/quicktime', 18_400_512), att('logo.png', 'image/png', 4_096, true)],
    },
    {
      ago: 7,
      folders: [1],
      from: MAYA,
      to: [SAM],
      subject: 'Dinner on Saturday?',
      text: `Hey! We're finally back from Porto. Dinner at ours on Saturday, around 7? Theo is bringing the wine he keeps talking about.\n\nLet me know if you're in — and if Alex can come too.\n\nM.`,
    },
    {
      ago: 52,
      folders: [1],
      from: box('GitHub', 'notifications@github.com'),
      to: [SAM],
      subject: '[orbit-app/orbit] IMAP IDLE reconnect drops the first EXISTS (#1482)',
      text: `@jlee commented on this issue.\n\nI can reproduce this on Dovecot 2.3.21 with a 29 minute IDLE timeout. The first EXISTS after the reconnect is swallowed because we re-SELECT before DONE is acknowledged.\n\n—\nReply to this email directly, view it on GitHub: https://github.com/orbit-app/orbit/issues/1482#issuecomment-2011448\nYou are receiving this because you were mentioned.`,
    },
    {
      ago: 95,
      folders: [1],
      from: THEO,
      to: [SAM],
      subject: 'Kitchen drawings, revision C',
      text: `Sam,\n\nRevision C of the kitchen drawings is attached. Changes from B: the island is 20 cm shorter, the pantry door swings the other way, and the window above the sink is now 1200 wide as discussed.\n\nIf you're happy with this, I'll send it to the builder on Friday.\n\nBest,\nTheo Grant\nGrant Architects · +44 20 7946 0321`,
      attachments: [att('Kitchen-RevC.pdf', 'application/pdf', 2_340_112), att('Kitchen-RevC-elevations.pdf', 'application/pdf', 1_104_883)],
    },
    {
      ago: 60 * 3,
      folders: [1],
      from: box('Linear', 'notifications@linear.app'),
      to: [SAM],
      subject: 'ORB-311 Conversation view: fold quoted text was moved to In Progress',
      text: `Jordan Lee moved ORB-311 from Todo to In Progress.\n\nConversation view: fold quoted text\nPriority: High · Cycle 14\n\nView issue: https://linear.app/orbit/issue/ORB-311`,
      seen: true,
    },
    {
      ago: 60 * 5,
      folders: [1],
      from: box('Figma', 'hello@figma.com'),
      to: [SAM],
      subject: 'Config 2025: the recap, in five minutes',
      text: '',
      html: true,
      seen: true,
    },
    {
      ago: 60 * 7,
      folders: [1],
      thread: 901,
      from: JORDAN,
      to: [SAM, PRIYA],
      subject: 'Design review moved to Thursday',
      text: `Quick heads-up: the design review moves to Thursday 14:00, same room. Agenda unchanged.\n\nJ`,
      seen: true,
    },
    {
      ago: 60 * 22,
      folders: [1],
      from: box('Fastmail', 'support@fastmail.com'),
      to: [SAM],
      subject: 'Your invoice for March',
      text: `Hi Sam,\n\nThanks for being a Fastmail customer. Your invoice for March is ready.\n\nAmount: $5.00\nPlan: Individual (annual)\n\nYou can view and download it at https://app.fastmail.com/settings/billing\n\nThe Fastmail team`,
      seen: true,
      attachments: [att('fastmail-invoice-2025-03.pdf', 'application/pdf', 61_440)],
    },
    {
      ago: 60 * 30,
      folders: [1],
      from: box('Hacker Newsletter', 'kale@hackernewsletter.com'),
      to: [SAM],
      subject: 'Hacker Newsletter #712',
      text: `This week: why SQLite is enough, a tour of JMAP, and the case for boring technology.\n\nRead online: https://hackernewsletter.com/issues/712`,
      seen: true,
    },
    {
      ago: 60 * 34,
      folders: [1],
      from: MAYA,
      to: [SAM],
      subject: 'Photos from Porto',
      text: `A few favourites from the trip. The one at the bridge is for your fridge.\n\nx`,
      seen: true,
      attachments: [att('porto-bridge.jpg', 'image/jpeg', 3_211_008), att('porto-tiles.jpg', 'image/jpeg', 2_876_112), att('porto-market.jpg', 'image/jpeg', 3_004_911)],
    },
    {
      ago: 60 * 52,
      folders: [1],
      from: box('1Password', 'no-reply@1password.com'),
      to: [SAM],
      subject: 'New sign-in to your 1Password account',
      text: `We noticed a new sign-in to your 1Password account from Firefox on Linux in Lisbon, Portugal.\n\nIf this was you, you can ignore this email.`,
      seen: true,
    },
    {
      ago: 60 * 75,
      folders: [1],
      from: box('TAP Air Portugal', 'booking@flytap.com'),
      to: [SAM],
      subject: 'Your booking is confirmed: Lisbon → London, TP 1350',
      text: `Booking reference: QX7K2M\n\nTP 1350 · Lisbon (LIS) 07:05 → London Heathrow (LHR) 09:50\nSeat 14C · 1 × 23 kg checked bag\n\nManage your booking at https://www.flytap.com/manage`,
      seen: true,
      flagged: true,
      attachments: [att('e-ticket-QX7K2M.pdf', 'application/pdf', 188_204)],
    },
    {
      ago: 60 * 24 * 4,
      folders: [1],
      thread: 902,
      from: THEO,
      to: [SAM],
      subject: 'Site visit',
      text: `Would Tuesday morning work for a site visit? I'd like to check the wall between the kitchen and the dining room before we finalise revision C.\n\nTheo`,
      seen: true,
      answered: true,
    },
    {
      ago: 60 * 24 * 4 - 40,
      folders: [3],
      thread: 902,
      from: SAM,
      to: [THEO],
      subject: 'Re: Site visit',
      text: `Tuesday at 9 works. The key is with the neighbour at no. 14 if I'm late.\n\nSam\n\nOn Fri, Theo Grant <theo@grantarchitects.co.uk> wrote:\n> Would Tuesday morning work for a site visit?`,
      seen: true,
    },
    {
      ago: 60 * 24 * 6,
      folders: [1],
      from: box('Bluebottle Coffee', 'orders@bluebottlecoffee.com'),
      to: [SAM],
      subject: 'Your order #BB-20419 has shipped',
      text: `Good news — your beans are on their way. Track your parcel: https://track.example.com/BB-20419`,
      seen: true,
    },
    {
      ago: 60 * 24 * 9,
      folders: [1],
      from: PRIYA,
      to: [SAM],
      subject: 'Orbit for the studio: a short proposal',
      text: `Sam, as promised, the one-pager for trying Orbit with the whole studio. Budget is not a problem; the question is only whether you can support twelve people for a month.\n\nPriya`,
      seen: true,
      attachments: [att('Orbit-studio-proposal.pdf', 'application/pdf', 412_004)],
    },
    // Drafts, Sent, Junk, Trash, Receipts, Travel.
    { ago: 35, folders: [2], from: SAM, to: [MAYA], subject: 'Re: Dinner on Saturday?', text: `We'd love to! Alex is in too. Shall we bring dessert?`, seen: true, draft: true },
    { ago: 60 * 28, folders: [2], from: SAM, to: [], subject: 'Notes for the 0.5 release', text: `- fold quoted text\n- search\n- snooze?`, seen: true, draft: true },
    { ago: 60 * 24 * 2, folders: [3], from: SAM, to: [box('Bluebottle Coffee', 'help@bluebottlecoffee.com')], subject: 'Change of address', text: `Hello, please send future orders to my new address. Thanks, Sam`, seen: true },
    { ago: 60 * 11, folders: [5], from: box('Prize Center', 'winner@prize-center.example'), to: [SAM], subject: 'You have (1) unclaimed reward waiting', text: `Claim now at http://prize-center.example/claim`, },
    { ago: 60 * 24 * 3, folders: [5], from: box('Crypto Daily', 'alerts@crypto-daily.example'), to: [SAM], subject: 'This coin will 100x by Friday', text: `Don't miss out.`, seen: true },
    { ago: 60 * 20, folders: [6], from: box('LinkedIn', 'messages-noreply@linkedin.com'), to: [SAM], subject: 'You appeared in 14 searches this week', text: `See who's looking.`, seen: true },
    { ago: 60 * 24 * 12, folders: [7], from: box('Apple', 'no_reply@email.apple.com'), to: [SAM], subject: 'Your receipt from Apple', text: `iCloud+ 200 GB · £2.99`, seen: true },
    { ago: 60 * 24 * 40, folders: [7], from: box('Bluebottle Coffee', 'orders@bluebottlecoffee.com'), to: [SAM], subject: 'Receipt for order #BB-19873', text: `Thanks for your order.`, seen: true },
    { ago: 60 * 24 * 15, folders: [8], from: box('Booking.com', 'noreply@booking.com'), to: [SAM], subject: 'Your stay in Porto is confirmed', text: `Casa do Rio · 3 nights`, seen: false, attachments: [att('booking-confirmation.pdf', 'application/pdf', 96_210)] },
    // Northwind.
    {
      ago: 14,
      folders: [11],
      from: ELENA,
      to: [SAM_NW],
      cc: [MARCUS, DANA],
      subject: 'Q2 logistics review — agenda',
      text: `Hi all,\n\nAgenda for Thursday's review:\n\n1. Carrier costs since the March price change\n2. The Rotterdam warehouse lease\n3. Any other business\n\nThe numbers are on the shared drive under Finance/Q2. Please read them before the meeting.\n\nElena`,
    },
    {
      ago: 60 * 4,
      folders: [11],
      from: MARCUS,
      to: [SAM_NW],
      subject: 'Expense report needs your approval',
      text: `Sam, my March expense report is waiting for your approval in the portal. Thanks!\n\nMarcus`,
    },
    {
      ago: 60 * 26,
      folders: [11],
      from: box('Northwind IT', 'it-desk@northwind.example'),
      to: [SAM_NW],
      subject: 'Planned maintenance: mail server, Saturday 02:00–04:00',
      text: `The mail server will be unavailable for up to two hours on Saturday night while we apply updates.`,
      seen: true,
    },
    { ago: 60 * 24 * 3, folders: [11], from: DANA, to: [SAM_NW], subject: 'Welcome aboard!', text: `Great to have you on the team, Sam. Lunch next week?`, seen: true },
    { ago: 60 * 24 * 3 - 30, folders: [12], from: SAM_NW, to: [DANA], subject: 'Re: Welcome aboard!', text: `Thank you! Tuesday works for me.`, seen: true },
  ];
}

/** Sam's two accounts: Fastmail (with a 100,000-message Archive) and Northwind. */
export function sampleMail(now: Date, bulkCount = 100_000): FakeMail {
  const t = now.getTime();
  const synced = stamp(t - 2 * MINUTE);
  const folders: FakeFolder[] = [
    { id: 1, account_id: 1, name: 'INBOX', role: 'inbox', synced_at: synced },
    { id: 2, account_id: 1, name: 'Drafts', role: 'drafts', synced_at: synced },
    { id: 3, account_id: 1, name: 'Sent', role: 'sent', synced_at: synced },
    { id: 4, account_id: 1, name: 'Archive', role: 'archive', synced_at: synced },
    { id: 5, account_id: 1, name: 'Spam', role: 'junk', synced_at: synced },
    { id: 6, account_id: 1, name: 'Trash', role: 'trash', synced_at: synced },
    { id: 7, account_id: 1, name: 'Receipts', role: null, synced_at: synced },
    { id: 8, account_id: 1, name: 'Travel', role: null, synced_at: synced },
    { id: 11, account_id: 2, name: 'INBOX', role: 'inbox', synced_at: stamp(t - 9 * MINUTE) },
    { id: 12, account_id: 2, name: 'Sent Items', role: 'sent', synced_at: stamp(t - 9 * MINUTE) },
    { id: 13, account_id: 2, name: 'Drafts', role: 'drafts', synced_at: stamp(t - 9 * MINUTE) },
    { id: 14, account_id: 2, name: 'Archive', role: 'archive', synced_at: stamp(t - 9 * MINUTE) },
    { id: 15, account_id: 2, name: 'Deleted Items', role: 'trash', synced_at: stamp(t - 9 * MINUTE) },
  ];
  const list = drafts();
  const dateOf = (ago: number) => {
    const d = new Date(t - ago * MINUTE);
    return d.toUTCString().replace(/:\d\d GMT$/, '').replace(/ \d{4}/, '');
  };
  const messages = list.map((d, i): FakeMessage => {
    const id = i + 1;
    const flags: string[] = [];
    if (d.seen ?? false) flags.push('seen');
    if (d.flagged) flags.push('flagged');
    if (d.answered) flags.push('answered');
    if (d.draft) flags.push('draft');
    const text = d.text.replace('{DATE1}', dateOf(60 * 49)).replace('{DATE2}', dateOf(60 * 26));
    return {
      id,
      message_id: `${id}.${hash(id).toString(36)}@mail.example`,
      thread_id: d.thread ?? 500 + id,
      folder_ids: d.folders,
      subject: d.subject,
      from: fmt(d.from),
      recipients: recipients(d.to, d.cc ?? []),
      date: stamp(t - d.ago * MINUTE),
      text,
      has_html: d.html ?? false,
      attachments: d.attachments ?? [],
      flags,
    };
  });
  return {
    folders,
    messages,
    bulk: bulkCount > 0 ? { folder_id: 4, count: bulkCount, first_id: 1_000_001, newest: stamp(t - 60 * 24 * 16 * MINUTE), removed: [], flags: {} } : null,
  };
}

/** What a first sync brings into an account that had no folders yet. */
export function firstSyncMail(mail: FakeMail, accountId: number, email: string, now: Date): void {
  const base = Math.max(100, ...mail.folders.map((f) => f.id)) + 1;
  const synced = stamp(now.getTime());
  const names: [string, FolderRole][] = [
    ['INBOX', 'inbox'],
    ['Sent', 'sent'],
    ['Drafts', 'drafts'],
    ['Archive', 'archive'],
    ['Trash', 'trash'],
  ];
  names.forEach(([name, role], i) => mail.folders.push({ id: base + i, account_id: accountId, name, role, synced_at: synced }));
  const me = box(null, email);
  const nextId = Math.max(0, ...mail.messages.map((m) => m.id)) + 1;
  const welcome: [Mailbox, string, string, number][] = [
    [PRIYA, 'Lunch on Friday?', 'Are you around on Friday? The new ramen place opened.', 30],
    [box('Orbit', 'hello@orbit.example'), 'Welcome to Orbit', 'Your mail is on this computer now. Press ? to see the keyboard shortcuts.', 90],
  ];
  welcome.forEach(([from, subject, text, ago], i) => {
    const id = nextId + i;
    mail.messages.push({
      id,
      message_id: `${id}.first-sync@mail.example`,
      thread_id: 5000 + id,
      folder_ids: [base],
      subject,
      from: fmt(from),
      recipients: recipients([me]),
      date: stamp(now.getTime() - ago * MINUTE),
      text,
      has_html: false,
      attachments: [],
      flags: i === 0 ? [] : ['seen'],
    });
  });
}

// ---- The generated Archive ---------------------------------------------------------------

const PEOPLE: readonly Mailbox[] = [
  PRIYA,
  JORDAN,
  MAYA,
  THEO,
  box('Alex Moreno', 'alex.moreno@hey.com'),
  box('Ines Duarte', 'ines@duarte.pt'),
  box('Kenji Watanabe', 'kenji.w@proton.me'),
  box('Olivia Brandt', 'olivia.brandt@lumen.studio'),
  box('Ravi Menon', 'ravi@menon.dev'),
  box('Sofia Lindqvist', 'sofia.lindqvist@gmail.com'),
];

const TEAM_SUBJECTS = [
  'Notes from today’s sync',
  'Re: Quick question about the invoice',
  'Draft of the proposal',
  'Re: Weekend plans',
  'Photos from the offsite',
  'Re: Can you review this before Friday?',
  'Updated timeline',
  'Re: Re: Flat viewing on Tuesday',
  'Intro: you two should talk',
  'Feedback on the prototype',
];

const TEAM_SNIPPETS = [
  'Thanks for pulling this together. A couple of small comments inline, nothing blocking.',
  'Sounds good to me. Let’s aim for Thursday and adjust if the numbers are late.',
  'I had a look this morning — mostly fine, but the second section needs a rewrite.',
  'Attached is the latest version. The changes are in blue so they are easy to spot.',
  'Can we push this by a week? Two of us are travelling and I’d rather do it properly.',
  'Great catch. I’ve fixed it on my side; let me know if you still see the problem.',
];

const SERVICES: readonly { from: Mailbox; subject: (n: number) => string; snippet: string; attach?: string }[] = [
  { from: box('GitHub', 'notifications@github.com'), subject: (n) => `[orbit-app/orbit] ${pick(['Fix', 'Add', 'Refactor', 'Speed up'], n)} ${pick(['IDLE reconnect', 'folder counts', 'thread grouping', 'the flag queue', 'UIDVALIDITY reset', 'MIME decoding'], n >> 3)} (#${900 + (n % 700)})`, snippet: '@jlee approved these changes. LGTM once CI is green.' },
  { from: box('Linear', 'notifications@linear.app'), subject: (n) => `ORB-${100 + (n % 400)} ${pick(['was moved to Done', 'was assigned to you', 'has a new comment', 'is due tomorrow'], n)}`, snippet: 'Jordan Lee updated the issue. View it in Linear.' },
  { from: box('Hacker Newsletter', 'kale@hackernewsletter.com'), subject: (n) => `Hacker Newsletter #${200 + (n % 500)}`, snippet: 'The best of Hacker News this week, hand-picked.' },
  { from: box('This Week in Rust', 'twir@this-week-in-rust.org'), subject: (n) => `This Week in Rust ${300 + (n % 300)}`, snippet: 'Hello and welcome to another issue of This Week in Rust!' },
  { from: box('Bluebottle Coffee', 'orders@bluebottlecoffee.com'), subject: (n) => `Receipt for order #BB-${10000 + (n % 9000)}`, snippet: 'Thanks for your order. Your beans ship within two days.', attach: 'receipt.pdf' },
  { from: box('Fastmail', 'support@fastmail.com'), subject: () => 'Your monthly invoice', snippet: 'Your invoice is ready. Amount: $5.00.', attach: 'invoice.pdf' },
  { from: box('Google Calendar', 'calendar-notification@google.com'), subject: (n) => `Invitation: ${pick(['Design review', 'Weekly sync', '1:1', 'Planning', 'Retro'], n)} @ ${pick(['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], n >> 2)} ${9 + (n % 8)}:00`, snippet: 'You have been invited to this event.', attach: 'invite.ics' },
  { from: box('Transport for London', 'noreply@tfl.gov.uk'), subject: () => 'Your contactless journey statement', snippet: 'Here is your weekly journey statement.' },
];

function bulkIndexOfId(bulk: FakeBulk, id: number): number | null {
  const index = id - bulk.first_id;
  return index >= 0 && index < bulk.count ? index : null;
}

export function isBulkId(bulk: FakeBulk | null, id: number): boolean {
  return bulk !== null && bulkIndexOfId(bulk, id) !== null;
}

/** Whether index `i` is still in the bulk folder (not moved out). */
export function bulkPresent(bulk: FakeBulk, index: number): boolean {
  return !binaryHas(bulk.removed, index);
}

function binaryHas(sorted: readonly number[], value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid] as number;
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The index of the `position`-th message still present (skipping removed ones). */
export function bulkIndexAt(bulk: FakeBulk, position: number): number {
  let index = position;
  for (const removed of bulk.removed) {
    if (removed <= index) index++;
    else break;
  }
  return index;
}

export function bulkSize(bulk: FakeBulk): number {
  return bulk.count - bulk.removed.length;
}

function generatedFlags(index: number): string[] {
  const h = hash(index, 7);
  const flags: string[] = [];
  if (!generatedUnread(index)) flags.push('seen');
  if (h % 53 === 0) flags.push('flagged');
  if (h % 5 === 0) flags.push('answered');
  return flags;
}

export function bulkFlags(bulk: FakeBulk, index: number): string[] {
  return bulk.flags[bulk.first_id + index] ?? generatedFlags(index);
}

/** Message `index` of the generated folder (0 = newest). */
export function bulkMessage(bulk: FakeBulk, index: number): FakeMessage {
  const id = bulk.first_id + index;
  const h = hash(index, 1);
  const jitter = h % 10;
  const date = stamp(Date.parse(bulk.newest) - (index * 15 + jitter) * MINUTE);
  let from: Mailbox;
  let subject: string;
  let text: string;
  const attachments: Attachment[] = [];
  if (h % 3 === 0) {
    from = pick(PEOPLE, h >>> 4);
    subject = pick(TEAM_SUBJECTS, h >>> 9);
    text = `${pick(TEAM_SNIPPETS, h >>> 13)}\n\n${from.name?.split(' ')[0] ?? ''}`;
    if (h % 11 === 0) attachments.push({ ordinal: 0, filename: pick(['notes.pdf', 'draft-v2.docx', 'IMG_2041.jpg', 'budget.xlsx'], h >>> 5), mime_type: 'application/octet-stream', size: 20_000 + (h % 2_000_000), inline: false });
  } else {
    const service = pick(SERVICES, h >>> 4);
    from = service.from;
    subject = service.subject(h >>> 8);
    text = service.snippet;
    if (service.attach) attachments.push({ ordinal: 0, filename: service.attach, mime_type: 'application/octet-stream', size: 8_000 + (h % 200_000), inline: false });
  }
  return {
    id,
    message_id: `${id}.archive@mail.example`,
    thread_id: id,
    folder_ids: [bulk.folder_id],
    subject,
    from: fmt(from),
    recipients: recipients([SAM]),
    date,
    text,
    has_html: false,
    attachments,
    flags: bulkFlags(bulk, index),
  };
}

export function bulkMessageById(bulk: FakeBulk, id: number): FakeMessage | null {
  const index = bulkIndexOfId(bulk, id);
  if (index === null || !bulkPresent(bulk, index)) return null;
  return bulkMessage(bulk, index);
}

/** Takes a generated message out of the bulk folder and returns it as a stored message. */
export function materialize(bulk: FakeBulk, id: number): FakeMessage | null {
  const message = bulkMessageById(bulk, id);
  if (!message) return null;
  const index = id - bulk.first_id;
  bulk.removed = [...bulk.removed, index].sort((a, b) => a - b);
  delete bulk.flags[id];
  return message;
}

function generatedUnread(index: number): boolean {
  return hash(index, 7) % 4999 === 3;
}

const baseUnread = new Map<number, number>();

/** Unread messages still in the bulk folder. */
export function bulkUnread(bulk: FakeBulk): number {
  let unread = baseUnread.get(bulk.count);
  if (unread === undefined) {
    unread = 0;
    for (let i = 0; i < bulk.count; i++) if (generatedUnread(i)) unread++;
    baseUnread.set(bulk.count, unread);
  }
  for (const index of bulk.removed) if (generatedUnread(index)) unread--;
  for (const [id, flags] of Object.entries(bulk.flags)) {
    const index = Number(id) - bulk.first_id;
    if (!bulkPresent(bulk, index)) continue;
    unread += (flags.includes('seen') ? 0 : 1) - (generatedUnread(index) ? 1 : 0);
  }
  return unread;
}
