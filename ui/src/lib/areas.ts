// The app's areas, in sidebar order, with their `g <key>` shortcuts.

export type AreaId = 'inbox' | 'calendar' | 'tasks' | 'documents' | 'assistant' | 'activity' | 'settings';

export type IconName =
  | AreaId
  | 'keyboard'
  | 'check'
  | 'x'
  | 'alert'
  | 'plus'
  | 'close'
  | 'chevron'
  | 'orbit'
  // Mail: folder roles, row marks, actions.
  | 'draft'
  | 'send'
  | 'archive'
  | 'junk'
  | 'trash'
  | 'mails'
  | 'star'
  | 'folder'
  | 'paperclip'
  | 'refresh'
  | 'search'
  | 'back'
  | 'mail'
  // Tasks: views, links, marks.
  | 'board'
  | 'list'
  | 'chart'
  | 'person'
  | 'repeat'
  | 'clock';

export interface Area {
  id: AreaId;
  label: string;
  /** Second key of the `g <key>` sequence. */
  key: string;
}

export const AREAS: readonly Area[] = [
  { id: 'inbox', label: 'Inbox', key: 'i' },
  { id: 'calendar', label: 'Calendar', key: 'c' },
  { id: 'tasks', label: 'Tasks', key: 't' },
  { id: 'documents', label: 'Documents', key: 'd' },
  { id: 'assistant', label: 'Assistant', key: 'a' },
  { id: 'activity', label: 'Activity', key: 'l' },
  { id: 'settings', label: 'Settings', key: 's' },
];

export function isAreaId(value: unknown): value is AreaId {
  return typeof value === 'string' && AREAS.some((a) => a.id === value);
}

export function areaByKey(key: string): Area | undefined {
  return AREAS.find((a) => a.key === key);
}
