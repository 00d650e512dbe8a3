/**
 * The languages a family is offered when it says it needs an interpreter: languages
 * widely spoken at home in UK school communities, each by its own name (as a family
 * looking for it would recognise it), with the BCP-47 code Confer stores
 * (canonical, as `canonicalLanguage` in interpreters.ts gives it). A school's
 * interpreters may speak any language; a family whose need was set to another one (by
 * an admin, or the import) sees that one offered too. British Sign Language has no
 * written name of its own: its name is a message (`interpreter_language_bfi`).
 */
export const INTERPRETER_LANGUAGES: readonly { code: string; name: string | null }[] = [
  { code: 'sq', name: 'Shqip' },
  { code: 'am', name: 'አማርኛ' },
  { code: 'ar', name: 'العربية' },
  { code: 'bn', name: 'বাংলা' },
  { code: 'bfi', name: null },
  { code: 'bg', name: 'Български' },
  { code: 'yue', name: '粵語' },
  { code: 'zh', name: '中文' },
  { code: 'cs', name: 'Čeština' },
  { code: 'fa', name: 'فارسی' },
  { code: 'fr', name: 'Français' },
  { code: 'gu', name: 'ગુજરાતી' },
  { code: 'hi', name: 'हिन्दी' },
  { code: 'hu', name: 'Magyar' },
  { code: 'it', name: 'Italiano' },
  { code: 'ku', name: 'Kurdî' },
  { code: 'ckb', name: 'کوردی' },
  { code: 'lv', name: 'Latviešu' },
  { code: 'lt', name: 'Lietuvių' },
  { code: 'ml', name: 'മലയാളം' },
  { code: 'ne', name: 'नेपाली' },
  { code: 'ps', name: 'پښتو' },
  { code: 'pl', name: 'Polski' },
  { code: 'pt', name: 'Português' },
  { code: 'pa', name: 'ਪੰਜਾਬੀ' },
  { code: 'ro', name: 'Română' },
  { code: 'ru', name: 'Русский' },
  { code: 'sk', name: 'Slovenčina' },
  { code: 'so', name: 'Soomaali' },
  { code: 'es', name: 'Español' },
  { code: 'sw', name: 'Kiswahili' },
  { code: 'ta', name: 'தமிழ்' },
  { code: 'ti', name: 'ትግርኛ' },
  { code: 'tr', name: 'Türkçe' },
  { code: 'uk', name: 'Українська' },
  { code: 'ur', name: 'اردو' },
  { code: 'vi', name: 'Tiếng Việt' },
  { code: 'cy', name: 'Cymraeg' },
];
