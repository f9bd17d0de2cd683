import { describe, expect, it } from "vitest";
import { SCHEDULED_TASKS, RUNNABLE_TASKS } from "../../server/services/jobs/catalog.ts";
import { counterParts, describeCounters, taskInfo, taskName, technicalCounters, TASKS } from "./jobs.ts";

describe("task names", () => {
  it("every scheduled and runnable task has a PM-readable name and description", () => {
    for (const task of [...SCHEDULED_TASKS.map((t) => t.task), ...RUNNABLE_TASKS]) {
      expect(TASKS[task], task).toBeDefined();
      expect(taskInfo(task).name).not.toMatch(/_/);
      expect(taskInfo(task).description.length, task).toBeGreaterThan(10);
    }
    expect(taskName("kag_daily_pipeline")).toBe("Daily intelligence pipeline");
    expect(taskName("connectors_sync_cycle")).toBe("Sync from Chatwoot, Linear and Attio");
  });
  it("turns an unknown task's technical name into words", () => {
    expect(taskName("some_new_task")).toBe("Some new task");
  });
});

describe("counters", () => {
  const sync = { pages: 7, httpRequests: 8, eventsWritten: 71, rateLimited: 0, httpRetries: 1 };
  it("reads like a sentence, outcome first, zeros left out", () => {
    expect(describeCounters(sync, "chatwoot_sync")).toBe("71 events written · 7 pages · 8 requests · 1 retry");
    expect(describeCounters(sync, "chatwoot_sync", { max: 2 })).toBe("71 events written · 7 pages · +2 more");
    expect(describeCounters({ eventsWritten: 1, pages: 1 })).toBe("1 event written · 1 page");
    expect(describeCounters({ processEventsDeleted: 12345 })).toBe("12,345 old activity entries removed");
  });
  it("uses the task's own words where a counter name is ambiguous", () => {
    expect(describeCounters({ completed: 3, inbound: 1 }, "analytics_aggregates")).toBe("3 issues completed · 1 client message");
    expect(describeCounters({ completed: 2 }, "campaign_scheduler")).toBe("2 sequences completed");
  });
  it("copes with unknown counters and junk", () => {
    expect(describeCounters({ widgetsPolished: 2 })).toBe("2 widgets polished");
    expect(describeCounters(null)).toBe("");
    expect(describeCounters({ a: "x" })).toBe("");
    expect(counterParts({ eventsWritten: 3 }).map((p) => p.key)).toEqual(["eventsWritten"]);
  });
  it("keeps the technical form for the title", () => {
    expect(technicalCounters(sync)).toBe("pages=7 httpRequests=8 eventsWritten=71 rateLimited=0 httpRetries=1");
  });
});
