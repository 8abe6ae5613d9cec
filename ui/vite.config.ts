/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Vitest sets VITEST; Svelte 5 then needs the browser build so that `mount` works in jsdom.
const underTest = Boolean(process.env.VITEST);

export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  resolve: underTest ? { conditions: ['browser'] } : {},
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK 2.4x+ on Linux, WebView2 and WKWebView all handle ES2022.
    target: 'es2022',
    // Only the app itself ships: preview.html (mocked IPC for screenshots) stays out of dist.
    rolldownOptions: { input: 'index.html' },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
});
