// What the assistant panel shows, as plain data: an answer cut into text, citations and links
// (never markup: the model's output is shown as text, so no image or link loads by itself),
// and a turn assembled from the events that stream in.
import type { AssistantEvent, ProposalView } from './types';

export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'cite'; id: number }
  | { kind: 'link'; label: string; url: string }
  | { kind: 'image'; alt: string; url: string };

// [m:42] citations; ![alt](url) images; [label](url) links; bare http(s) URLs.
const PATTERN = /\[m:(\d+)\]|!\[([^\]]*)\]\(([^)\s]+)\)|\[([^\]]+)\]\(([^)\s]+)\)|\bhttps?:\/\/[^\s<>()]+/g;

/** Cuts an answer into what the panel renders. Everything stays text: images are named, not
 *  loaded, and a link shows its full address (EchoLeak-style exfiltration needs a fetch). */
export function segments(answer: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of answer.matchAll(PATTERN)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ kind: 'text', text: answer.slice(last, at) });
    if (m[1] !== undefined) out.push({ kind: 'cite', id: Number(m[1]) });
    else if (m[3] !== undefined) out.push({ kind: 'image', alt: m[2] ?? '', url: m[3] });
    else if (m[5] !== undefined) out.push({ kind: 'link', label: m[4] ?? '', url: m[5] });
    else out.push({ kind: 'link', label: '', url: m[0] });
    last = at + m[0].length;
  }
  if (last < answer.length) out.push({ kind: 'text', text: answer.slice(last) });
  return out;
}

export interface ToolStep {
  name: string;
  summary: string | null;
  isError: boolean;
}

/** A turn as it streams. */
export interface Turn {
  sessionId: number | null;
  text: string;
  steps: ToolStep[];
  proposals: ProposalView[];
  retrying: string | null;
}

export function emptyTurn(): Turn {
  return { sessionId: null, text: '', steps: [], proposals: [], retrying: null };
}

/** Folds one event into the turn (a new object, for Svelte's sake). */
export function applyEvent(turn: Turn, event: AssistantEvent): Turn {
  switch (event.type) {
    case 'session':
      return { ...turn, sessionId: event.id };
    case 'text':
      return { ...turn, text: turn.text + event.text, retrying: null };
    case 'tool_started':
      return { ...turn, steps: [...turn.steps, { name: event.name, summary: null, isError: false }] };
    case 'tool_done': {
      const steps = [...turn.steps];
      const open = steps.findIndex((s) => s.name === event.name && s.summary === null);
      const done = { name: event.name, summary: event.summary, isError: event.is_error };
      if (open >= 0) steps[open] = done;
      else steps.push(done);
      return { ...turn, steps, text: turn.text && !turn.text.endsWith('\n') ? turn.text + '\n\n' : turn.text };
    }
    case 'proposal':
      return { ...turn, proposals: [...turn.proposals, event.proposal] };
    case 'retrying':
      // What streamed before the failure is void: the answer starts over.
      return { ...turn, text: '', retrying: `${event.reason} — trying again (try ${event.attempt})` };
  }
}

/** The human name of a tool. */
export function toolLabel(name: string): string {
  const labels: Record<string, string> = {
    search_mail: 'Searching mail',
    read_thread: 'Reading a conversation',
    summarise_thread: 'Summarising a conversation',
    list_folders: 'Listing folders',
    list_events: 'Reading the calendar',
    create_event: 'Creating an event',
    find_free_time: 'Looking for free time',
    move_event: 'Moving an event',
    cancel_event: 'Proposing to cancel an event',
    draft_reply: 'Writing a draft',
    send_email: 'Proposing a message',
    send_draft: 'Proposing to send a draft',
    archive: 'Proposing to archive',
    move: 'Proposing a move',
    flag: 'Proposing to flag',
    delete: 'Proposing to delete',
  };
  return labels[name] ?? name;
}

export function money(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}
