// What each error code means in the user's words. The technical code and message stay one
// click away ("Details").
import type { OrbitError } from './ipc';

const BY_CODE: Record<string, string> = {
  invalid_input: 'Some of the details are not valid.',
  invalid: 'Some of the details are not valid.',
  not_found: 'That item no longer exists. The list has been refreshed.',
  keyring_unavailable: 'Passwords cannot be stored because no system keyring is available. Start your desktop keyring (for example GNOME Keyring) and try again.',
  keyring: 'The system keyring refused the request. Unlock it and try again.',
  database: 'Orbit could not read or write its local data.',
  database_locked: 'Orbit’s data is in use by another Orbit process. Close it and try again.',
  database_newer: 'This data was written by a newer version of Orbit. Update Orbit to open it.',
  database_corrupt: 'Orbit’s local data file is damaged. Restore it from a backup or move it aside to start fresh.',
  network: 'The server could not be reached. Check your connection and try again.',
  no_api_key: 'The assistant needs an API key: add one in Settings → AI providers.',
  budget_reached: 'The assistant’s budget is spent. Raise it in Settings to go on.',
  model: 'The AI provider could not answer.',
  cancelled: 'Stopped.',
  internal: 'Something went wrong inside Orbit.',
};

export function userMessage(err: OrbitError): string {
  if ((err.code === 'invalid_input' || err.code === 'invalid') && err.message) return err.message;
  return BY_CODE[err.code] ?? BY_CODE.internal;
}
