import { describe, expect, it } from 'vitest';
import { emptyDraft, suggestionsFor, toInput, validateDraft, withEmail, withSecurity } from './account-form';

describe('prefill from the e-mail address', () => {
  it('suggests a name, the address as user name, and imap./smtp. hosts', () => {
    expect(suggestionsFor('jane.doe@example.org')).toEqual({
      name: 'Jane Doe',
      username: 'jane.doe@example.org',
      imapHost: 'imap.example.org',
      smtpHost: 'smtp.example.org',
    });
  });

  it('follows the address while the fields still hold suggestions', () => {
    let d = withEmail(emptyDraft(), 'j');
    d = withEmail(d, 'jo@x.io');
    expect(d.username).toBe('jo@x.io');
    expect(d.name).toBe('Jo');
    expect(d.imapHost).toBe('imap.x.io');
  });

  it('never overwrites what the user typed', () => {
    const d = withEmail({ ...emptyDraft(), name: 'Work', username: 'u123' }, 'jane@example.org');
    expect(d.name).toBe('Work');
    expect(d.username).toBe('u123');
    expect(d.smtpHost).toBe('smtp.example.org');
  });
});

describe('ports follow security', () => {
  it.each([
    ['imap', 'tls', '993'],
    ['imap', 'starttls', '143'],
    ['imap', 'none', '143'],
    ['smtp', 'tls', '465'],
    ['smtp', 'starttls', '587'],
    ['smtp', 'none', '25'],
  ] as const)('%s %s → %s', (service, security, port) => {
    const d = withSecurity(emptyDraft(), service, security);
    expect(service === 'imap' ? d.imapPort : d.smtpPort).toBe(port);
  });

  it('keeps a port the user chose', () => {
    const d = withSecurity({ ...emptyDraft(), smtpPort: '2525' }, 'smtp', 'starttls');
    expect(d.smtpPort).toBe('2525');
    expect(d.smtpSecurity).toBe('starttls');
  });
});

describe('validation', () => {
  it('requires name, e-mail, user name, password and one server when adding', () => {
    expect(Object.keys(validateDraft(emptyDraft(), true)).sort()).toEqual(['email', 'name', 'password', 'servers', 'username']);
  });

  it('does not require a password when editing', () => {
    const d = { ...emptyDraft(), name: 'A', email: 'a@b.c', username: 'a', caldavUrl: 'https://dav.b.c/' };
    expect(validateDraft(d, false)).toEqual({});
  });

  it.each(['0', '65536', 'abc', '', '99999'])('rejects port %j', (port) => {
    const d = { ...emptyDraft(), imapHost: 'imap.b.c', imapPort: port };
    expect(validateDraft(d, true).imapPort).toBeDefined();
  });

  it('rejects a scheme in a host and a CalDAV URL without one', () => {
    const d = { ...emptyDraft(), imapHost: 'imaps://imap.b.c', caldavUrl: 'dav.b.c' };
    const errors = validateDraft(d, true);
    expect(errors.imapHost).toMatch(/without a scheme/);
    expect(errors.caldavUrl).toMatch(/https/);
  });

  it('builds the input with null for servers left empty', () => {
    const d = { ...withEmail(emptyDraft(), 'a@b.co'), smtpHost: '', password: 'x' };
    expect(toInput(d)).toEqual({
      name: 'A',
      email: 'a@b.co',
      username: 'a@b.co',
      imap: { host: 'imap.b.co', port: 993, security: 'tls' },
      smtp: null,
      caldav_url: null,
    });
  });
});
