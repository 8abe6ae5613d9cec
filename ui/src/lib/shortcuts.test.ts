import { describe, expect, it } from 'vitest';
import { createShortcutMatcher, SEQUENCE_MS, type KeyLike } from './shortcuts';

const key = (k: string, extra: Partial<KeyLike> = {}): KeyLike => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, target: null, ...extra });

describe('shortcut matcher', () => {
  it.each([
    ['i', 'inbox'],
    ['c', 'calendar'],
    ['t', 'tasks'],
    ['d', 'documents'],
    ['a', 'assistant'],
    ['l', 'activity'],
    ['s', 'settings'],
  ])('g %s goes to %s', (second, area) => {
    const match = createShortcutMatcher(() => 0);
    expect(match(key('g'))).toBeNull();
    expect(match(key(second))).toEqual({ type: 'go', area });
  });

  it('forgets a g after the sequence window', () => {
    let t = 0;
    const match = createShortcutMatcher(() => t);
    match(key('g'));
    t = SEQUENCE_MS + 1;
    expect(match(key('s')), 'a lone s is the mail key again').toEqual({ type: 'key', key: 's' });
  });

  it('hands the mail keys to the area, but not the second key of a g sequence', () => {
    const match = createShortcutMatcher(() => 0);
    for (const k of ['j', 'k', 'o', 'Enter', 'e', '#', 's', 'u', '/']) expect(match(key(k))).toEqual({ type: 'key', key: k });
    expect(match(key('J')), 'caps lock does not matter').toEqual({ type: 'key', key: 'j' });
    expect(match(key('g'))).toBeNull();
    expect(match(key('s'))).toEqual({ type: 'go', area: 'settings' });
    expect(match(key('g'))).toBeNull();
    expect(match(key('j')), 'g j is nothing, and not j').toBeNull();
    expect(match(key('x'))).toBeNull();
    expect(match(key('j', { target: document.createElement('textarea') }))).toBeNull();
  });

  it('hands the calendar keys to the area, except as the second key of a g sequence', () => {
    const match = createShortcutMatcher(() => 0);
    for (const k of ['d', 'w', 'm', 't', 'n', 'ArrowLeft', 'ArrowDown', 'Delete', 'Backspace']) expect(match(key(k))).toEqual({ type: 'key', key: k });
    expect(match(key('g'))).toBeNull();
    expect(match(key('d')), 'g d is Documents, not the day view').toEqual({ type: 'go', area: 'documents' });
    expect(match(key('g'))).toBeNull();
    expect(match(key('t'))).toEqual({ type: 'go', area: 'tasks' });
    expect(match(key('t', { target: document.createElement('input') })), 'typing a t in the quick-add field').toBeNull();
    expect(match(key('Backspace', { target: document.createElement('input') }))).toBeNull();
  });

  it('hands the task keys to the area, and g l is still Activity', () => {
    const match = createShortcutMatcher(() => 0);
    for (const k of ['b', 'l', 'h']) expect(match(key(k))).toEqual({ type: 'key', key: k });
    expect(match(key('ArrowLeft', { shiftKey: true } as Partial<KeyLike>)), 'Shift+← reaches the area as ←').toEqual({ type: 'key', key: 'ArrowLeft' });
    expect(match(key('g'))).toBeNull();
    expect(match(key('l')), 'g l is Activity, not the list view').toEqual({ type: 'go', area: 'activity' });
  });

  it('ignores keys typed into fields and with modifiers', () => {
    const match = createShortcutMatcher(() => 0);
    const input = document.createElement('input');
    expect(match(key('g', { target: input }))).toBeNull();
    expect(match(key('s', { target: input }))).toBeNull();
    match(key('g'));
    expect(match(key('s', { ctrlKey: true }))).toBeNull();
  });

  it('maps ? to help and Escape even inside fields', () => {
    const match = createShortcutMatcher(() => 0);
    expect(match(key('?'))).toEqual({ type: 'help' });
    expect(match(key('Escape', { target: document.createElement('input') }))).toEqual({ type: 'escape' });
  });
});
