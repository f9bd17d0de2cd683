import { Form, Link, NavLink, useLocation } from "@remix-run/react";
import { useEffect, useRef, type ReactNode } from "react";
import { useFormat } from "../utils/format-context.tsx";
import { formatDuration as formatDurationText, formatEvery } from "../utils/format.ts";

export type ShellProject = { id: string; name: string; role: string };

/**
 * The header: brand, project switcher, user and Sign out. On a phone the switcher takes a row of its
 * own under the brand and the user, so nothing is pushed off-screen; from `sm` up it is one row.
 */
export function AppShell({ user, projects, current, children }: { user: { name: string; email: string }; projects: ShellProject[]; current?: ShellProject; children: ReactNode }) {
  return (
    <div className="min-h-full">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-3 gap-y-2 px-4 py-3 sm:gap-x-4">
          <Link to="/projects" className="shrink-0 font-bold text-indigo-700">Control Tower</Link>
          {current ? <ProjectSwitcher projects={projects} current={current} /> : null}
          <div className="ml-auto flex min-w-0 items-center gap-3 text-sm">
            <span className="min-w-0 max-w-[6rem] truncate text-slate-600 sm:max-w-[16rem]" title={user.email}>{user.name}</span>
            <Form method="post" action="/logout" className="shrink-0">
              <button type="submit" className="whitespace-nowrap rounded-md px-2 py-1 text-slate-700 ring-1 ring-slate-300 hover:bg-slate-100">Sign out</button>
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
    <Form method="post" action="/projects/switch" className="order-last flex w-full min-w-0 items-center gap-2 sm:order-none sm:w-auto">
      <label htmlFor="project-switcher" className="sr-only">Project</label>
      <select id="project-switcher" name="projectId" defaultValue={current.id} className="w-full min-w-0 rounded-md border border-slate-300 px-2 py-1 text-sm sm:w-auto sm:max-w-xs"
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

const sectionHref = (projectId: string, to: string) => `/projects/${projectId}${to ? `/${to}` : ""}`;

/**
 * The project sections. Below `md` they are a menu (a `<details>` disclosure, so it opens without
 * JavaScript too) whose button names the current section; from `md` up they are tabs that wrap onto a
 * second line rather than scroll. Only one of the two lists is displayed at a time (the other is
 * `display: none`, so it is out of the accessibility tree too), and both are real links: NavLink marks
 * the current one with `aria-current="page"`.
 */
export function ProjectNav({ projectId }: { projectId: string }) {
  const { pathname } = useLocation();
  const menu = useRef<HTMLDetailsElement>(null);
  // The layout stays mounted across client-side navigations: close the menu once a section is chosen.
  useEffect(() => {
    if (menu.current) menu.current.open = false;
  }, [pathname]);
  const base = sectionHref(projectId, "");
  const current = PROJECT_SECTIONS.find((s) => (s.to ? pathname === `${base}/${s.to}` || pathname.startsWith(`${base}/${s.to}/`) : pathname === base || pathname === `${base}/`));
  const link = (s: (typeof PROJECT_SECTIONS)[number], style: (active: boolean) => string) => (
    <NavLink to={sectionHref(projectId, s.to)} end={"end" in s ? s.end : false} className={({ isActive }) => style(isActive)}>
      {s.label}
    </NavLink>
  );
  return (
    <nav aria-label="Project sections" className="border-b border-slate-200 bg-white">
      <details ref={menu} className="group mx-auto max-w-7xl md:hidden">
        <summary className="flex cursor-pointer list-none items-center justify-between gap-2 px-4 py-2 text-sm [&::-webkit-details-marker]:hidden">
          <span className="min-w-0 truncate">
            <span className="text-slate-500">Section: </span>
            <span className="font-semibold text-indigo-700">{current?.label ?? "Choose"}</span>
          </span>
          <span className="flex shrink-0 items-center gap-1 rounded-md px-2 py-1 text-slate-700 ring-1 ring-slate-300">
            <svg aria-hidden viewBox="0 0 16 16" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="1.75" strokeLinecap="round">
              <path d="M2.5 4h11M2.5 8h11M2.5 12h11" className="group-open:hidden" />
              <path d="M4 4l8 8M12 4l-8 8" className="hidden group-open:inline" />
            </svg>
            Menu
          </span>
        </summary>
        <ul className="border-t border-slate-100 px-2 pb-2 pt-1">
          {PROJECT_SECTIONS.map((s) => (
            <li key={s.label}>
              {link(s, (active) => `block rounded-md border-l-4 px-3 py-2.5 text-sm ${active ? "border-indigo-600 bg-indigo-50 font-semibold text-indigo-700" : "border-transparent text-slate-700 hover:bg-slate-50"}`)}
            </li>
          ))}
        </ul>
      </details>
      <ul className="mx-auto hidden max-w-7xl flex-wrap gap-x-1 px-4 md:flex">
        {PROJECT_SECTIONS.map((s) => (
          <li key={s.label}>
            {link(s, (active) => `block border-b-2 px-3 py-2 text-sm ${active ? "border-indigo-600 font-semibold text-indigo-700" : "border-transparent text-slate-600 hover:text-slate-900"}`)}
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
