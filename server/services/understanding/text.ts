// Text as a classifier should see it: no markup, no NUL bytes, bounded length, and the author's own
// words first — a reply's quoted history or a forwarded thread below it is somebody else's message.

const MAX_CHARS = 8_000;

/** Where a reply's own text ends: the first quoted line or forwarding marker. */
const QUOTE_START = [
  /^\s*>/m,
  /^-{2,}\s*(Original Message|Forwarded message|Пересылаемое сообщение|Исходное сообщение)/im,
  /^\s*(On .{4,120} wrote:|.{4,120} (пишет|написал\(а\)|написала|написал):)\s*$/im,
  /^\s*(From|От):\s.+$/im,
];

/** Raw text beyond this is cut before any pattern runs (a hostile 200 KB message costs nothing extra). */
const MAX_RAW = 32_000;

export function cleanText(raw: string): string {
  return raw
    .slice(0, MAX_RAW)
    .replaceAll("\u0000", "")
    .replace(/<script\b[^>]*>[^<]*(?:<(?!\/script)[^<]*)*<\/script>/gi, " ")
    .replace(/<style\b[^>]*>[^<]*(?:<(?!\/style)[^<]*)*<\/style>/gi, " ")
    .replace(/<br\s*\/?>|<\/(p|div|li|tr)>/gi, "\n")
    .replace(/<[^>]{1,500}>/g, " ")
    .replace(/&nbsp;/g, " ").replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .slice(0, MAX_CHARS);
}

/**
 * The author's own part of a message: the text above the first quote or forwarding marker. A message
 * that is only a forward (nothing above the marker) is all its own.
 */
export function ownPart(text: string): string {
  let end = text.length;
  for (const re of QUOTE_START) {
    const m = re.exec(text);
    if (m && m.index < end) end = m.index;
  }
  const own = text.slice(0, end).trim();
  if (own.length >= 3) return own;
  // A reply that starts with the quote ("> …" then the answer below it): the lines after the quote.
  const after = text.split("\n").filter((l) => !/^\s*>/.test(l)).join("\n").trim();
  return after.length >= 3 && after !== text.trim() ? after : text;
}

export type Sentence = { text: string; start: number };

/** Sentences (and lines) with their offsets, so a span is an exact substring of the original. */
export function sentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  // Split at sentence ends followed by space and at line breaks ("v2.1" and URLs stay whole).
  let from = 0;
  for (const part of text.split(/(?<=[.!?…])\s+|\n+/u)) {
    const trimmed = part.trim();
    const at = text.indexOf(trimmed, from);
    if (at < 0) continue;
    from = at + trimmed.length;
    if (trimmed.length >= 2) out.push({ text: trimmed, start: at });
  }
  return out.length ? out : [{ text: text.trim(), start: Math.max(0, text.indexOf(text.trim())) }];
}
