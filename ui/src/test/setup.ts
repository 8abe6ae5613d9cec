import { afterEach } from 'vitest';
import { cleanup } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';

// jsdom provides crypto.getRandomValues, which the Tauri mocks use for callback ids.
afterEach(() => {
  cleanup();
  clearMocks();
});

// jsdom lays nothing out and has no ResizeObserver (Svelte's bind:clientHeight uses one): a
// stand-in that never reports, as sizes never change there.
if (typeof globalThis.ResizeObserver === 'undefined') {
  globalThis.ResizeObserver = class {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  };
}
