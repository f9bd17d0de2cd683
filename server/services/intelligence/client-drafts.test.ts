import { describe, expect, it } from "vitest";
import { CLIENT_FACING_CATEGORIES, clientMessageDraft, excerpt, followUpStepDrafts } from "./client-drafts.ts";

describe("drafts written for the client", () => {
  it("quotes what was asked of the client: the first question, else the first sentence, cut at a word", () => {
    expect(excerpt("The final designs are ready. Could you approve them so we can start development?")).toBe("Could you approve them so we can start development?");
    expect(excerpt("Макеты готовы. Подтвердите, пожалуйста, до пятницы?")).toBe("Подтвердите, пожалуйста, до пятницы?");
    expect(excerpt("We shipped v2.1 today. Notes at example.com/a.b")).toBe("We shipped v2.1 today.");
    const long = excerpt("word ".repeat(100));
    expect(long.length).toBeLessThanOrEqual(141);
    expect(long.endsWith("word…")).toBe(true);
  });

  it("every client-facing category has a complete draft in English and Russian, with or without a name and a quote", () => {
    for (const category of CLIENT_FACING_CATEGORIES) {
      for (const language of ["en", "ru"] as const) {
        for (const variant of [
          { recipientFirstName: "Ana", senderName: "Pat Morgan", quoted: { text: "Could you approve the designs?", at: new Date("2026-11-24T10:00:00Z") } },
          { recipientFirstName: null, senderName: null, quoted: null },
        ]) {
          const text = clientMessageDraft({ category, language, projectName: "Portal", approvalPending: true, requestCount: 2, ...variant });
          expect(text, `${category} ${language}`).not.toMatch(/undefined|null|NaN|\$\{/);
          expect(text.split("\n")[0]).toMatch(language === "ru" ? /^Здравствуйте/ : /^(Hi Ana,|Hello,)$/);
          if (variant.senderName) expect(text.endsWith("Pat Morgan")).toBe(true);
          if (language === "ru") expect(text).toMatch(/[а-я]{4}/);
          if (variant.quoted && category !== "winback") expect(text).toContain("Could you approve the designs?");
        }
      }
    }
    expect(clientMessageDraft({ category: "waiting_on_client", language: "en", projectName: "P", approvalPending: true, requestCount: 0, recipientFirstName: "Ana", senderName: null, quoted: { text: "Please sign off.", at: new Date("2026-11-24T10:00:00Z") } })).toContain("from 24 November");
  });

  it("follow-up reminders exist in both languages", () => {
    expect(followUpStepDrafts("ru", "Иван")[0]!.content).toMatch(/^Здравствуйте, Иван!/);
    expect(followUpStepDrafts("en", null)).toHaveLength(2);
  });
});
