import type { Label, MessageInput } from "./types.ts";

// The keyword rules the product used before message understanding, kept only as the baseline that
// `npm run eval:messages` compares against. Nothing decides with them any more.

const APPROVAL_RE = /\b(approve|approval|sign[- ]?off)\b|апрув|подтверд|соглас(уйте|уем)/i;
const SCOPE_RE = /out of scope|outside (the )?scope|change request|\badditional(ly)?\b|one more thing|вне скоупа|дополнительно|доработк/i;
const NEED_RE = /\b(also need|we'?d (also )?need|new module|expand|upgrade|add-on|another (app|site|module)|mobile app)\b/i;
const EXPECTS_REPLY = /\?|\b(please|could you|can you|would you|let (us|me) know|waiting for|awaiting|approv\w*|confirm\w*|feedback|reminder|пожалуйста|подтверд\w*|соглас\w*|ждём|ждем)\b/i;
const POSITIVE = /\b(thanks|thank you|great|perfect|love|happy|awesome|excellent|appreciate|good job|спасибо|отлично|супер)\b/gi;
const NEGATIVE = /\b(disappointed|unhappy|frustrat\w*|annoy\w*|unacceptable|angry|worried|concern\w*|delay\w*|late|again|still (not|no)|why (is|are|hasn)|problem|issue|bad|poor|недоволь\w*|плохо|опять|задерж\w*)\b/gi;

export function legacyLabels(m: MessageInput): Label[] {
  const out: Label[] = [];
  if (m.from === "team" && APPROVAL_RE.test(m.text)) out.push("approval_request");
  if (m.from === "team" && EXPECTS_REPLY.test(m.text)) out.push("expects_reply");
  if (m.from === "client" && SCOPE_RE.test(m.text)) out.push("scope_change");
  if (m.from === "client" && NEED_RE.test(m.text)) out.push("new_need");
  return out;
}

export function legacyTone(text: string): number {
  const pos = text.match(POSITIVE)?.length ?? 0;
  const neg = text.match(NEGATIVE)?.length ?? 0;
  return pos + neg === 0 ? 0 : Math.max(-1, Math.min(1, (pos - neg) / (pos + neg)));
}
