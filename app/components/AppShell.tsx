import { Form, Link, NavLink } from "@remix-run/react";
import type { ReactNode } from "react";
import { useFormat } from "../utils/format-context.tsx";
import { formatDuration as formatDurationText, formatEvery } from "../utils/format.ts";

export type ShellProject = { id: string; name: string; role: string };

export function AppShell({ user, projects, current, children }: { user: { name: string; email: string }; projects: ShellProject[]; current?: ShellProject; children: ReactNode }) {
  return (
    <div className="min-h-full">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl items-center gap-4 px-4 py-3">
          <Link to="/projects" className="font-bold text-indigo-700">Control Tower</Link>
          {current ? <ProjectSwitcher projects={projects} current={current} /> : null}
          <div className="ml-auto flex items-center gap-3 text-sm">
            <span className="text-slate-600" title={user.email}>{user.name}</span>
            <Form method="post" action="/logout">
              <button type="submit" className="rounded-md px-2 py-1 text-slate-700 ring-1 ring-slate-300 hover:bg-slate-100">Sign out</button>
            </Form>
          </div>
        </div>
      </header>
      {children}
    </div>
  );
}

function ProjectSwitcher({ projects, current }: { projects: ShellProject[]; current: ShellProject }) {
  // A plain form: works without JavaScript, and remembering the choice is a POST (no GET mutates).
  return (
    <Form method="post" action="/projects/switch" className="flex items-center gap-2">
      <label htmlFor="project-switcher" className="sr-only">Project</label>
      <select id="project-switcher" name="projectId" defaultValue={current.id} className="rounded-md border border-slate-300 px-2 py-1 text-sm"
        onChange={(e) => e.currentTarget.form?.requestSubmit()}>
        {projects.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
      </select>
      <noscript><button type="submit" className="text-sm underline">Switch</button></noscript>
    </Form>
  );
}

export const PROJECT_SECTIONS = [
  { to: "", label: "Dashboard", end: true },
  { to: "recommendations", label: "Recommendations" },
  { to: "similar", label: "Similar cases" },
  { to: "events", label: "Signals & events" },
  { to: "messages", label: "Messages & search" },
  { to: "jobs", label: "Operations" },
  { to: "digests", label: "Digests" },
  { to: "settings", label: "Settings" },
] as const;

export function ProjectNav({ projectId }: { projectId: string }) {
  return (
    <nav aria-label="Project sections" className="border-b border-slate-200 bg-white">
      <ul className="mx-auto flex max-w-7xl gap-1 overflow-x-auto px-4">
        {PROJECT_SECTIONS.map((s) => (
          <li key={s.label}>
            <NavLink to={`/projects/${projectId}${s.to ? `/${s.to}` : ""}`} end={"end" in s ? s.end : false}
              className={({ isActive }) => `block border-b-2 px-3 py-2 text-sm ${isActive ? "border-indigo-600 font-semibold text-indigo-700" : "border-transparent text-slate-600 hover:text-slate-900"}`}>
              {s.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
      <h2 className="font-semibold">{title}</h2>
      {children ? <div className="mt-2 text-sm text-slate-600">{children}</div> : null}
    </div>
  );
}

/** A duration for people: "120 ms", "45 s", "3 h 20 min", "2 d 3 h" (app/utils/format.ts). */
export function formatDuration(ms: number | null | undefined): string {
  return formatDurationText(ms);
}

/** A job cadence: "every 15 min", "every 6 h", "every 7 d". */
export function formatCadence(seconds: number): string {
  return formatEvery(seconds);
}

/**
 * A moment in the reader's time zone: "2 Dec, 14:05 · 3 h ago" (the year shows when it is not this
 * year), the exact instant in the title. The relative part is computed against the root loader's
 * clock on the server and during hydration, then against the browser's (app/utils/format-context.tsx).
 * `relative={false}` leaves it out.
 */
export function Time({ value, relative = true }: { value: string | Date | null | undefined; relative?: boolean }) {
  const f = useFormat();
  const d = value ? new Date(value) : null;
  if (!d || Number.isNaN(d.getTime())) return <span>—</span>;
  const ago = relative ? f.relative(d) : "—";
  // The text is the same on the server and in the browser (same zone, same "now"); the suppression
  // only covers an ICU difference between Node and the browser in a month's short name.
  return (
    <time dateTime={d.toISOString()} title={`${d.toISOString()} (shown in ${f.timeZone})`} suppressHydrationWarning>
      {f.dateTime(d)}{ago !== "—" ? ` · ${ago}` : ""}
    </time>
  );
}

/** A calendar date as YYYY-MM-DD, whether it arrives as a Date or as its JSON string. */
export function isoDate(value: string | Date): string {
  return new Date(value).toISOString().slice(0, 10);
}
