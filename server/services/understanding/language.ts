// Which language a text is written in, for the languages the product speaks (English, Russian).
// Decided by script: Cyrillic letters mean Russian. Enough to answer a client in their own language;
// texts without letters (emoji, numbers) have no language of their own.

export type Language = "en" | "ru";
export const LANGUAGES: readonly Language[] = ["en", "ru"];

const CYRILLIC = /\p{Script=Cyrillic}/gu;
const LATIN = /\p{Script=Latin}/gu;

export function detectLanguage(text: string): Language | null {
  const cyr = text.match(CYRILLIC)?.length ?? 0;
  const lat = text.match(LATIN)?.length ?? 0;
  if (cyr + lat === 0) return null;
  // Russian business text often carries Latin product names and URLs: a third Cyrillic is Russian.
  return cyr >= (cyr + lat) / 3 ? "ru" : "en";
}

/** The language of a conversation: the one most of the client's recent messages are in (English when unknown). */
export function conversationLanguage(texts: string[]): Language {
  let ru = 0;
  let en = 0;
  for (const t of texts) {
    const l = detectLanguage(t);
    if (l === "ru") ru++;
    else if (l === "en") en++;
  }
  return ru > en ? "ru" : "en";
}
