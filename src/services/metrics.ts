import type { GetRelationalDatabaseMetricDataRequest, MetricDatapoint, MetricUnit } from '@aws-sdk/client-lightsail';
import { InvalidInputException } from '../api/errors.js';
import type { RequestContext } from '../gateway/pipeline.js';
import type { MetricSample } from '../store/metrics.js';
import { requireDatabase, scopeOf, type ServiceContext } from './context.js';

/** The unit each database metric is published in. */
export const METRIC_UNITS: Readonly<Record<string, MetricUnit>> = {
  CPUUtilization: 'Percent',
  DatabaseConnections: 'Count',
  DiskQueueDepth: 'Count',
  FreeStorageSpace: 'Bytes',
  NetworkReceiveThroughput: 'Bytes/Second',
  NetworkTransmitThroughput: 'Bytes/Second',
  FreeableMemory: 'Bytes',
  SwapUsage: 'Bytes',
};

const MAX_DATAPOINTS = 1440;

type Statistic = 'Minimum' | 'Maximum' | 'Sum' | 'Average' | 'SampleCount';

function aggregate(samples: MetricSample[], statistics: Statistic[]): Partial<MetricDatapoint> {
  const values = samples.map((sample) => sample.value);
  const sum = values.reduce((total, value) => total + value, 0);
  const point: Partial<MetricDatapoint> = {};
  for (const statistic of statistics) {
    if (statistic === 'Minimum') point.minimum = Math.min(...values);
    if (statistic === 'Maximum') point.maximum = Math.max(...values);
    if (statistic === 'Sum') point.sum = sum;
    if (statistic === 'Average') point.average = sum / values.length;
    if (statistic === 'SampleCount') point.sampleCount = values.length;
  }
  return point;
}

/**
 * Datapoints of one metric: buckets of `period` seconds anchored at the
 * start time truncated to the minute, each with the requested statistics
 * over the one-minute samples inside it; buckets without samples are left
 * out, as in CloudWatch.
 */
export function getRelationalDatabaseMetricData(
  context: ServiceContext,
  request: RequestContext,
  input: GetRelationalDatabaseMetricDataRequest,
): { metricName: string; metricData: MetricDatapoint[] } {
  const database = requireDatabase(context, scopeOf(request), input.relationalDatabaseName!);
  const metric = input.metricName!;
  const unit = METRIC_UNITS[metric]!;
  if (input.unit !== unit) {
    throw new InvalidInputException(`The unit of ${metric} is ${unit}, not ${input.unit}.`, { code: 'InvalidUnit' });
  }
  const period = input.period!;
  if (period % 60 !== 0) {
    throw new InvalidInputException(`period is ${period}; database metrics have one-minute granularity, so it must be a multiple of 60 (60 to 86400).`);
  }
  const statistics = [...new Set(input.statistics!)] as Statistic[];
  if (statistics.length === 0) throw new InvalidInputException('statistics is empty; ask for at least one of Minimum, Maximum, Sum, Average, SampleCount.');
  const start = Math.floor(input.startTime!.getTime() / 60_000) * 60;
  const end = input.endTime!.getTime() / 1000;
  if (end <= start) throw new InvalidInputException('endTime must be after startTime.');
  if ((end - start) / period > MAX_DATAPOINTS) {
    throw new InvalidInputException(
      `The request spans ${Math.ceil((end - start) / period)} periods; at most ${MAX_DATAPOINTS} datapoints are returned: shorten the range or lengthen the period.`,
    );
  }

  const samples = context.store.metrics.range(database.id, metric, start, end);
  const buckets = new Map<number, MetricSample[]>();
  for (const sample of samples) {
    const bucket = start + Math.floor((sample.at - start) / period) * period;
    const list = buckets.get(bucket) ?? [];
    list.push(sample);
    buckets.set(bucket, list);
  }
  const metricData: MetricDatapoint[] = [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bucket, inBucket]) => ({ timestamp: new Date(bucket * 1000), unit, ...aggregate(inBucket, statistics) }));
  return { metricName: metric, metricData };
}
