// One metric's graph, drawn by uPlot (from npm, served by berth under
// /console/vendor/). The container says how many datapoints it drew
// (data-points) so that a reader — or a test — knows the graph is not empty.

import uPlot from './vendor/uPlot.esm.js';
import { formatBytes, h } from './dom.js';

const COLORS = { Average: '#1f5fbf', Maximum: '#b3261e' };

/** A value in the metric's unit, short. */
export function formatValue(value, unit) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (unit === 'Percent') return `${value.toFixed(value < 10 ? 1 : 0)} %`;
  if (unit === 'Bytes') return formatBytes(value);
  if (unit === 'Bytes/Second') return `${formatBytes(value)}/s`;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** Datapoints (any order) → uPlot's columns: times, then one column per statistic. */
export function columnsOf(datapoints, statistics) {
  const sorted = [...datapoints].sort((a, b) => a.timestamp - b.timestamp);
  return [sorted.map((point) => point.timestamp), ...statistics.map((statistic) => sorted.map((point) => point[statistic.toLowerCase()] ?? null))];
}

/**
 * A chart in `container` for one metric; draw(datapoints, range) replaces its
 * data and x range ([from, to] epoch seconds). close() frees it.
 */
export function metricChart(container, { title, unit, statistics }) {
  let plot;
  const frame = h('div', { className: 'chart-canvas' });
  container.append(frame);
  const resize = new ResizeObserver(() => plot?.setSize({ width: Math.max(200, frame.clientWidth), height: 180 }));
  resize.observe(frame);
  const options = (few) => ({
    title,
    width: Math.max(200, frame.clientWidth),
    height: 180,
    scales: { x: { time: true }, y: { range: (u, min, max) => (unit === 'Percent' ? [0, Math.max(100, max ?? 0)] : [Math.min(0, min ?? 0), Math.max(1, (max ?? 0) * 1.1)]) } },
    axes: [{}, { size: 70, values: (u, values) => values.map((value) => formatValue(value, unit)) }],
    series: [
      { label: 'time', value: (u, value) => (value === null ? '—' : new Date(value * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')) },
      ...statistics.map((statistic) => ({
        label: statistic,
        stroke: COLORS[statistic] ?? '#444',
        width: 2,
        dash: statistic === 'Maximum' ? [5, 4] : undefined,
        points: { show: few, size: 6 },
        value: (u, value) => formatValue(value, unit),
        spanGaps: false,
      })),
    ],
  });
  return {
    draw(datapoints, [from, to]) {
      const columns = columnsOf(datapoints, statistics);
      plot?.destroy();
      plot = new uPlot(options(columns[0].length <= 60), columns, frame);
      plot.setScale('x', { min: from, max: to });
      container.dataset.points = String(columns[0].length);
    },
    close() {
      resize.disconnect();
      plot?.destroy();
    },
  };
}
