/**
 * A tiny inline trend line (SVG). Gaps (no snapshot that day) are skipped. It takes the width of its
 * cell up to `width` px (never less than 6rem): the line is drawn in a stretchable viewBox with a stroke
 * that does not scale, and the end dot is a round-capped zero-length stroke, so it stays round.
 */
export function Sparkline({ values, label, width = 120, height = 28 }: { values: (number | null)[]; label: string; width?: number; height?: number }) {
  const pts = values.map((v, i) => ({ v, i })).filter((p): p is { v: number; i: number } => p.v !== null);
  if (pts.length < 2) return <span className="text-xs text-slate-400">not enough history</span>;
  const min = Math.min(...pts.map((p) => p.v));
  const max = Math.max(...pts.map((p) => p.v));
  const x = (i: number) => (i / Math.max(1, values.length - 1)) * (width - 4) + 2;
  const y = (v: number) => height - 2 - ((v - min) / Math.max(1, max - min)) * (height - 4);
  const d = pts.map((p, k) => `${k ? "L" : "M"}${x(p.i).toFixed(1)},${y(p.v).toFixed(1)}`).join(" ");
  const last = pts[pts.length - 1]!;
  const end = `M${x(last.i).toFixed(1)},${y(last.v).toFixed(1)} l0,0`;
  return (
    <svg role="img" aria-label={`${label}: from ${Math.round(pts[0]!.v)} to ${Math.round(last.v)}`} viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none"
      className="block w-full min-w-[6rem] text-indigo-600" style={{ maxWidth: width, height }}>
      <path d={d} fill="none" stroke="currentColor" strokeWidth="1.5" vectorEffect="non-scaling-stroke" />
      <path d={end} fill="none" stroke="currentColor" strokeWidth="4" strokeLinecap="round" vectorEffect="non-scaling-stroke" />
    </svg>
  );
}
