/**
 * What of a request goes into the record of transactions. The record must say what
 * was changed without becoming a second copy of the school's personal data (the
 * retention purge would then have to find it) or a store of secrets: keys that carry
 * a secret are dropped, keys that may carry a name, an address or a message keep only
 * the fact that something was given. Ids, times, modes, flags and counts stay: they
 * are what the school needs to read what happened.
 */

const SECRET = /pass(word)?|secret|token|^code$|accessCode|captcha/i;
const PERSONAL =
  /name|surname|title|e-?mail|address|phone|message|body|text|subject|note|reason|comment|reply|answer|csv|label/i;

/** Masks what is said in the record. */
export const GIVEN = '(given)';

/** Bounds: a record is a summary, not a copy of an upload. */
const MAX_ARRAY = 50;
const MAX_DEPTH = 4;
const MAX_STRING = 200;
const MAX_JSON_CHARS = 8_000;

function mask(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_ARRAY).map((v) => mask(v, depth + 1));
    return value.length > MAX_ARRAY ? [...kept, `… ${value.length - MAX_ARRAY} more`] : kept;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (SECRET.test(key)) continue;
      // "Ids" are never personal values in this API, even under a name-like key (`teacherIds`).
      if (PERSONAL.test(key) && !/Ids?$/.test(key)) out[key] = v === null || v === '' ? v : GIVEN;
      else out[key] = mask(v, depth + 1);
    }
    return out;
  }
  return undefined;
}

/** The request's body as the record keeps it. */
export function recordedDetail(value: unknown): unknown {
  const masked = mask(value, 0);
  const json = JSON.stringify(masked ?? null);
  return json.length > MAX_JSON_CHARS ? { truncated: true, size: json.length } : masked;
}
