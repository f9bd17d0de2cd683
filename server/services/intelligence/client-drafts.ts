import type { Language } from "../understanding/language.ts";

// What we propose to write *to a client*. These are drafts a person reads, edits and sends; they are
// written for the client in the conversation's language and never carry the recommendation's
// internal wording (risk scores, "chase", margin talk). Only categories where writing to the client
// is the right move have one.

export const CLIENT_FACING_CATEGORIES = ["waiting_on_client", "scope_creep_change_request", "upsell_opportunity", "winback"] as const;
export type ClientFacingCategory = (typeof CLIENT_FACING_CATEGORIES)[number];
export const isClientFacing = (category: string): category is ClientFacingCategory => (CLIENT_FACING_CATEGORIES as readonly string[]).includes(category);

export type DraftContext = {
  category: ClientFacingCategory;
  language: Language;
  /** The client's first name, when the conversation's contact has one. */
  recipientFirstName: string | null;
  projectName: string;
  /** The person who will send it (the signed-in user). */
  senderName: string | null;
  /** The message the draft refers to: the team's unanswered request, or the client's own request. */
  quoted: { text: string; at: Date } | null;
  /** Waiting on client: an approval is what is pending. */
  approvalPending: boolean;
  /** Scope creep: how many out-of-scope requests came in this week. */
  requestCount: number;
};

/**
 * A sentence-sized excerpt the client recognises: the first question (what was asked of them), else
 * the first sentence, at most ~140 characters cut at a word boundary.
 */
export function excerpt(text: string, max = 140): string {
  const clean = text.replace(/\s+/g, " ").trim();
  // A sentence ends at . ! ? or … followed by a space ("v2.1" and "example.com/a.b" do not end one).
  const sentences = clean.split(/(?<=[.!?…])\s+/u).filter((x) => x.length >= 3);
  const sentence = sentences.find((x) => x.endsWith("?")) ?? sentences[0] ?? clean;
  if (sentence.length <= max) return sentence;
  const cut = sentence.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), max - 20)).trimEnd()}…`;
}

const day = (d: Date, lang: Language) => new Intl.DateTimeFormat(lang === "ru" ? "ru-RU" : "en-GB", { day: "numeric", month: "long", timeZone: "UTC" }).format(d);

type Parts = { greeting: string; body: string[]; signOff: string };

const EN: Record<ClientFacingCategory, (c: DraftContext) => string[]> = {
  waiting_on_client: (c) => {
    const when = c.quoted ? ` from ${day(c.quoted.at, "en")}` : "";
    const quote = c.quoted ? ` ("${excerpt(c.quoted.text)}")` : "";
    return c.approvalPending
      ? [`I'm following up on our message${when}${quote}.`, "Could you let us know whether it's approved, or what you would like us to change? As soon as we have your go-ahead we'll continue with the next step."]
      : [`I'm following up on our message${when}${quote}.`, "Could you let us know when you've had a chance to look at it? If anything is unclear or on hold on your side, just tell us and we'll plan around it."];
  },
  scope_creep_change_request: (c) => [
    c.quoted ? `Thank you for the new request ("${excerpt(c.quoted.text)}")${c.requestCount > 1 ? ` and the others this week` : ""}.` : "Thank you for the new requests this week.",
    `They go beyond what we agreed for ${c.projectName}, so we'd like to handle them as a change request: we'll send you a short estimate of the effort, cost and effect on the timeline, and start once you approve it.`,
    "Does that work for you?",
  ],
  upsell_opportunity: (c) => [
    c.quoted ? `You mentioned: "${excerpt(c.quoted.text)}"` : "You mentioned you may need more help from us.",
    "We'd be glad to help with that. Would a short call this week suit you, so we can understand what you need and prepare a proposal?",
  ],
  winback: (c) => [
    `We'd like to check in on how ${c.projectName} is going from your side.`,
    "Is there anything we should do differently? We would value 15 minutes with you this week — just let us know a time that suits you.",
  ],
};

const RU: Record<ClientFacingCategory, (c: DraftContext) => string[]> = {
  waiting_on_client: (c) => {
    const when = c.quoted ? ` от ${day(c.quoted.at, "ru")}` : "";
    const quote = c.quoted ? ` («${excerpt(c.quoted.text)}»)` : "";
    return c.approvalPending
      ? [`Возвращаемся к нашему сообщению${when}${quote}.`, "Подскажите, пожалуйста, можно ли считать его согласованным или что нам стоит изменить? Как только получим ваше подтверждение, продолжим работу."]
      : [`Возвращаемся к нашему сообщению${when}${quote}.`, "Подскажите, пожалуйста, когда сможете его посмотреть? Если что-то непонятно или на вашей стороне есть задержка, напишите — мы учтём это в планах."];
  },
  scope_creep_change_request: (c) => [
    c.quoted ? `Спасибо за новый запрос («${excerpt(c.quoted.text)}»)${c.requestCount > 1 ? " и другие на этой неделе" : ""}.` : "Спасибо за новые запросы на этой неделе.",
    `Они выходят за рамки того, что мы согласовали по проекту «${c.projectName}», поэтому предлагаем оформить их как запрос на изменение: мы пришлём короткую оценку трудозатрат, стоимости и влияния на сроки и начнём после вашего согласования.`,
    "Вам так удобно?",
  ],
  upsell_opportunity: (c) => [
    c.quoted ? `Вы упомянули: «${excerpt(c.quoted.text)}»` : "Вы упомянули, что вам может понадобиться наша помощь и в других задачах.",
    "Будем рады помочь. Удобно ли вам созвониться на этой неделе, чтобы обсудить задачу и подготовить предложение?",
  ],
  winback: (c) => [
    `Хотим узнать, как проект «${c.projectName}» выглядит с вашей стороны.`,
    "Что нам стоит делать иначе? Будем благодарны за 15 минут разговора на этой неделе — напишите, когда вам удобно.",
  ],
};

function parts(c: DraftContext): Parts {
  const name = c.recipientFirstName?.trim();
  if (c.language === "ru") {
    return { greeting: name ? `Здравствуйте, ${name}!` : "Здравствуйте!", body: RU[c.category](c), signOff: c.senderName ? `С уважением,\n${c.senderName}` : "С уважением" };
  }
  return { greeting: name ? `Hi ${name},` : "Hello,", body: EN[c.category](c), signOff: c.senderName ? `Best regards,\n${c.senderName}` : "Best regards" };
}

/** The draft of a message to the client, ready for a person to read and edit. */
export function clientMessageDraft(c: DraftContext): string {
  const p = parts(c);
  return [p.greeting, "", p.body.join(" "), "", p.signOff].join("\n");
}

/** When a follow-up sequence's reminders go out, in hours after it starts. */
export const FOLLOW_UP_DELAYS_HOURS = [48, 120] as const;

/** Follow-up sequence steps: gentle reminders in the conversation's language, sent only if the client stays silent. */
export function followUpStepDrafts(language: Language, recipientFirstName: string | null): { afterHours: number; content: string }[] {
  const name = recipientFirstName?.trim();
  const hi = language === "ru" ? (name ? `Здравствуйте, ${name}!` : "Здравствуйте!") : name ? `Hi ${name},` : "Hello,";
  const texts = language === "ru"
    ? [
        `${hi} Напоминаем о нашем последнем сообщении — посмотрите его, пожалуйста, когда будет минутка.`,
        `${hi} Ещё раз возвращаемся к нашему вопросу: следующий шаг ждёт вашего ответа. Если что-то мешает, напишите — поможем.`,
      ]
    : [
        `${hi} just checking in on our last message — could you take a look when you have a moment?`,
        `${hi} following up once more: the next step is waiting on your reply. If anything is in the way, let us know and we'll help.`,
      ];
  return texts.map((content, i) => ({ afterHours: FOLLOW_UP_DELAYS_HOURS[i]!, content }));
}
