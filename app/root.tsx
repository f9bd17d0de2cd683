import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useFetcher, useLoaderData, useNavigation, type ShouldRevalidateFunction } from "@remix-run/react";
import { useEffect, useRef, type ReactNode } from "react";
import { RouteErrorBoundary } from "./components/RouteError.tsx";
import { useNonce } from "./nonce.tsx";
import { LocaleProvider } from "./utils/format-context.tsx";
import stylesheet from "./tailwind.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: stylesheet }, { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" }];
export const meta: MetaFunction = () => [{ title: "Control Tower" }];

/**
 * The reader's locale for every page: the signed-in user's time zone (UTC until the browser reports
 * one or they pick one) and the workspace currency; UTC / USD when signed out. `now` lets the server
 * and the first client render compute the same relative times.
 */
export async function loader({ context }: LoaderFunctionArgs) {
  const now = new Date().toISOString();
  const fallback = { timeZone: "UTC", currency: "USD", now, detectTimeZone: false };
  if (!context.auth) return { locale: fallback };
  try {
    const prefs = await context.caller.preferences.get();
    return { locale: { timeZone: prefs.effectiveTimeZone, currency: prefs.currency, now, detectTimeZone: prefs.timeZone === null && context.auth.kind === "session" } };
  } catch {
    // The page's own loader deals with a session that just ended; times fall back to UTC.
    return { locale: fallback };
  }
}

// Polling (useRevalidator on the Operations and event pages) re-reads the page's data, not the
// reader's preferences; submissions and navigations revalidate as usual.
// The reader's settings change only on their own forms: background polling and a card's "shown"
// count (one post per card) do not re-read them.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formMethod, formData, currentUrl, nextUrl, defaultShouldRevalidate }) =>
  (!formMethod && currentUrl.href === nextUrl.href) || formData?.get("intent") === "shown" ? false : defaultShouldRevalidate;

/** On a signed-in user's first visit, stores the browser's time zone once (never overrides a chosen one). */
function ReportTimeZone() {
  const fetcher = useFetcher();
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current) return;
    sent.current = true;
    let timeZone: string | undefined;
    try {
      timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch {
      return;
    }
    if (timeZone) fetcher.submit({ intent: "detect-time-zone", timeZone }, { method: "post", action: "/preferences" });
  }, [fetcher]);
  return null;
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en" className="h-full">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="h-full">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:ring-2 focus:ring-indigo-600">Skip to content</a>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  // Lets browser tests (and anyone scripting the UI) wait until interactive handlers are attached.
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  const busy = useNavigation().state !== "idle";
  const { locale } = useLoaderData<typeof loader>();
  return (
    <LocaleProvider value={locale}>
      {/* A thin bar while a page loads or a form submits: the loading state of every page. */}
      <div aria-hidden className={`fixed inset-x-0 top-0 z-50 h-0.5 bg-indigo-600 transition-opacity duration-300 ${busy ? "animate-pulse opacity-100" : "opacity-0"}`} />
      <div aria-live="polite" className="sr-only">{busy ? "Loading…" : ""}</div>
      {locale.detectTimeZone ? <ReportTimeZone /> : null}
      <Outlet />
    </LocaleProvider>
  );
}

export function ErrorBoundary() {
  return (
    <main id="main" className="mx-auto max-w-xl px-10">
      <RouteErrorBoundary />
    </main>
  );
}
