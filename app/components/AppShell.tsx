import { Form, Link, NavLink } from "@remix-run/react";
import type { ReactNode } from "react";

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

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

export function formatCadence(seconds: number): string {
  if (seconds % 86400 === 0) return `every ${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `every ${seconds / 3600} h`;
  return `every ${Math.round(seconds / 60)} min`;
}

export function Time({ value }: { value: string | Date | null | undefined }) {
  if (!value) return <span>—</span>;
  const d = new Date(value);
  return <time dateTime={d.toISOString()}>{d.toISOString().replace("T", " ").slice(0, 16)} UTC</time>;
}

/** A calendar date as YYYY-MM-DD, whether it arrives as a Date or as its JSON string. */
export function isoDate(value: string | Date): string {
  return new Date(value).toISOString().slice(0, 10);
}
