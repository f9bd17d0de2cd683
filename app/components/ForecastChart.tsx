import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import { RISK_LABELS } from "~/utils/labels.ts";
import { ChartLegend, responsiveSize, StaticChart, useHydrated } from "./TrendChart.tsx";

export type ForecastBar = { riskType: string; p7: number; p14: number; p30: number };

const HORIZONS = [{ key: "7 days", name: "7 days", color: "#fda4af" }, { key: "14 days", name: "14 days", color: "#fb7185" }, { key: "30 days", name: "30 days", color: "#e11d48" }] as const;
const HEIGHT = 200;

/**
 * Probability of each risk within 7, 14 and 30 days, as wide as its card: a static SVG from the server,
 * recharts once hydrated (see TrendChart.tsx).
 */
export function ForecastChart({ forecasts }: { forecasts: ForecastBar[] }) {
  const interactive = useHydrated();
  const data = forecasts.map((f) => ({ risk: RISK_LABELS[f.riskType] ?? f.riskType, "7 days": Math.round(f.p7 * 100), "14 days": Math.round(f.p14 * 100), "30 days": Math.round(f.p30 * 100) }));
  const group = 100 / Math.max(1, data.length);
  const bar = (group * 0.8) / HORIZONS.length;
  return (
    <figure className="min-w-0" data-chart="forecast">
      {interactive ? (
        <BarChart {...responsiveSize(HEIGHT)} data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }} accessibilityLayer>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" vertical={false} />
          <XAxis dataKey="risk" tick={{ fontSize: 12 }} interval={0} />
          <YAxis domain={[0, 100]} tick={{ fontSize: 11 }} unit="%" />
          <Tooltip formatter={(v) => `${v}%`} />
          {HORIZONS.map((h) => <Bar key={h.key} dataKey={h.key} fill={h.color} isAnimationActive={false} />)}
        </BarChart>
      ) : (
        <StaticChart height={HEIGHT} yTicks={[0, 25, 50, 75, 100]} yUnit="%" xLabels={data.map((d, g) => ({ at: (g + 0.5) * group, text: d.risk }))}>
          {data.flatMap((d, g) => HORIZONS.map((h, k) => (
            <rect key={`${d.risk}:${h.key}`} x={g * group + group * 0.1 + k * bar + bar * 0.06} width={bar * 0.88} y={100 - d[h.key]} height={d[h.key]} fill={h.color} data-chart-part="bar" />
          )))}
        </StaticChart>
      )}
      <ChartLegend items={HORIZONS} />
      <figcaption className="sr-only">{data.map((d) => `${d.risk} risk: ${d["7 days"]}% within 7 days, ${d["14 days"]}% within 14, ${d["30 days"]}% within 30.`).join(" ")}</figcaption>
    </figure>
  );
}
