// DTOs exchanged with the Rust side. Field names are snake_case exactly as serialised by
// src-tauri; keep this file in step with its commands.

export type BuildKind = 'dev' | 'release';

export interface KeyringStatus {
  available: boolean;
  message: string | null;
}

export interface AppInfo {
  version: string;
  data_dir: string;
  build_kind: BuildKind;
  keyring: KeyringStatus;
}

export type Security = 'tls' | 'starttls' | 'none';

export interface Endpoint {
  host: string;
  port: number;
  security: Security;
}

export interface AccountInput {
  name: string;
  email: string;
  username: string;
  imap: Endpoint | null;
  smtp: Endpoint | null;
  caldav_url: string | null;
}

export interface LastTest {
  at: string;
  ok: boolean;
  summary: string;
}

export interface Account extends AccountInput {
  id: number;
  created_at: string;
  updated_at: string;
  last_test: LastTest | null;
}

export type Service = 'imap' | 'smtp' | 'caldav';

export type CheckKind = 'auth' | 'tls' | 'unreachable' | 'timeout' | 'protocol' | 'config' | 'keyring';

export interface Check {
  service: Service;
  ok: boolean;
  kind: CheckKind | null;
  message: string;
  elapsed_ms: number;
}

export interface ConnectionReport {
  account_id: number;
  ok: boolean;
  checks: Check[];
}

export type Actor = 'user' | 'agent' | 'sync' | 'system';

export interface Activity {
  id: number;
  at: string;
  actor: Actor;
  action: string;
  target: string;
  summary: string;
  details: Record<string, unknown>;
}

export interface ActivityFilter {
  actor: Actor | null;
  action: string | null;
  limit: number | null;
}

export type ProviderId = 'anthropic' | 'openai';

export interface Provider {
  base_url: string;
  model: string;
  has_key: boolean;
  key_from_env: boolean;
  base_url_from_env: boolean;
}

export interface AiSettings {
  anthropic: Provider;
  openai: Provider;
}

export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'keyring_unavailable'
  | 'keyring'
  | 'database'
  | 'database_locked'
  | 'database_newer'
  | 'database_corrupt'
  | 'network'
  | 'internal';

/** Events the Rust side emits; after each, the UI re-queries. */
export const EVENTS = {
  activityAdded: 'activity-added',
  accountsChanged: 'accounts-changed',
  settingsChanged: 'settings-changed',
  syncStarted: 'sync-started',
  syncFinished: 'sync-finished',
  navigate: 'navigate',
} as const;

export interface ActivityAddedPayload {
  id: number;
}
