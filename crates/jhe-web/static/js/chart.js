// A small time-series chart over the vendored uPlot, with an accessible alternative.
//
//   import { renderTimeSeries } from '/ui/js/chart.js';
//   const chart = renderTimeSeries(container, {
//     title: 'Blood pressure — Peter (40001)',
//     series: [{label: 'Systolic', unitLabel: 'mmHg'}, {label: 'Diastolic', unitLabel: 'mmHg'}],
//     times: [ms, ...],            // ascending epoch milliseconds
//     values: [[...], [...]],      // one array per series, same length as times (null = no value)
//   });
//   chart.destroy();
//
// The output is a <figure>: a caption (title and a one-sentence summary), the plot (role="img" with the same
// summary as its label) and a button that shows or hides a plain data table with every value. Everything is built
// with DOM calls; no inline style attributes (uPlot sizes its canvas through element.style, which the page's CSP
// allows). uPlot's stylesheet is added to <head> on first use.

import uPlot from '/ui/vendor/uplot/uPlot.esm.js';
import { formatDateTime, formatNumber } from '/ui/js/omh.js';

const UPLOT_CSS = '/ui/vendor/uplot/uPlot.min.css';

// Colour-blind friendly palette (Okabe–Ito), distinguishable in print too because points are drawn as well.
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

let idCounter = 0;

function ensureStylesheet() {
  if (document.querySelector(`link[href="${UPLOT_CSS}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = UPLOT_CSS;
  document.head.appendChild(link);
}

/** A tiny element builder: el('p', {className: 'x'}, 'text', child). */
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'className') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function seriesName(s) {
  return s.unitLabel ? `${s.label} (${s.unitLabel})` : s.label;
}

/** One sentence describing the data, used as caption and as the plot's accessible name. */
function summarize(opts) {
  const n = opts.times.length;
  if (!n) return 'No measurements to show.';
  const from = formatDateTime(new Date(opts.times[0]));
  const to = formatDateTime(new Date(opts.times[n - 1]));
  const ranges = opts.series.map((s, i) => {
    const vals = opts.values[i].filter((v) => v !== null && Number.isFinite(v));
    if (!vals.length) return `${s.label}: no values`;
    const min = Math.min(...vals);
    const max = Math.max(...vals);
    const unit = s.unitLabel ? ` ${s.unitLabel}` : '';
    return min === max
      ? `${s.label} ${formatNumber(min)}${unit}`
      : `${s.label} from ${formatNumber(min)} to ${formatNumber(max)}${unit}`;
  });
  const span = n === 1 ? `1 measurement on ${from}` : `${n} measurements from ${from} to ${to}`;
  return `${span}. ${ranges.join('; ')}.`;
}

function dataTable(opts, id) {
  const head = el('tr', null, el('th', { scope: 'col' }, 'Time'));
  for (const s of opts.series) head.append(el('th', { scope: 'col', className: 'text-end' }, seriesName(s)));
  const body = el('tbody');
  opts.times.forEach((t, row) => {
    const tr = el('tr', null, el('th', { scope: 'row', className: 'fw-normal' }, formatDateTime(new Date(t))));
    opts.series.forEach((_, i) => {
      const v = opts.values[i][row];
      tr.append(el('td', { className: 'text-end' }, v === null || v === undefined ? '—' : formatNumber(v)));
    });
    body.append(tr);
  });
  const table = el(
    'table',
    { className: 'table table-sm table-striped mb-0' },
    el('caption', { className: 'visually-hidden' }, `Data of the chart: ${opts.title || ''}`),
    el('thead', null, head),
    body,
  );
  const wrap = el('div', { id, className: 'table-responsive jhe-chart-table mt-2', hidden: true, tabindex: '0', role: 'region', 'aria-label': 'Chart data table' }, table);
  // Long series scroll inside the figure instead of stretching the page.
  wrap.style.maxHeight = '24rem';
  wrap.style.overflowY = 'auto';
  return wrap;
}

/** Scales: one per distinct unit, so series with different units (hours, km, kcal) are not squashed together. */
function scalesFor(series) {
  const keys = [];
  const scaleOf = series.map((s) => {
    const key = s.unitLabel || s.label || 'y';
    if (!keys.includes(key)) keys.push(key);
    return key;
  });
  return { keys, scaleOf };
}

/**
 * Render a time-series chart into `container` (its previous content is replaced). Returns {destroy, element}.
 * `opts`: {title, series: [{label, unitLabel}], times: [ms], values: [[number|null]], height?}.
 */
export function renderTimeSeries(container, opts) {
  ensureStylesheet();
  const id = `jhe-chart-${++idCounter}`;
  const summary = summarize(opts);
  const figure = el('figure', { className: 'jhe-chart mb-3', 'aria-labelledby': `${id}-title` });
  const caption = el(
    'figcaption',
    { className: 'mb-2' },
    el('div', { id: `${id}-title`, className: 'fw-semibold' }, opts.title || 'Chart'),
    el('div', { className: 'small text-body-secondary' }, summary),
  );
  figure.append(caption);
  container.replaceChildren(figure);

  if (!opts.times.length) return { destroy() {}, element: figure };

  const plotHost = el('div', { className: 'jhe-chart-plot', role: 'img', 'aria-label': `${opts.title}. ${summary}` });
  // The plot must not widen the page: with size containment its width comes from the layout only, so the
  // ResizeObserver below cannot feed the canvas width back into the column width.
  plotHost.style.contain = 'inline-size';
  plotHost.style.overflow = 'hidden';
  figure.append(plotHost);

  const tableId = `${id}-table`;
  const toggle = el(
    'button',
    { type: 'button', className: 'btn btn-link btn-sm px-0', 'aria-expanded': 'false', 'aria-controls': tableId },
    'Show data table',
  );
  const table = dataTable(opts, tableId);
  toggle.addEventListener('click', () => {
    const open = table.hidden;
    table.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? 'Hide data table' : 'Show data table';
  });
  figure.append(el('div', null, toggle), table);

  const { keys, scaleOf } = scalesFor(opts.series);
  // The time range is fixed from the data: a single instant would make uPlot span years, so show half a day
  // either side of it; otherwise pad a little so the first and last points are not drawn on the plot's edge.
  const first = opts.times[0] / 1000;
  const last = opts.times[opts.times.length - 1] / 1000;
  const pad = last > first ? (last - first) * 0.03 : 43200;
  const scales = { x: { time: true, auto: false, range: [first - pad, last + pad] } };
  for (const k of keys) scales[k] = { auto: true };
  const axes = [{}];
  keys.forEach((k, i) => {
    axes.push({
      scale: k,
      label: k,
      side: i % 2 === 0 ? 3 : 1, // left, right, left, ...
      grid: { show: i === 0 },
      size: 60,
    });
  });

  const width = () => Math.max(280, plotHost.clientWidth || container.clientWidth || 600);
  const plot = new uPlot(
    {
      width: width(),
      height: opts.height || 300,
      scales,
      axes,
      cursor: { focus: { prox: 16 } },
      series: [
        { label: 'Time', value: (u, v) => (v === null ? '—' : formatDateTime(new Date(v * 1000))) },
        ...opts.series.map((s, i) => ({
          label: seriesName(s),
          scale: scaleOf[i],
          stroke: COLOURS[i % COLOURS.length],
          width: 2,
          spanGaps: true,
          points: { show: true, size: 6, fill: COLOURS[i % COLOURS.length] },
          value: (u, v) => (v === null || v === undefined ? '—' : formatNumber(v)),
        })),
      ],
    },
    // uPlot wants seconds on a time axis.
    [opts.times.map((t) => t / 1000), ...opts.values],
    plotHost,
  );

  // Follow the container's width (sidebar collapse, window resize).
  let observer = null;
  if (typeof ResizeObserver !== 'undefined') {
    observer = new ResizeObserver(() => {
      const w = width();
      if (Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height: plot.height });
    });
    observer.observe(plotHost);
  }

  return {
    element: figure,
    destroy() {
      if (observer) observer.disconnect();
      plot.destroy();
    },
  };
}
