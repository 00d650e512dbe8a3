/** The admin view's school sections, in the order they appear. */
export const SCHOOL_TABS = [
  ['import', 'Import'],
  ['staff', 'Staff'],
  ['codes', 'Access codes'],
  ['log', 'Booking log'],
  ['record', 'Record of changes'],
  ['stats', 'Statistics'],
  ['feedback', 'Feedback inbox'],
  ['families', 'Data rights'],
  ['retention', 'Retention'],
] as const;

export type SchoolTab = (typeof SCHOOL_TABS)[number][0];

export function isSchoolTab(tab: string): tab is SchoolTab {
  return SCHOOL_TABS.some(([id]) => id === tab);
}
