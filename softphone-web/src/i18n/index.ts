import { en, type MessageKey, type Messages } from './en.ts';
import { es } from './es.ts';

export type { MessageKey, Messages };
export type Language = 'en' | 'es';

export const LANGUAGES: Record<Language, { label: string; messages: Messages }> = {
  en: { label: 'English', messages: en },
  es: { label: 'Español', messages: es },
};

/**
 * The language to start with: the user's saved choice, else the browser's first
 * preference we support (navigator.languages, e.g. "es-AR" → es), else English.
 */
export function pickLanguage(saved: string | null, preferred: readonly string[]): Language {
  if (saved === 'en' || saved === 'es') return saved;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'es' || base === 'en') return base;
  }
  return 'en';
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** A translator for one language; unknown placeholders are left visible, never dropped. */
export function translator(lang: Language): Translate {
  const messages = LANGUAGES[lang].messages;
  return (key, params) => {
    const text = messages[key] ?? en[key] ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
      Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
    );
  };
}
