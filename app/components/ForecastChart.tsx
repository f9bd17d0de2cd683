import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { RISK_LABELS } from "~/utils/labels.ts";

export type ForecastBar = { riskType: string; p7: number; p14: number; p30: number };

/** Probability of each risk within 7, 14 and 30 days (recharts SVG, server-rendered at a fixed size). */
export function ForecastChart({ forecasts }: { forecasts: ForecastBar[] }) {
  const data = forecasts.map((f) => ({ risk: RISK_LABELS[f.riskType] ?? f.riskType, "7 days": Math.round(f.p7 * 100), "14 days": Math.round(f.p14 * 100), "30 days": Math.round(f.p30 * 100) }));
  return (
    <figure className="overflow-x-auto">
      <BarChart width={520} height={200} data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }} accessibilityLayer>
        <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" vertical={false} />
        <XAxis dataKey="risk" tick={{ fontSize: 12 }} />
        <YAxis domain={[0, 100]} tick={{ fontSize: 11 }} unit="%" />
        <Tooltip formatter={(v) => `${v}%`} />
        <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
        <Bar dataKey="7 days" fill="#fda4af" isAnimationActive={false} />
        <Bar dataKey="14 days" fill="#fb7185" isAnimationActive={false} />
        <Bar dataKey="30 days" fill="#e11d48" isAnimationActive={false} />
      </BarChart>
      <figcaption className="sr-only">{data.map((d) => `${d.risk} risk: ${d["7 days"]}% within 7 days, ${d["14 days"]}% within 14, ${d["30 days"]}% within 30.`).join(" ")}</figcaption>
    </figure>
  );
}
