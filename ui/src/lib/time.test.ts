import { describe, expect, it } from 'vitest';
import { listDate, relativeTime } from './time';

const now = new Date(2025, 2, 12, 15, 0, 0).getTime(); // Wed 12 Mar 2025, 15:00 local
const at = (d: Date) => d.toISOString();

describe('listDate', () => {
  it('says minutes for the last hour, the time for today, then Yesterday, weekdays and dates', () => {
    expect(listDate(at(new Date(now - 10_000)), now)).toBe('now');
    expect(listDate(at(new Date(now - 7 * 60_000)), now)).toBe('7 min');
    expect(listDate(at(new Date(2025, 2, 12, 9, 5)), now)).toBe(new Date(2025, 2, 12, 9, 5).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' }));
    expect(listDate(at(new Date(2025, 2, 11, 23, 59)), now)).toBe('Yesterday');
    expect(listDate(at(new Date(2025, 2, 8, 12, 0)), now)).toBe(new Date(2025, 2, 8).toLocaleDateString(undefined, { weekday: 'short' }));
    expect(listDate(at(new Date(2025, 0, 2, 12, 0)), now)).toBe(new Date(2025, 0, 2).toLocaleDateString(undefined, { day: 'numeric', month: 'short' }));
    expect(listDate(at(new Date(2023, 5, 2, 12, 0)), now)).toContain('2023');
    expect(listDate('not a date', now)).toBe('');
  });

  it('keeps relativeTime for "Synced … ago"', () => {
    expect(relativeTime(at(new Date(now - 2 * 60_000)), now)).toBe('2 min ago');
  });
});
