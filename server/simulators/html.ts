// Minimal read-only HTML pages for the simulators' web-app URLs (the pages evidence links open).
// Everything shown comes from client-controlled text (messages, titles, names), so interpolation
// escapes by default: only fragments built by `html` itself pass through unescaped.

const SAFE = Symbol("safe-html");
export type SafeHtml = { readonly [SAFE]: true; readonly text: string };
type Part = SafeHtml | string | number | null | undefined | false | readonly Part[];

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

const isSafe = (p: unknown): p is SafeHtml => typeof p === "object" && p !== null && SAFE in p;
const render = (p: Part): string => {
  if (p === null || p === undefined || p === false) return "";
  if (isSafe(p)) return p.text;
  if (Array.isArray(p)) return p.map(render).join("");
  return escapeHtml(String(p));
};

export function html(strings: TemplateStringsArray, ...parts: Part[]): SafeHtml {
  let text = strings[0]!;
  parts.forEach((p, i) => (text += render(p) + strings[i + 1]!));
  return { [SAFE]: true, text };
}

export type SimPage = { status: number; html: string };

/** A whole document. No scripts: the pages are served with a CSP that forbids them anyway. */
export function page(title: string, provider: string, body: SafeHtml, status = 200): SimPage {
  const doc = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${provider} (simulator)</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:52rem;padding:1.5rem;color:#1e293b}
header small{color:#64748b}h1{font-size:1.4rem;margin:.3rem 0 1rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{color:#64748b}dd{margin:0}ol,ul{padding-left:1.2rem}li{margin:.6rem 0}.meta{color:#64748b;font-size:.85rem}
.body{white-space:pre-wrap;margin:.2rem 0 0}.linked{background:#fef9c3;outline:2px solid #facc15;padding:.3rem}.private{color:#92400e}
</style></head>
<body><header><small>${provider} simulator · read-only</small><h1>${title}</h1></header>
${body}
</body></html>`;
  return { status, html: doc.text };
}

export const notFoundPage = (provider: string, what: string): SimPage => page("Not found", provider, html`<p>${what} does not exist.</p>`, 404);

/** Unix seconds or an ISO string as a `<time>` element in UTC. */
export function time(at: number | string | Date): SafeHtml {
  const d = typeof at === "number" ? new Date(at * 1000) : new Date(at);
  const iso = d.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace("T", " ")} UTC</time>`;
}

/**
 * A URL slug the way Linear builds the tail of issue and project URLs: lower case, "&" → "and",
 * dots and apostrophes dropped, every other run of non-alphanumerics one hyphen.
 */
export function slugify(text: string, max = 60): string {
  const s = text
    .toLowerCase()
    .replace(/&/g, " and ")
    .replace(/['’.]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "");
  return s.slice(0, max).replace(/-+$/, "");
}
