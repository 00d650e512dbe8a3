/**
 * The complaints procedure Confer states to families (the privacy page, and wherever a
 * complaint's deadline is shown): one set of values, so the page and the screens that
 * follow a complaint cannot promise different things.
 */

/** A complaint is answered within this many school days (weekends and school holidays not counted). */
export const COMPLAINT_ANSWER_SCHOOL_DAYS = 20;

/** Where a complaint is followed by its reference (the public status page). */
export const COMPLAINT_STATUS_PATH = '/feedback/status';

/** For data-protection matters a complainant not satisfied may go to the UK regulator. */
export const ICO_COMPLAINT_URL = 'https://ico.org.uk/make-a-complaint/';
