import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { act, safeRedirect } from "~/utils/trpc.server.ts";

export const meta: MetaFunction = () => [{ title: "Sign in · Control Tower" }];

export const loader = ({ context, request }: LoaderFunctionArgs) => {
  if (context.auth) throw redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo")));
  return null;
};

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const res = await act(request, () => context.caller.auth.login({ email: String(form.get("email") ?? ""), password: String(form.get("password") ?? "") }));
  if (res.ok) throw redirect(safeRedirect(form.get("redirectTo")));
  // A throttled sign-in is a 429 with Retry-After for the browser and any script, not a 200 page.
  if (res.retryAfterSeconds) return json(res, { status: 429, headers: { "Retry-After": String(res.retryAfterSeconds) } });
  return res;
}

export default function Login() {
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  const errors = data && !data.ok ? data : null;
  return (
    <main id="main" className="flex min-h-full items-center justify-center p-6">
      <div className="w-full max-w-sm rounded-xl bg-white p-8 shadow-sm ring-1 ring-slate-200">
        <h1 className="text-xl font-bold">Sign in to Control Tower</h1>
        {params.get("expired") ? <p className="mt-2 text-sm text-amber-700">Your session expired. Please sign in again.</p> : null}
        <Form method="post" className="mt-6 space-y-4" noValidate>
          <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/projects"} />
          <div>
            <label htmlFor="email" className="block text-sm font-medium">Email</label>
            <input id="email" name="email" type="email" autoComplete="email" required aria-invalid={Boolean(errors?.fieldErrors.email)} aria-describedby="email-error"
              className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2" />
            {errors?.fieldErrors.email ? <p id="email-error" className="mt-1 text-sm text-red-700">{errors.fieldErrors.email}</p> : null}
          </div>
          <div>
            <label htmlFor="password" className="block text-sm font-medium">Password</label>
            <input id="password" name="password" type="password" autoComplete="current-password" required aria-invalid={Boolean(errors?.fieldErrors.password)} aria-describedby="password-error"
              className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2" />
            {errors?.fieldErrors.password ? <p id="password-error" className="mt-1 text-sm text-red-700">{errors.fieldErrors.password}</p> : null}
          </div>
          {errors ? <p role="alert" className="rounded-md bg-red-50 p-2 text-sm text-red-800">{errors.error}</p> : null}
          <button type="submit" disabled={busy} className="w-full rounded-md bg-indigo-600 px-3 py-2 font-semibold text-white hover:bg-indigo-500 disabled:opacity-60">
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </Form>
      </div>
    </main>
  );
}
