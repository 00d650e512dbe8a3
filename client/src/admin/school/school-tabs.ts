import * as en from '../../../../i18n/paraglide/staff/messages/en.js';

/**
 * The admin view's school sections, in the order they appear. Their titles come from the
 * English messages themselves rather than the client's reactive layer (`m`): staff screens
 * are always English, and this list is also read outside the browser
 * (test/e2e/axe-screens.test.ts), where that layer's Svelte module cannot load.
 */
export const SCHOOL_TABS = [
  ['import', en.admin_tab_import({})],
  ['staff', en.admin_tab_staff({})],
  ['codes', en.admin_tab_codes({})],
  ['log', en.admin_tab_log({})],
  ['record', en.admin_tab_record({})],
  ['stats', en.admin_tab_stats({})],
  ['feedback', en.admin_tab_feedback({})],
  ['families', en.admin_tab_families({})],
  ['retention', en.admin_tab_retention({})],
] as const;

export type SchoolTab = (typeof SCHOOL_TABS)[number][0];

export function isSchoolTab(tab: string): tab is SchoolTab {
  return SCHOOL_TABS.some(([id]) => id === tab);
}
