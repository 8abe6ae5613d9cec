import { describe, expect, it } from 'vitest';
import { applyEvent, emptyTurn, segments } from './assistant';

describe('segments', () => {
  it('finds citations, links and images and keeps everything else as text', () => {
    expect(segments('Due Friday [m:12]. See [the form](https://x.example/f) or https://y.example/a?b=1 ![logo](https://evil.example/c?d=secret)')).toEqual([
      { kind: 'text', text: 'Due Friday ' },
      { kind: 'cite', id: 12 },
      { kind: 'text', text: '. See ' },
      { kind: 'link', label: 'the form', url: 'https://x.example/f' },
      { kind: 'text', text: ' or ' },
      { kind: 'link', label: '', url: 'https://y.example/a?b=1' },
      { kind: 'text', text: ' ' },
      { kind: 'image', alt: 'logo', url: 'https://evil.example/c?d=secret' },
    ]);
  });

  it('leaves markup as text', () => {
    expect(segments('<img src=x onerror=alert(1)>')).toEqual([{ kind: 'text', text: '<img src=x onerror=alert(1)>' }]);
  });
});

describe('applyEvent', () => {
  it('assembles text, tool steps and proposals, and a retry voids what streamed', () => {
    let t = emptyTurn();
    t = applyEvent(t, { type: 'session', id: 3 });
    t = applyEvent(t, { type: 'text', text: 'Let me ' });
    t = applyEvent(t, { type: 'text', text: 'look.' });
    t = applyEvent(t, { type: 'tool_started', name: 'search_mail' });
    t = applyEvent(t, { type: 'tool_done', name: 'search_mail', summary: 'Searched mail', is_error: false });
    expect(t.sessionId).toBe(3);
    expect(t.text).toBe('Let me look.\n\n');
    expect(t.steps).toEqual([{ name: 'search_mail', summary: 'Searched mail', isError: false }]);
    t = applyEvent(t, { type: 'retrying', attempt: 2, wait_ms: 500, reason: 'Overloaded' });
    expect(t.text).toBe('');
    expect(t.retrying).toContain('try 2');
    t = applyEvent(t, { type: 'text', text: 'Done.' });
    expect(t.retrying).toBeNull();
  });
});
