import { describe, expect, it } from "vitest";
import { readCorpus } from "./corpus.ts";
import { baseModel, classifyLocal, trainLocalModel } from "./local-engine.ts";
import { LABELS_BY_AUTHOR } from "./types.ts";

describe("the local message-understanding engine", () => {
  it("gives a result for any input, never an exception", () => {
    const model = baseModel();
    const hostile = [
      "", "   ", "🙂🙂🙂", "\u0000\u0000", "a".repeat(200_000), `${"word ".repeat(40_000)}?`,
      "<html><body><script>alert(1)</script><p>Could you <b>approve</b> the designs?</p></body></html>",
      "```js\nconst x = add(1, 2);\n```", "Можете also add экспорт в CSV? Thanks!", "\n\n\n", "1234 5678", "> only a quote\n> nothing else",
    ];
    for (const text of hostile) {
      for (const from of ["client", "team"] as const) {
        const u = classifyLocal(model, { from, text });
        expect(u.tone).toBeGreaterThanOrEqual(-1);
        expect(u.tone).toBeLessThanOrEqual(1);
        for (const l of u.labels) {
          expect(LABELS_BY_AUTHOR[from]).toContain(l.label);
          expect(l.confidence).toBeGreaterThanOrEqual(0);
          expect(l.confidence).toBeLessThanOrEqual(1);
        }
      }
    }
    // Markup is read as text: the request inside the HTML is still found, and the span carries no tag.
    const html = classifyLocal(model, { from: "team", text: hostile[6]! });
    expect(html.labels.map((l) => l.label)).toContain("expects_reply");
    expect(html.labels.every((l) => !/[<>]/.test(l.span))).toBe(true);
  });

  it("quotes a span from the message itself for every label it finds", () => {
    const model = baseModel();
    const text = "Hi Dana,\n\nThe staging build is up and the payment flow passed QA yesterday. Could you sign off the release for Thursday? Release notes are in the usual folder.\n\nThanks,\nMaria";
    const u = classifyLocal(model, { from: "team", text });
    expect(u.labels.map((l) => l.label).sort()).toEqual(["approval_request", "expects_reply"]);
    for (const l of u.labels) expect(text).toContain(l.span);
    expect(u.labels.find((l) => l.label === "approval_request")!.span).toMatch(/sign off/);
  });

  it("is deterministic: the same corpus gives the same model and the same answers", () => {
    const rows = readCorpus("train").slice(0, 300);
    const a = trainLocalModel(rows);
    const b = trainLocalModel(rows);
    expect(a.version).toBe(b.version);
    const input = { from: "client" as const, text: "Можно ещё добавить выгрузку заказов в 1С? Это не было в ТЗ." };
    expect(classifyLocal(a, input)).toEqual(classifyLocal(b, input));
    // A different corpus is a different version (stored results are redone).
    expect(trainLocalModel(rows.slice(1)).version).not.toBe(a.version);
  });

  it("says which language a message is in", () => {
    const model = baseModel();
    expect(classifyLocal(model, { from: "client", text: "Спасибо, всё получили!" }).language).toBe("ru");
    expect(classifyLocal(model, { from: "client", text: "Thanks, got everything!" }).language).toBe("en");
    expect(classifyLocal(model, { from: "client", text: "Thanks a lot, great work! Всё получили" }).language).toBe("mixed");
    expect(classifyLocal(model, { from: "client", text: "👍" }).language).toBe("unknown");
  });
});
