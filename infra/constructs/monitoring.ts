/**
 * Alerts (p95 latency, 5xx ratio, Cloud SQL CPU and disk, uptime), the email channel they notify,
 * a dashboard, and an uptime check that goes through the gateway as users do.
 */
import { MonitoringAlertPolicy, MonitoringAlertPolicyConditions } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { MonitoringDashboard } from '@cdktf/provider-google/lib/monitoring-dashboard';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel';
import { MonitoringUptimeCheckConfig } from '@cdktf/provider-google/lib/monitoring-uptime-check-config';
import { Construct } from 'constructs';
import { EnvironmentConfig, labelsFor } from '../config';
import { namePrefix } from '../naming';

export interface MonitoringProps {
  /** Alert thresholds and the on-call email (config `alerts`), names and labels. */
  config: EnvironmentConfig;
  /** The Cloud Run service whose latency and 5xx ratio are watched (cloud_run_revision). */
  serviceName: string;
  /** The Cloud SQL instance name whose CPU and disk are watched (cloudsql_database). */
  databaseInstance: string;
  /** The API Gateway host the uptime check calls /healthz on, as users reach the API. */
  gatewayHost: string;
}

const WINDOW = '300s';

export class Monitoring extends Construct {
  readonly alerts: Record<'latency' | 'errors' | 'databaseCpu' | 'databaseDisk' | 'uptime', MonitoringAlertPolicy>;
  readonly uptime: MonitoringUptimeCheckConfig;
  readonly dashboard: MonitoringDashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config, serviceName } = props;
    const prefix = namePrefix(config);
    const labels = labelsFor(config);
    const channel = new MonitoringNotificationChannel(this, 'email', {
      displayName: `${prefix} on-call email`,
      type: 'email',
      labels: { email_address: config.alerts.notificationEmail },
      userLabels: labels,
    });
    const run = `resource.type = "cloud_run_revision" AND resource.labels.service_name = "${serviceName}"`;
    const sql = `resource.type = "cloudsql_database" AND resource.labels.database_id = "${config.projectId}:${props.databaseInstance}"`;
    const alert = (key: string, name: string, condition: MonitoringAlertPolicyConditions, documentation: string) =>
      new MonitoringAlertPolicy(this, key, {
        displayName: `${prefix}: ${name}`,
        combiner: 'OR',
        conditions: [condition],
        notificationChannels: [channel.name],
        userLabels: labels,
        alertStrategy: { autoClose: '1800s' },
        documentation: { content: documentation, mimeType: 'text/markdown' },
      });
    const threshold = (displayName: string, filter: string, value: number, aligner: string): MonitoringAlertPolicyConditions => ({
      displayName,
      conditionThreshold: {
        filter,
        comparison: 'COMPARISON_GT',
        thresholdValue: value,
        duration: WINDOW,
        aggregations: [{ alignmentPeriod: '60s', perSeriesAligner: aligner, crossSeriesReducer: 'REDUCE_MAX', groupByFields: ['resource.label.service_name'] }],
        trigger: { count: 1 },
      },
    });

    this.uptime = new MonitoringUptimeCheckConfig(this, 'uptime-check', {
      displayName: `${prefix} gateway /healthz`,
      timeout: '10s',
      period: '60s',
      userLabels: labels,
      httpCheck: { path: '/healthz', port: 443, useSsl: true, validateSsl: true, acceptedResponseStatusCodes: [{ statusClass: 'STATUS_CLASS_2XX' }] },
      monitoredResource: { type: 'uptime_url', labels: { project_id: config.projectId, host: props.gatewayHost } },
      contentMatchers: [{ content: '"ok"', matcher: 'CONTAINS_STRING' }],
    });

    this.alerts = {
      latency: alert(
        'latency',
        `p95 latency above ${config.alerts.p95LatencyMs} ms`,
        threshold('p95 request latency', `${run} AND metric.type = "run.googleapis.com/request_latencies"`, config.alerts.p95LatencyMs, 'ALIGN_PERCENTILE_95'),
        'p95 latency of the inference service is above its threshold for 5 minutes. Check instance count (max instances reached?) and job sizes in the job log.',
      ),
      errors: alert(
        'errors',
        `5xx ratio above ${config.alerts.errorRatio * 100} %`,
        {
          displayName: '5xx share of requests',
          conditionPrometheusQueryLanguage: {
            query: `${errorRatioQuery(serviceName)} > ${config.alerts.errorRatio}`,
            duration: WINDOW,
            evaluationInterval: '60s',
          },
        },
        'More than the allowed share of requests end in 5xx. Bad input never does (it is 4xx), so this is the service or its dependencies: read the error logs of the latest revision, and roll back with `gcloud run services update-traffic --to-revisions=PREVIOUS=100` if a deploy caused it.',
      ),
      databaseCpu: alert(
        'database-cpu',
        `Cloud SQL CPU above ${config.alerts.databaseCpu * 100} %`,
        threshold('database CPU utilisation', `${sql} AND metric.type = "cloudsql.googleapis.com/database/cpu/utilization"`, config.alerts.databaseCpu, 'ALIGN_MEAN'),
        'The job-log database is busy. Predictions do not wait on it (rows queue and retry), but sustained load needs a larger tier.',
      ),
      databaseDisk: alert(
        'database-disk',
        `Cloud SQL disk above ${config.alerts.databaseDisk * 100} %`,
        threshold('database disk utilisation', `${sql} AND metric.type = "cloudsql.googleapis.com/database/disk/utilization"`, config.alerts.databaseDisk, 'ALIGN_MEAN'),
        'Disk auto-resize is on; check why the job log grows faster than expected.',
      ),
      uptime: alert(
        'uptime-failing',
        'gateway /healthz failing',
        {
          displayName: 'uptime check failing',
          conditionThreshold: {
            filter: `metric.type = "monitoring.googleapis.com/uptime_check/check_passed" AND resource.type = "uptime_url" AND metric.labels.check_id = "${this.uptime.uptimeCheckId}"`,
            comparison: 'COMPARISON_GT',
            thresholdValue: 1,
            duration: WINDOW,
            aggregations: [{ alignmentPeriod: '60s', perSeriesAligner: 'ALIGN_NEXT_OLDER', crossSeriesReducer: 'REDUCE_COUNT_FALSE', groupByFields: ['resource.label.host'] }],
            trigger: { count: 1 },
          },
        },
        'The API cannot be reached through the gateway from at least two regions.',
      ),
    };

    this.dashboard = new MonitoringDashboard(this, 'dashboard', { dashboardJson: JSON.stringify(dashboard(prefix, serviceName, run, sql)) });
  }
}

type Series = { filter: string; aligner: string; reducer?: string; label?: string } | { promql: string; label?: string };

function chart(title: string, series: Series[]) {
  return {
    title,
    xyChart: {
      dataSets: series.map((s) => ({
        plotType: 'LINE',
        legendTemplate: s.label ?? '',
        timeSeriesQuery:
          'promql' in s
            ? { prometheusQuery: s.promql }
            : { timeSeriesFilter: { filter: s.filter, aggregation: { alignmentPeriod: '60s', perSeriesAligner: s.aligner, crossSeriesReducer: s.reducer ?? 'REDUCE_SUM' } } },
      })),
    },
  };
}

/** Share of requests answered 5xx, as PromQL over Cloud Run's request count. */
export function errorRatioQuery(serviceName: string): string {
  const count = (extra: string) => `sum(rate(run_googleapis_com:request_count{monitored_resource="cloud_run_revision",service_name="${serviceName}"${extra}}[5m]))`;
  return `${count(',response_code_class="5xx"')} / ${count('')}`;
}

function dashboard(prefix: string, serviceName: string, run: string, sql: string) {
  const latency = (p: number) => ({ filter: `${run} AND metric.type = "run.googleapis.com/request_latencies"`, aligner: `ALIGN_PERCENTILE_${p}`, reducer: 'REDUCE_MAX', label: `p${p}` });
  const tiles = [
    chart('Requests per second by response class', [{ filter: `${run} AND metric.type = "run.googleapis.com/request_count"`, aligner: 'ALIGN_RATE' }]),
    chart('Latency p50 / p95 / p99 (ms)', [latency(50), latency(95), latency(99)]),
    chart('Error ratio (5xx share of requests)', [{ promql: errorRatioQuery(serviceName), label: '5xx ratio' }]),
    chart('Instances', [{ filter: `${run} AND metric.type = "run.googleapis.com/container/instance_count"`, aligner: 'ALIGN_MAX' }]),
    chart('Cloud SQL CPU', [{ filter: `${sql} AND metric.type = "cloudsql.googleapis.com/database/cpu/utilization"`, aligner: 'ALIGN_MEAN', reducer: 'REDUCE_MAX' }]),
  ];
  return {
    displayName: `${prefix} inference`,
    mosaicLayout: { columns: 12, tiles: tiles.map((widget, i) => ({ xPos: (i % 2) * 6, yPos: Math.floor(i / 2) * 4, width: 6, height: 4, widget })) },
  };
}
