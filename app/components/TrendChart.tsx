import { useEffect, useState, type ReactNode } from "react";
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";

export type TrendPoint = { date: string; health: number | null; risk: number | null };

/*
 * Charts fill the width of their card at every screen size, before and after hydration.
 *
 * recharts 3 renders nothing but an empty wrapper on the server (its chart state is built in effects),
 * so the server, and a browser without JavaScript, get a static SVG drawn here: the plot is a
 * `viewBox="0 0 100 100"` SVG stretched to the plot box (`preserveAspectRatio="none"`, strokes that do
 * not scale), and the axis labels are HTML placed in percent, so it is exactly as wide as the card at any
 * width and its text never scales. Once hydrated, recharts takes over (tooltips, keyboard) with
 * `responsive`: it observes its wrapper, which is as wide as the card, and draws at that width.
 */

let hydrated = false;

/** False on the server and during hydration; true after it (also for charts mounted later on). */
export function useHydrated() {
  const [done, setDone] = useState(hydrated);
  useEffect(() => {
    hydrated = true;
    setDone(true);
  }, []);
  return done;
}

/** Props that make a recharts chart as wide as its parent and `height` px high. */
export const responsiveSize = (height: number) => ({ responsive: true, style: { width: "100%", height } });

/** A legend in HTML under the chart: wraps on a phone, and is there without JavaScript (recharts' is not). */
export function ChartLegend({ items }: { items: readonly { name: string; color: string }[] }) {
  return (
    <ul aria-hidden className="mt-1 flex flex-wrap justify-center gap-x-4 gap-y-1 text-xs text-slate-600">
      {items.map((i) => (
        <li key={i.name} className="flex items-center gap-1.5"><span className="inline-block h-2.5 w-2.5 rounded-sm" style={{ backgroundColor: i.color }} />{i.name}</li>
      ))}
    </ul>
  );
}

/**
 * The static chart: a plot box inset like recharts' (y labels on the left, x labels below) holding a
 * 100 × 100 SVG stretched to it. `y` values are 0–100 (top = 100).
 */
export function StaticChart({ height, yTicks, yUnit = "", xLabels, children }: { height: number; yTicks: number[]; yUnit?: string; xLabels: { at: number; text: string }[]; children: ReactNode }) {
  return (
    <div className="relative text-[11px] leading-none text-slate-500" style={{ height }} aria-hidden data-chart-static>
      <div className="absolute bottom-[30px] left-11 right-3 top-2" data-chart-part="plot">
        <svg viewBox="0 0 100 100" preserveAspectRatio="none" className="absolute inset-0 h-full w-full overflow-visible">
          {yTicks.map((v) => <line key={v} x1="0" x2="100" y1={100 - v} y2={100 - v} stroke="#e2e8f0" strokeDasharray="3 3" vectorEffect="non-scaling-stroke" />)}
          {children}
          <path d="M0,0 V100 H100" fill="none" stroke="#666" vectorEffect="non-scaling-stroke" />
        </svg>
        {yTicks.map((v) => <span key={v} data-chart-part="axis" className="absolute right-full mr-2 -translate-y-1/2 tabular-nums" style={{ top: `${100 - v}%` }}>{v}{yUnit}</span>)}
        {xLabels.map((l) => <span key={`${l.at}:${l.text}`} data-chart-part="axis" className="absolute top-full mt-2 -translate-x-1/2 whitespace-nowrap" style={{ left: `${l.at}%` }}>{l.text}</span>)}
      </div>
    </div>
  );
}

const SERIES = [{ key: "health", name: "Health", color: "#059669" }, { key: "risk", name: "Risk", color: "#e11d48" }] as const;
const HEIGHT = 220;

function StaticTrend({ points }: { points: TrendPoint[] }) {
  const n = points.length;
  const x = (i: number) => (n > 1 ? (i / (n - 1)) * 100 : 50);
  // At most six date labels, the last day always among them.
  const every = Math.max(1, Math.ceil(n / 6));
  const xLabels = points.map((p, i) => ({ i, p })).filter(({ i }) => (n - 1 - i) % every === 0).map(({ i, p }) => ({ at: x(i), text: p.date.slice(5) }));
  return (
    <StaticChart height={HEIGHT} yTicks={[0, 25, 50, 75, 100]} xLabels={xLabels}>
      {SERIES.map((s) => {
        const d = points.map((p, i) => ({ v: p[s.key], i })).filter((p): p is { v: number; i: number } => p.v !== null)
          .map((p, k) => `${k ? "L" : "M"}${x(p.i).toFixed(2)},${(100 - p.v).toFixed(2)}`).join(" ");
        return d ? <path key={s.key} d={d} fill="none" stroke={s.color} strokeWidth="2" strokeLinejoin="round" vectorEffect="non-scaling-stroke" data-chart-part="line" /> : null;
      })}
    </StaticChart>
  );
}

/**
 * Health and risk per day, as wide as its card (see above). A screen-reader summary carries the same
 * numbers.
 */
export function TrendChart({ points }: { points: TrendPoint[] }) {
  const interactive = useHydrated();
  const first = points.find((p) => p.health !== null);
  const last = [...points].reverse().find((p) => p.health !== null);
  return (
    <figure className="min-w-0" data-chart="trend">
      {interactive ? (
        <LineChart {...responsiveSize(HEIGHT)} data={points} margin={{ top: 8, right: 12, bottom: 0, left: -16 }} accessibilityLayer>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey="date" tick={{ fontSize: 11 }} tickFormatter={(d: string) => d.slice(5)} minTickGap={12} />
          <YAxis domain={[0, 100]} tick={{ fontSize: 11 }} />
          <Tooltip />
          {SERIES.map((s) => <Line key={s.key} type="monotone" dataKey={s.key} name={s.name} stroke={s.color} strokeWidth={2} dot={false} isAnimationActive={false} connectNulls />)}
        </LineChart>
      ) : <StaticTrend points={points} />}
      <ChartLegend items={SERIES} />
      <figcaption className="sr-only">
        {first && last ? `Health went from ${Math.round(first.health!)} on ${first.date} to ${Math.round(last.health!)} on ${last.date}; risk from ${Math.round(first.risk ?? 0)} to ${Math.round(last.risk ?? 0)}.` : "No history yet."}
      </figcaption>
    </figure>
  );
}
