import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app')!;
// The operator's screen has its own sign-in and token and never starts a school
// session, so it is mounted instead of the app, and loaded only at /operator.
if (/^\/operator(\/|$)/.test(location.pathname)) {
  void import('./operator/OperatorApp.svelte').then((m) => mount(m.default, { target }));
} else {
  mount(App, { target });
}
