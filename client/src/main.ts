import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { browserLocale, chosenLocale, rememberLocale } from './lib/i18n/locale-choice.ts';
import { loadStaffMessages, showLanguage } from './lib/i18n/messages.svelte.ts';

const target = document.getElementById('app')!;
// Staff and operator screens are in English; a family's tab starts in the language chosen in
// it, else the browser's first one we have. Loaded before mounting, so no English flashes first.
const staffOnly = /^\/(staff|admin|teacher|operator|interpreter)(\/|$)/.test(location.pathname);
const chosen = chosenLocale();
// A link with ?lang= (from a mail, or a family's own choice) is this tab's choice from now on.
if (chosen && !staffOnly) rememberLocale(chosen);
await Promise.all([
  showLanguage(staffOnly ? 'en' : (chosen ?? browserLocale())),
  staffOnly ? loadStaffMessages() : undefined,
]);
// The operator's screen has its own sign-in and token and never starts a school
// session, so it is mounted instead of the app, and loaded only at /operator.
if (/^\/operator(\/|$)/.test(location.pathname)) {
  void import('./operator/OperatorApp.svelte').then((m) => mount(m.default, { target }));
} else if (/^\/interpreter\/?$/.test(location.pathname)) {
  // An interpreter's own page: signed in by their mail's one-time link, not a school session of App's.
  void import('./interpreter/InterpreterView.svelte').then((m) => mount(m.default, { target }));
} else {
  mount(App, { target });
}
