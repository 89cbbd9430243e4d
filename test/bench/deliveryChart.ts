import { type ThroughputScenario } from './benchReport';

/**
 * Deliveries per second over time, one panel per throughput scenario: the gateway, the naive baseline, the
 * best schedule the limits allow, and the limits as straight lines. Hand-written SVG: a few polylines do
 * not need a charting library, and the file opens in any browser.
 */
const width = 1100;
const panelHeight = 280;
const margin = { left: 64, right: 360, top: 40, bottom: 40 };
const colors = { ours: '#1f6feb', baseline: '#d9480f', ideal: '#6e7781', limit: '#cf222e' };

export function renderDeliveryChart(scenarios: readonly ThroughputScenario[], caption: string): string {
  const height = Math.max(1, scenarios.length) * panelHeight + 40;
  const panels = scenarios.map((scenario, index) => panel(scenario, index * panelHeight + 30));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="20" font-size="14" font-weight="bold">${escape(caption)}</text>`,
    ...(scenarios.length === 0 ? [`<text x="${margin.left}" y="50">No throughput scenario was measured.</text>`] : panels),
    '</svg>',
    '',
  ].join('\n');
}

function panel(scenario: ThroughputScenario, top: number): string {
  const ours = scenario.ours.measured ? scenario.ours.perSecond : [];
  const baseline = scenario.baseline.measured ? scenario.baseline.perSecond : [];
  const ideal = scenario.ceiling.perSecond;
  const seconds = Math.max(2, ours.length, baseline.length, ideal.length);
  const peak = Math.max(1, ...ours, ...baseline, ...ideal, ...scenario.ceiling.lines.map((line) => line.perSecond)) * 1.1;
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = panelHeight - margin.top - margin.bottom;
  const x = (second: number): number => margin.left + (second / seconds) * plotWidth;
  const y = (rate: number): number => top + margin.top + plotHeight - (rate / peak) * plotHeight;
  // Each bucket drawn as a step: flat across its second, so totals read as areas.
  const steps = (counts: readonly number[]): string =>
    counts.flatMap((count, second) => [`${x(second).toFixed(1)},${y(count).toFixed(1)}`, `${x(second + 1).toFixed(1)},${y(count).toFixed(1)}`]).join(' ');

  const parts: string[] = [];
  parts.push(`<text x="${margin.left}" y="${top + 24}" font-size="13" font-weight="bold">${escape(scenario.description)}</text>`);
  parts.push(`<rect x="${margin.left}" y="${top + margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#d0d7de"/>`);
  for (const tick of ticks(peak)) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#eaeef2"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${tick}</text>`);
  }
  for (const tick of ticks(seconds)) {
    parts.push(`<text x="${x(tick).toFixed(1)}" y="${top + margin.top + plotHeight + 16}" text-anchor="middle">${tick}</text>`);
  }
  parts.push(`<text x="${margin.left + plotWidth / 2}" y="${top + panelHeight - 6}" text-anchor="middle">seconds after the first request</text>`);
  parts.push(
    `<text transform="translate(${margin.left - 44},${top + margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">deliveries per second</text>`,
  );
  for (const line of scenario.ceiling.lines) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y(line.perSecond).toFixed(1)}" y2="${y(line.perSecond).toFixed(1)}" stroke="${colors.limit}" stroke-dasharray="2 3"/>`);
  }
  if (ideal.length > 0) parts.push(`<polyline points="${steps(ideal)}" fill="none" stroke="${colors.ideal}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  if (baseline.length > 0) parts.push(`<polyline points="${steps(baseline)}" fill="none" stroke="${colors.baseline}" stroke-width="1.8"/>`);
  if (ours.length > 0) parts.push(`<polyline points="${steps(ours)}" fill="none" stroke="${colors.ours}" stroke-width="2.2"/>`);

  const legend: [string, string, string][] = [
    [colors.ours, '', legendText('gateway', scenario.ours)],
    [colors.baseline, '', legendText('naive ConnectorClient', scenario.baseline)],
    [colors.ideal, '6 4', 'best the limits allow'],
    ...scenario.ceiling.lines.map((line): [string, string, string] => [colors.limit, '2 3', `${line.label} = ${round(line.perSecond)}/s`]),
  ];
  legend.forEach(([color, dash, text], i) => {
    const ly = top + margin.top + 10 + i * 18;
    const lx = margin.left + plotWidth + 14;
    parts.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2" ${dash === '' ? '' : `stroke-dasharray="${dash}"`}/>`);
    parts.push(`<text x="${lx + 28}" y="${ly + 4}">${escape(text)}</text>`);
  });
  return parts.join('\n');
}

function legendText(label: string, run: ThroughputScenario['ours']): string {
  if (!run.measured) return `${label}: not measured`;
  return `${label}: ${run.delivered}/${run.deliveriesExpected}, ${run.throttled}×429`;
}

/** About five round ticks from 0 to max. */
function ticks(max: number): number[] {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const result: number[] = [];
  for (let t = 0; t <= max + 1e-9; t += step) result.push(round(t));
  return result;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
