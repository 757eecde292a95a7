// Metrics: graphs of the eight database metrics over a chosen range, the
// period chosen to fit it (at most a few hundred datapoints), refreshed
// every minute while the tab is open.

import { metricChart } from './charts.js';
import { h } from './dom.js';
import { problem } from './messages.js';

export const METRICS = [
  ['CPUUtilization', 'CPU utilization', 'Percent'],
  ['DatabaseConnections', 'Database connections', 'Count'],
  ['DiskQueueDepth', 'Disk queue depth', 'Count'],
  ['FreeStorageSpace', 'Free storage space', 'Bytes'],
  ['NetworkReceiveThroughput', 'Network receive throughput', 'Bytes/Second'],
  ['NetworkTransmitThroughput', 'Network transmit throughput', 'Bytes/Second'],
  ['FreeableMemory', 'Freeable memory', 'Bytes'],
  ['SwapUsage', 'Swap usage', 'Bytes'],
];

const HOUR = 3600;
/** [label, seconds of history, period in seconds]: 60 to 168 datapoints each. */
export const RANGES = [
  ['1 hour', HOUR, 60],
  ['6 hours', 6 * HOUR, 300],
  ['1 day', 24 * HOUR, 900],
  ['1 week', 7 * 24 * HOUR, 3600],
  ['2 weeks', 14 * 24 * HOUR, 7200],
];
const STATISTICS = ['Average', 'Maximum'];
const REFRESH_MS = 60_000;

export const metricsTab = {
  id: 'metrics',
  label: 'Metrics',
  open(panel, context) {
    const name = context.db.name;
    let range = RANGES[0];
    let lastDrawn = 0;
    let generation = 0;
    const rangeSelect = h('select', { id: 'metrics-range', onchange: () => {
      range = RANGES.find(([label]) => label === rangeSelect.value) ?? RANGES[0];
      void drawAll();
    } }, RANGES.map(([label]) => h('option', { value: label, textContent: label })));
    const status = h('span', { className: 'muted', ariaLive: 'polite' });
    const grid = h('div', { className: 'charts' });
    const charts = METRICS.map(([metric, title, unit]) => {
      const container = h('figure', { className: 'chart', dataset: { metric } });
      const caption = h('figcaption', { className: 'muted' });
      grid.append(container);
      const chart = metricChart(container, { title, unit, statistics: STATISTICS });
      container.append(caption);
      return { metric, unit, container, caption, chart };
    });
    panel.append(
      h('div', { className: 'bar' }, h('h3', {}, 'Metrics'),
        h('label', { className: 'inline' }, 'Range ', rangeSelect), status),
      grid,
    );

    async function drawOne(item, [from, to], period, mine) {
      try {
        const answer = await context.client.call('GetRelationalDatabaseMetricData', {
          relationalDatabaseName: name, metricName: item.metric, period, startTime: from, endTime: to, unit: item.unit, statistics: STATISTICS,
        });
        if (mine !== generation) return;
        item.container.querySelector('.message')?.remove();
        item.chart.draw(answer.metricData ?? [], [from, to]);
        item.caption.textContent = `${STATISTICS.join(' and ')} per ${period / 60} min · ${(answer.metricData ?? []).length} datapoints`;
      } catch (error) {
        if (mine !== generation) return;
        item.container.querySelector('.message')?.remove();
        item.container.append(problem(`${item.metric} (GetRelationalDatabaseMetricData)`, error));
      }
    }

    async function drawAll() {
      generation += 1;
      const mine = generation;
      const [, seconds, period] = range;
      const to = Math.ceil(Date.now() / 1000 / 60) * 60;
      const from = to - seconds;
      status.textContent = 'loading…';
      await Promise.all(charts.map((item) => drawOne(item, [from, to], period, mine)));
      if (mine !== generation) return;
      lastDrawn = Date.now();
      status.textContent = `updated ${new Date().toLocaleTimeString()} · every minute`;
    }

    void drawAll();
    return {
      update() {
        if (Date.now() - lastDrawn >= REFRESH_MS && lastDrawn > 0) void drawAll();
      },
      close() {
        generation += 1;
        for (const item of charts) item.chart.close();
      },
    };
  },
};
