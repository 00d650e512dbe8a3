/**
 * The MIS's "home language" cell as one of the languages a family can read Confer in.
 * School systems write it as a name in English or in the language itself ("Welsh",
 * "Cymraeg"), as an ISO 639 code ("cy", "cym", "pl-PL"), or as the DfE's census code
 * ("WEL", "PNJG"). A language we do not offer is no error: the family reads English, and
 * the import's plan counts such rows so the school knows.
 */
import { isLocale, type Locale } from '../../../../protocol/locales.ts';

const NAMES: Record<string, Locale> = {
  english: 'en',
  welsh: 'cy',
  cymraeg: 'cy',
  polish: 'pl',
  polski: 'pl',
  urdu: 'ur',
  اردو: 'ur',
  arabic: 'ar',
  العربية: 'ar',
  romanian: 'ro',
  română: 'ro',
  romana: 'ro',
  moldovan: 'ro',
  portuguese: 'pt',
  português: 'pt',
  portugues: 'pt',
  bengali: 'bn',
  bangla: 'bn',
  বাংলা: 'bn',
  sylheti: 'bn',
  punjabi: 'pa',
  panjabi: 'pa',
  ਪੰਜਾਬੀ: 'pa',
  // ISO 639-2/3 codes (B and T forms).
  eng: 'en',
  cym: 'cy',
  wel: 'cy',
  pol: 'pl',
  urd: 'ur',
  ara: 'ar',
  ron: 'ro',
  rum: 'ro',
  por: 'pt',
  ben: 'bn',
  pan: 'pa',
  // The DfE's school-census codes where they differ from the above.
  rmn: 'ro',
  bng: 'bn',
  pnj: 'pa',
  pnjg: 'pa',
};

/**
 * Punjabi as written in Pakistan is in Shahmukhi (Urdu's script); ours is Gurmukhi, so
 * those are not matched to it.
 */
const NOT_GURMUKHI = new Set([
  'pnjp',
  'pnjm',
  'punjabi (shahmukhi)',
  'punjabi (pakistani)',
  'pa-arab',
  'pnb',
]);

/** The locale for a home-language cell; null for an empty cell or a language we do not offer. */
export function homeLanguageLocale(cell: string): Locale | null {
  const v = cell.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!v || NOT_GURMUKHI.has(v)) return null;
  const named = NAMES[v];
  if (named) return named;
  // "Punjabi (Gurmukhi)", "Portuguese (Brazil)", "Bengali / Bangla": the first name decides.
  const first = v.split(/[\s(/,;-]/)[0] ?? '';
  if (first !== v && NAMES[first] && !/shahmukhi|pakistan/.test(v)) return NAMES[first];
  // A BCP-47 tag: its primary language ("pl-PL", "pt_BR").
  const primary = v.split(/[-_]/)[0] ?? '';
  if (isLocale(primary) && !NOT_GURMUKHI.has(v.replace('_', '-'))) return primary;
  return null;
}
