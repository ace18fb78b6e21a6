// Generates deploy/grafana/deltastream.json (the Grafana dashboard) from the panel list below, so the
// dashboard stays reviewable as code. Run `npm run dashboard` after changing it; the pipeline e2e test
// checks that every metric it uses is exported by the services.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rate = (metric, by = '') => `sum${by ? ` by (${by})` : ''}(rate(${metric}[$__rate_interval]))`;
const quantiles = (metric, by = '') =>
  [0.5, 0.95, 0.99].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket[$__rate_interval])))`, legend: `p${q * 100}${by ? ` {{${by}}}` : ''}` }));

/** [row title, panels]; a panel is { title, unit, targets: [{ expr, legend }], kind? } */
const rows = [
  [
    'Overview',
    [
      {
        title: 'Events per second through each stage',
        unit: 'ops',
        targets: [
          { expr: rate('deltastream_ingest_events_produced_total'), legend: 'ingested' },
          { expr: rate('deltastream_windower_events_in_total'), legend: 'windowed' },
          { expr: rate('deltastream_compressor_frames_total'), legend: 'frames' },
          { expr: rate('deltastream_edge_frames_delivered_total', 'protocol'), legend: 'frames delivered {{protocol}}' },
        ],
      },
      {
        title: 'Bandwidth: fetched upstream vs delivered',
        unit: 'Bps',
        targets: [
          { expr: rate('deltastream_ingest_bytes_fetched_total'), legend: 'fetched upstream' },
          { expr: rate('deltastream_edge_bytes_delivered_total', 'protocol'), legend: 'delivered {{protocol}}' },
        ],
      },
      {
        title: 'End-to-end latency (observed → delivered)',
        unit: 'ms',
        targets: quantiles('deltastream_edge_e2e_latency'),
      },
      {
        title: 'Consumer lag per partition',
        unit: 'short',
        targets: [{ expr: 'sum by (group, partition) (deltastream_consumer_lag)', legend: '{{group}} p{{partition}}' }],
      },
    ],
  ],
  [
    'Stages',
    [
      {
        title: 'Compression ratio per codec (compressed ÷ raw)',
        unit: 'percentunit',
        targets: [{ expr: `${rate('deltastream_compressor_compressed_bytes_total', 'codec')} / ${rate('deltastream_compressor_raw_bytes_total', 'codec')}`, legend: '{{codec}}' }],
      },
      {
        title: 'Window size (events per window)',
        unit: 'short',
        targets: quantiles('deltastream_windower_window_events'),
      },
      {
        title: 'Windower buffer and backpressure',
        unit: 'bytes',
        targets: [
          { expr: 'sum(deltastream_windower_buffered_bytes)', legend: 'buffered' },
          { expr: 'max(deltastream_windower_paused) * max(deltastream_windower_buffered_bytes)', legend: 'paused (at buffer level)' },
        ],
      },
      {
        title: 'Late and coalesced events',
        unit: 'ops',
        targets: [
          { expr: rate('deltastream_windower_late_events_total'), legend: 'late' },
          { expr: rate('deltastream_windower_coalesced_events_total'), legend: 'coalesced' },
        ],
      },
    ],
  ],
  [
    'Delivery edge',
    [
      { title: 'Connections per protocol', unit: 'short', targets: [{ expr: 'sum by (protocol) (deltastream_edge_connections)', legend: '{{protocol}}' }] },
      { title: 'Queued bytes per protocol', unit: 'bytes', targets: [{ expr: 'sum by (protocol) (deltastream_edge_queued_bytes)', legend: '{{protocol}}' }] },
      {
        title: 'Slow consumers: drops, coalesces, disconnects',
        unit: 'ops',
        targets: [
          { expr: rate('deltastream_edge_dropped_frames_total'), legend: 'dropped' },
          { expr: rate('deltastream_edge_coalesced_frames_total'), legend: 'coalesced' },
          { expr: rate('deltastream_edge_slow_disconnects_total'), legend: 'disconnected (4008)' },
        ],
      },
      { title: 'Refused requests by code', unit: 'ops', targets: [{ expr: rate('deltastream_edge_rejected_requests_total', 'code'), legend: '{{code}}' }] },
    ],
  ],
  [
    'Edge security',
    [
      { title: 'Auth refusals by protocol and reason', unit: 'ops', targets: [{ expr: rate('deltastream_edge_auth_refusals_total', 'protocol, reason'), legend: '{{protocol}} {{reason}}' }] },
      { title: 'Rate-limited requests by limit', unit: 'ops', targets: [{ expr: rate('deltastream_edge_rate_limited_total', 'protocol, limit'), legend: '{{protocol}} {{limit}}' }] },
      {
        title: 'Limits decided without Redis, key file reloads',
        unit: 'ops',
        targets: [
          { expr: rate('deltastream_edge_limiter_fallbacks_total', 'limit'), legend: 'in-memory {{limit}}' },
          { expr: rate('deltastream_edge_key_reloads_total', 'outcome'), legend: 'key reload {{outcome}}' },
        ],
      },
    ],
  ],
  [
    'Errors',
    [
      {
        title: 'Dead letters per second by service',
        unit: 'ops',
        targets: ['ingest', 'windower', 'enricher', 'compressor'].map((s) => ({ expr: rate(`deltastream_${s}_dead_letters_total`, 'kind'), legend: `${s} {{kind}}` })),
      },
      { title: 'Upstream errors by kind', unit: 'ops', targets: [{ expr: rate('deltastream_ingest_errors_total', 'kind'), legend: '{{kind}}' }] },
      {
        title: 'Upstream 304 (not modified) and 429/503 (throttled)',
        unit: 'ops',
        targets: [
          { expr: rate('deltastream_ingest_not_modified_total'), legend: '304' },
          { expr: rate('deltastream_ingest_throttled_total'), legend: '429/503' },
        ],
      },
      { title: 'Duplicates suppressed at ingest', unit: 'ops', targets: [{ expr: rate('deltastream_ingest_duplicates_suppressed_total'), legend: 'suppressed' }] },
    ],
  ],
];

let id = 1;
let y = 0;
const panels = [];
for (const [title, rowPanels] of rows) {
  panels.push({ id: id++, type: 'row', title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: y++ }, panels: [] });
  rowPanels.forEach((panel, i) => {
    panels.push({
      id: id++,
      type: 'timeseries',
      title: panel.title,
      datasource: { type: 'prometheus', uid: '${datasource}' },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: y + Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
      targets: panel.targets.map((t, k) => ({ refId: String.fromCharCode(65 + k), expr: t.expr, legendFormat: t.legend, datasource: { type: 'prometheus', uid: '${datasource}' } })),
    });
  });
  y += Math.ceil(rowPanels.length / 2) * 8;
}

const dashboard = {
  uid: 'deltastream',
  title: 'Deltastream',
  description: 'Throughput, latency percentiles, lag, bandwidth saved and backpressure across the five services. Generated by tools/dashboard.mjs.',
  tags: ['deltastream'],
  timezone: 'utc',
  schemaVersion: 39,
  version: 1,
  refresh: '10s',
  time: { from: 'now-1h', to: 'now' },
  templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }] },
  panels,
};
const file = path.join(root, 'deploy/grafana/deltastream.json');
writeFileSync(file, `${JSON.stringify(dashboard, null, 2)}\n`);
console.log(`dashboard: ${panels.length - rows.length} panels → ${path.relative(root, file)}`);
