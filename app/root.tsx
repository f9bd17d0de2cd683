import type { LinksFunction, MetaFunction } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useNavigation } from "@remix-run/react";
import { useEffect, type ReactNode } from "react";
import { RouteErrorBoundary } from "./components/RouteError.tsx";
import { useNonce } from "./nonce.tsx";
import stylesheet from "./tailwind.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: stylesheet }, { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" }];
export const meta: MetaFunction = () => [{ title: "Control Tower" }];

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
  return (
    <>
      {/* A thin bar while a page loads or a form submits: the loading state of every page. */}
      <div aria-hidden className={`fixed inset-x-0 top-0 z-50 h-0.5 bg-indigo-600 transition-opacity duration-300 ${busy ? "animate-pulse opacity-100" : "opacity-0"}`} />
      <div aria-live="polite" className="sr-only">{busy ? "Loading…" : ""}</div>
      <Outlet />
    </>
  );
}

export function ErrorBoundary() {
  return (
    <main id="main" className="mx-auto max-w-xl px-10">
      <RouteErrorBoundary />
    </main>
  );
}
