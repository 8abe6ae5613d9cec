// The account form's model: a draft of strings as typed, prefilling from the e-mail address,
// default ports per security choice, and validation. No DOM here.
import type { Account, AccountInput, Endpoint, Security } from './types';

export const DEFAULT_PORTS: Record<'imap' | 'smtp', Record<Security, number>> = {
  imap: { tls: 993, starttls: 143, none: 143 },
  smtp: { tls: 465, starttls: 587, none: 25 },
};

export const SECURITY_LABELS: Record<Security, string> = {
  tls: 'TLS',
  starttls: 'STARTTLS',
  none: 'None (unencrypted)',
};

export interface AccountDraft {
  name: string;
  email: string;
  username: string;
  password: string;
  imapHost: string;
  imapPort: string;
  imapSecurity: Security;
  smtpHost: string;
  smtpPort: string;
  smtpSecurity: Security;
  caldavUrl: string;
}

export type DraftField = keyof AccountDraft;
export type DraftErrors = Partial<Record<DraftField | 'servers', string>>;

export function emptyDraft(): AccountDraft {
  return {
    name: '',
    email: '',
    username: '',
    password: '',
    imapHost: '',
    imapPort: String(DEFAULT_PORTS.imap.tls),
    imapSecurity: 'tls',
    smtpHost: '',
    smtpPort: String(DEFAULT_PORTS.smtp.tls),
    smtpSecurity: 'tls',
    caldavUrl: '',
  };
}

export function draftFromAccount(a: Account): AccountDraft {
  const d = emptyDraft();
  return {
    ...d,
    name: a.name,
    email: a.email,
    username: a.username,
    imapHost: a.imap?.host ?? '',
    imapPort: String(a.imap?.port ?? d.imapPort),
    imapSecurity: a.imap?.security ?? d.imapSecurity,
    smtpHost: a.smtp?.host ?? '',
    smtpPort: String(a.smtp?.port ?? d.smtpPort),
    smtpSecurity: a.smtp?.security ?? d.smtpSecurity,
    caldavUrl: a.caldav_url ?? '',
  };
}

/** Values worth suggesting for an address: "jane.doe@example.com" → "Jane Doe", imap.example.com … */
export function suggestionsFor(email: string): Pick<AccountDraft, 'name' | 'username' | 'imapHost' | 'smtpHost'> {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf('@');
  const local = at > 0 ? trimmed.slice(0, at) : trimmed;
  const domain = at > 0 ? trimmed.slice(at + 1).toLowerCase() : '';
  const name = local
    .split(/[._\-+]+/)
    .filter((part) => part.length > 0 && !/^\d+$/.test(part))
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ');
  const domainOk = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain);
  return {
    name,
    username: trimmed,
    imapHost: domainOk ? `imap.${domain}` : '',
    smtpHost: domainOk ? `smtp.${domain}` : '',
  };
}

const PREFILLED: readonly (keyof ReturnType<typeof suggestionsFor>)[] = ['name', 'username', 'imapHost', 'smtpHost'];

/**
 * Applies a new e-mail address to the draft. A field is only overwritten while it is empty or
 * still holds what was suggested for the previous address, so nothing the user typed is lost.
 */
export function withEmail(draft: AccountDraft, email: string): AccountDraft {
  const before = suggestionsFor(draft.email);
  const after = suggestionsFor(email);
  const next = { ...draft, email };
  for (const field of PREFILLED) {
    if (draft[field] === '' || draft[field] === before[field]) next[field] = after[field];
  }
  return next;
}

/** Follows the security choice with the default port unless the user typed a port of their own. */
export function withSecurity(draft: AccountDraft, service: 'imap' | 'smtp', security: Security): AccountDraft {
  const portKey = service === 'imap' ? 'imapPort' : 'smtpPort';
  const securityKey = service === 'imap' ? 'imapSecurity' : 'smtpSecurity';
  const defaults = Object.values(DEFAULT_PORTS[service]).map(String);
  const current = draft[portKey].trim();
  const next = { ...draft, [securityKey]: security };
  if (current === '' || defaults.includes(current)) next[portKey] = String(DEFAULT_PORTS[service][security]);
  return next;
}

function parsePort(value: string): number | null {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const port = Number(trimmed);
  return port >= 1 && port <= 65535 ? port : null;
}

function hostError(host: string): string | undefined {
  if (/^[a-z]+:\/\//i.test(host)) return 'Enter the host name only, without a scheme like imap://';
  if (/[\s/]/.test(host)) return 'A host name has no spaces or slashes';
  return undefined;
}

/** `isNew`: a password is required when adding, optional (keep the stored one) when editing. */
export function validateDraft(d: AccountDraft, isNew: boolean): DraftErrors {
  const errors: DraftErrors = {};
  if (!d.name.trim()) errors.name = 'Enter a name for this account';
  if (!d.email.trim()) errors.email = 'Enter the e-mail address';
  else if (!/^[^\s@]+@[^\s@]+$/.test(d.email.trim())) errors.email = 'This does not look like an e-mail address';
  if (!d.username.trim()) errors.username = 'Enter the user name you sign in with';
  if (isNew && !d.password) errors.password = 'Enter the password (or an app password)';

  const imapHost = d.imapHost.trim();
  const smtpHost = d.smtpHost.trim();
  const caldav = d.caldavUrl.trim();
  if (imapHost) {
    const e = hostError(imapHost);
    if (e) errors.imapHost = e;
    if (parsePort(d.imapPort) === null) errors.imapPort = 'Use a port from 1 to 65535';
  }
  if (smtpHost) {
    const e = hostError(smtpHost);
    if (e) errors.smtpHost = e;
    if (parsePort(d.smtpPort) === null) errors.smtpPort = 'Use a port from 1 to 65535';
  }
  if (caldav && !/^https?:\/\/[^\s/]+/i.test(caldav)) errors.caldavUrl = 'Use a full address starting with https://';
  if (!imapHost && !smtpHost && !caldav) errors.servers = 'Enter at least one server: IMAP, SMTP or CalDAV';
  return errors;
}

function endpoint(host: string, port: string, security: Security): Endpoint | null {
  const h = host.trim();
  const p = parsePort(port);
  return h && p !== null ? { host: h, port: p, security } : null;
}

/** The input for account_add / account_update. Call after validateDraft found nothing. */
export function toInput(d: AccountDraft): AccountInput {
  return {
    name: d.name.trim(),
    email: d.email.trim(),
    username: d.username.trim(),
    imap: endpoint(d.imapHost, d.imapPort, d.imapSecurity),
    smtp: endpoint(d.smtpHost, d.smtpPort, d.smtpSecurity),
    caldav_url: d.caldavUrl.trim() || null,
  };
}

export const CHECK_KIND_LABELS: Record<string, string> = {
  auth: 'Sign-in failed',
  tls: 'Secure connection failed',
  unreachable: 'Server unreachable',
  timeout: 'Timed out',
  protocol: 'Unexpected server reply',
  config: 'Settings incomplete',
  keyring: 'Password unavailable',
};

export const SERVICE_LABELS: Record<string, string> = { imap: 'IMAP', smtp: 'SMTP', caldav: 'CalDAV' };
