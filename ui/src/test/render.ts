// Renders the whole app against a FakeBackend and waits until the first load has painted.
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import App from '../App.svelte';
import { FakeBackend, type FakeData, type FakeOptions } from '../mock/backend';

export async function renderApp(data?: FakeData, options?: FakeOptions) {
  const backend = new FakeBackend(data, options).install();
  const user = userEvent.setup();
  const result = render(App);
  // The sidebar renders at once; the main pane after app_info/account_list/settings_get.
  await screen.findByTestId('nav-inbox');
  await waitForLoad(backend);
  return { backend, user, ...result };
}

async function waitForLoad(backend: FakeBackend) {
  for (let i = 0; i < 50 && backend.callsOf('settings_get').length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 0));
}
