import { afterEach } from 'vitest';
import { cleanup } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';

// jsdom provides crypto.getRandomValues, which the Tauri mocks use for callback ids.
afterEach(() => {
  cleanup();
  clearMocks();
});
