import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";

export type TrendPoint = { date: string; health: number | null; risk: number | null };

/**
 * Health and risk per day (recharts, SVG, rendered on the server at a fixed size so the first paint
 * already has it). A screen-reader summary and the table fallback carry the same numbers.
 */
export function TrendChart({ points }: { points: TrendPoint[] }) {
  const first = points.find((p) => p.health !== null);
  const last = [...points].reverse().find((p) => p.health !== null);
  return (
    <figure className="overflow-x-auto">
      <LineChart width={720} height={220} data={points} margin={{ top: 8, right: 16, bottom: 0, left: -16 }} accessibilityLayer>
        <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
        <XAxis dataKey="date" tick={{ fontSize: 11 }} tickFormatter={(d: string) => d.slice(5)} />
        <YAxis domain={[0, 100]} tick={{ fontSize: 11 }} />
        <Tooltip />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Line type="monotone" dataKey="health" name="Health" stroke="#059669" strokeWidth={2} dot={false} isAnimationActive={false} connectNulls />
        <Line type="monotone" dataKey="risk" name="Risk" stroke="#e11d48" strokeWidth={2} dot={false} isAnimationActive={false} connectNulls />
      </LineChart>
      <figcaption className="sr-only">
        {first && last ? `Health went from ${Math.round(first.health!)} on ${first.date} to ${Math.round(last.health!)} on ${last.date}; risk from ${Math.round(first.risk ?? 0)} to ${Math.round(last.risk ?? 0)}.` : "No history yet."}
      </figcaption>
    </figure>
  );
}
