import { METRICS_NAMESPACE, ROLLBACKS_METRIC, SERVICE_DIMENSION } from '../../lib/contract/metrics';
import { canaryMetricRecord, rollbackMetricRecord } from '../../lambda/shared/metrics';

const AT = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('rollbackMetricRecord', () => {
  it('is one line of JSON', () => {
    const line = rollbackMetricRecord('shop', AT);

    expect(line).not.toContain('\n');
    expect(() => JSON.parse(line)).not.toThrow();
  });

  it('declares Rollbacks (Count) in the BlueGreen namespace, by Service, at the given time', () => {
    const record = JSON.parse(rollbackMetricRecord('shop', AT));

    expect(record._aws).toEqual({
      Timestamp: AT,
      CloudWatchMetrics: [
        {
          Namespace: 'BlueGreen',
          Dimensions: [['Service']],
          Metrics: [{ Name: 'Rollbacks', Unit: 'Count' }],
        },
      ],
    });
  });

  it('records Rollbacks = 1 and the Service dimension as root members', () => {
    const record = JSON.parse(rollbackMetricRecord('shop', AT));

    expect(record.Rollbacks).toBe(1);
    expect(record.Service).toBe('shop');
    expect(Object.keys(record).sort()).toEqual(['Rollbacks', 'Service', '_aws']);
  });

  it('every dimension and metric it declares is a root member (what the EMF spec requires)', () => {
    const record = JSON.parse(rollbackMetricRecord('web:eu-west-1', AT));
    const [directive] = record._aws.CloudWatchMetrics;

    for (const name of directive.Dimensions.flat()) expect(typeof record[name]).toBe('string');
    for (const metric of directive.Metrics) expect(typeof record[metric.Name]).toBe('number');
  });

  it('writes the timestamp as whole epoch milliseconds', () => {
    const record = JSON.parse(rollbackMetricRecord('shop', AT + 0.6));

    expect(record._aws.Timestamp).toBe(AT + 1);
  });

  it('keeps a service tag with JSON-special characters intact', () => {
    const tag = 'svc"with\\quote';
    expect(JSON.parse(rollbackMetricRecord(tag, AT)).Service).toBe(tag);
  });

  it('exports the names the dashboard reads', () => {
    expect([METRICS_NAMESPACE, ROLLBACKS_METRIC, SERVICE_DIMENSION]).toEqual([
      'BlueGreen',
      'Rollbacks',
      'Service',
    ]);
  });
});

describe('canaryMetricRecord', () => {
  it('records CanaryInstances = the serving count (Count) in the BlueGreen namespace, by Service', () => {
    const record = JSON.parse(canaryMetricRecord('shop', AT, 2));
    expect(record._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'BlueGreen',
        Dimensions: [['Service']],
        Metrics: [{ Name: 'CanaryInstances', Unit: 'Count' }],
      },
    ]);
    expect(record).toMatchObject({ Service: 'shop', CanaryInstances: 2 });
    expect(record._aws.Timestamp).toBe(AT);
  });
});
