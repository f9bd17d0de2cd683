import type { Db } from "../../db.ts";
import type { SimilarCaseResult } from "./similarity.ts";

// Similar cases come from the whole workspace, but a project's client text, name and links belong to
// its members. A reader who is not a member of a similar project sees what is needed to trust the
// comparison — how similar, on which patterns, what happened and when — and nothing that names or
// quotes that client.

export type Viewer = { userId: string; onlyProjectId?: string | null };

/** The projects whose details this reader may see: their memberships (a restricted token: its one project). */
export async function visibleProjectIds(db: Db, viewer: Viewer): Promise<Set<string>> {
  const rows = await db.projectMembership.findMany({
    where: { userId: viewer.userId, ...(viewer.onlyProjectId ? { projectId: viewer.onlyProjectId } : {}) },
    select: { projectId: true },
  });
  return new Set(rows.map((r) => r.projectId));
}

export type VisibleSimilarCase = Omit<SimilarCaseResult, "caseProjectId" | "caseProjectName"> & { caseProjectId: string | null; caseProjectName: string | null; visible: boolean };

export function redactCase(c: SimilarCaseResult, visible: Set<string>): VisibleSimilarCase {
  if (visible.has(c.caseProjectId)) return { ...c, visible: true };
  return {
    ...c, caseProjectId: null, caseProjectName: null, visible: false,
    outcomesSeen: c.outcomesSeen.map((o) => ({ outcomeType: o.outcomeType, occurredAt: o.occurredAt, severity: o.severity, notes: "", evidenceRefs: [] })),
  };
}

/** The similar cases a forecast cites, with the names of projects the reader may not see removed. */
export function redactForecastCases(cases: { projectId: string; projectName: string; similarity: number }[], visible: Set<string>) {
  return cases.map((c) => (visible.has(c.projectId) ? { ...c, visible: true } : { projectId: null, projectName: null, similarity: c.similarity, visible: false }));
}
