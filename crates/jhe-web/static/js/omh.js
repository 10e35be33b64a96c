// Open mHealth / IEEE 1752 data points, decoded for people and for charts.
//
// A data point is `{header, body}` as stored by the exchange (snake-case keys). It reaches the UI in two ways:
//   - `omhData` of an item of `GET /api/v1/observations`;
//   - base64 `valueAttachment.data` of a FHIR Observation (`GET /FHIR/R5/Observation`).
// The data type is named by the scope code `<namespace>:<name>:<version>` (for example `omh:blood-pressure:4.0`),
// which is the Observation's coding code; only the name matters for display.
//
// Exports (this module has no DOM access, so it can be tested under Node):
//   parseScopeCode(code)            -> {namespace, name, version}
//   typeLabel(codeOrName)           -> "Blood pressure"
//   chartableTypes()                -> [{name, label}] of the types with a numeric series
//   decodeAttachment(base64)        -> parsed data point, or null
//   fromFhirObservation(resource)   -> {id, code, system, display, patientId, effective, lastUpdated, dataPoint}
//   effectiveTime(body)             -> {start: Date|null, end: Date|null, text}
//   describe(code, dataPoint)       -> short text such as "120/80 mmHg" or "5.4 mmol/L (fasting)"
//   seriesSpec(code, dataPoints?)   -> [{key, label, unit}] the series a chart of this type shows
//   toSample(code, dataPoint)       -> {time: ms, values: [number|null, ...]} or null when nothing to plot
//   buildSeries(code, dataPoints)   -> {series: [{key, label, unit}], times: [ms...], values: [[...], ...], skipped}

export const OMH_SYSTEM = 'https://w3id.org/openmhealth';
export const IEEE_SYSTEM = 'https://w3id.org/ieee1752';

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

/** Split a scope code; a bare name (`heart-rate`) is taken as an `omh` name without version. */
export function parseScopeCode(code) {
  const parts = String(code || '').split(':');
  if (parts.length >= 3) {
    return { namespace: parts[0], name: parts[1], version: parts.slice(2).join(':') };
  }
  if (parts.length === 2) return { namespace: parts[0], name: parts[1], version: '' };
  return { namespace: 'omh', name: parts[0], version: '' };
}

function typeName(codeOrName) {
  return parseScopeCode(codeOrName).name;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);

/** A `{value, unit}` object with a numeric value, or null. */
function unitValue(v) {
  if (isObject(v) && isNumber(v.value)) return { value: v.value, unit: typeof v.unit === 'string' ? v.unit : '' };
  return null;
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** 6500 -> "6,500"; 36.849 -> "36.85". */
export function formatNumber(n) {
  return isNumber(n) ? numberFormat.format(n) : String(n);
}

// How units are written for people.
const UNIT_TEXT = {
  C: '°C',
  F: '°F',
  'kg/m^2': 'kg/m²',
  'kg/m2': 'kg/m²',
  sec: 's',
  'Metric Ton': 't',
};

export function unitText(unit) {
  if (!unit) return '';
  return UNIT_TEXT[unit] || unit;
}

/** "98 beats/min", "97.5%", "36.8 °C". */
function quantityText(q) {
  if (!q) return '';
  const u = unitText(q.unit);
  if (!u) return formatNumber(q.value);
  if (u === '%') return `${formatNumber(q.value)}%`;
  return `${formatNumber(q.value)} ${u}`;
}

// Durations -------------------------------------------------------------------------------------------------------

const SECONDS_PER = {
  ps: 1e-12, ns: 1e-9, us: 1e-6, ms: 1e-3, sec: 1, s: 1, min: 60, h: 3600, d: 86400, wk: 604800,
  Mo: 2629746, yr: 31556952,
};

/** A duration unit value in seconds, or null. */
function durationSeconds(v) {
  const q = unitValue(v);
  if (!q || !(q.unit in SECONDS_PER)) return null;
  return q.value * SECONDS_PER[q.unit];
}

/** 27000 s -> "7 h 30 min"; 90 s -> "1 min 30 s". */
export function formatDuration(seconds) {
  if (!isNumber(seconds)) return '';
  const neg = seconds < 0;
  let s = Math.round(Math.abs(seconds));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = [];
  if (d) parts.push(`${d} d`);
  if (h) parts.push(`${h} h`);
  if (m) parts.push(`${m} min`);
  if (s && !d && !h) parts.push(`${s} s`);
  if (!parts.length) parts.push('0 min');
  return (neg ? '−' : '') + parts.join(' ');
}

/** A duration unit value (or range) for people: "7 h 15 min", "10–20 min". */
function durationText(v) {
  if (isObject(v) && isNumber(v.low_value) && isNumber(v.high_value)) {
    return `${formatNumber(v.low_value)}–${formatNumber(v.high_value)} ${unitText(v.unit)}`;
  }
  const secs = durationSeconds(v);
  if (secs !== null) return formatDuration(secs);
  const q = unitValue(v);
  return q ? quantityText(q) : '';
}

// Unit conversion for charts: each chart series has one unit; values in another unit are converted when we know
// how, and left out (counted as skipped) otherwise.
const CONVERT = {
  'mg/dL': { 'mmol/L': (v) => v * 18.0182 },
  'mmol/L': { 'mg/dL': (v) => v / 18.0182 },
  C: { F: (v) => ((v - 32) * 5) / 9, K: (v) => v - 273.15 },
  F: { C: (v) => (v * 9) / 5 + 32, K: (v) => ((v - 273.15) * 9) / 5 + 32 },
  kg: { g: (v) => v / 1000, lb: (v) => v * 0.45359237, oz: (v) => v * 0.028349523125, mg: (v) => v / 1e6 },
  lb: { kg: (v) => v / 0.45359237, g: (v) => v / 453.59237 },
  'kg/m^2': { 'kg/m2': (v) => v },
  L: { mL: (v) => v / 1000, dL: (v) => v / 10, cL: (v) => v / 100 },
  km: { m: (v) => v / 1000, mi: (v) => v * 1.609344, ft: (v) => v * 0.0003048, yd: (v) => v * 0.0009144 },
  h: Object.fromEntries(Object.entries(SECONDS_PER).map(([u, s]) => [u, (v) => (v * s) / 3600])),
};

/** Convert a quantity to `unit`; null when impossible. */
function convert(q, unit) {
  if (!q) return null;
  if (!unit || q.unit === unit) return q.value;
  const f = CONVERT[unit] && CONVERT[unit][q.unit];
  return f ? f(q.value) : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Time frames

// A `date` + `part_of_day` interval covers a window of that day (UTC), as the server reads it.
const PART_OF_DAY_HOURS = { night: [0, 6], morning: [6, 12], afternoon: [12, 18], evening: [18, 24] };

function parseDate(s) {
  if (typeof s !== 'string' || !s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A date for people, in the browser's locale and time zone. */
export function formatDateTime(d) {
  if (!(d instanceof Date)) d = parseDate(d);
  return d ? dateTimeFormat.format(d) : '';
}

/**
 * The effective time of a body (`effective_time_frame`): start and end (equal for an instant) and a text.
 * `frame` may also be given directly (for nested frames such as sleep stage episodes).
 */
export function effectiveTime(body, frame) {
  const tf = frame || (isObject(body) ? body.effective_time_frame : null);
  const none = { start: null, end: null, text: '' };
  if (!isObject(tf)) return none;
  if (tf.date_time) {
    const d = parseDate(tf.date_time);
    return d ? { start: d, end: d, text: formatDateTime(d) } : { ...none, text: String(tf.date_time) };
  }
  const ti = tf.time_interval;
  if (!isObject(ti)) return none;
  let start = parseDate(ti.start_date_time);
  let end = parseDate(ti.end_date_time);
  const dur = durationSeconds(ti.duration);
  if (start && !end && dur !== null) end = new Date(start.getTime() + dur * 1000);
  if (end && !start && dur !== null) start = new Date(end.getTime() - dur * 1000);
  if (!start && !end && typeof ti.date === 'string') {
    const hours = PART_OF_DAY_HOURS[ti.part_of_day];
    const day = parseDate(`${ti.date}T00:00:00Z`);
    if (day && hours) {
      start = new Date(day.getTime() + hours[0] * 3600000);
      end = new Date(day.getTime() + hours[1] * 3600000);
      return { start, end, text: `${ti.date} (${ti.part_of_day})` };
    }
    return { start: day, end: day, text: ti.date };
  }
  if (start && end) return { start, end, text: `${formatDateTime(start)} – ${formatDateTime(end)}` };
  const one = start || end;
  return one ? { start, end, text: formatDateTime(one) } : none;
}

/** Length of the effective interval in seconds, or null. */
function intervalSeconds(body) {
  const t = effectiveTime(body);
  if (t.start && t.end && t.end > t.start) return (t.end - t.start) / 1000;
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// The data types
//
// Each entry: label; `series` (chart series: key, label, canonical unit and how to read it from a body);
// `text(body)` the short table text. A series `read(body)` returns a quantity {value, unit} or null.

const uv = (key) => (body) => unitValue(body[key]);

/** A duration field as a quantity in hours. */
const hoursOf = (read) => (body) => {
  const secs = durationSeconds(read(body));
  return secs === null ? null : { value: secs / 3600, unit: 'h' };
};

/** Notes in parentheses after the value, skipping empty ones: "(fasting, average)". */
function notes(...items) {
  const list = items.filter((x) => typeof x === 'string' && x.trim());
  return list.length ? ` (${list.join(', ')})` : '';
}

function simpleType(label, key, unit, seriesLabel, extraNotes) {
  return {
    label,
    series: [{ key, label: seriesLabel || label, unit, read: uv(key) }],
    text: (b) => {
      const q = unitValue(b[key]);
      if (!q) return '';
      return quantityText(q) + notes(...(extraNotes ? extraNotes(b) : []), b.descriptive_statistic);
    },
  };
}

const TYPES = {
  'blood-glucose': simpleType('Blood glucose', 'blood_glucose', 'mg/dL', 'Blood glucose', (b) => [
    b.temporal_relationship_to_meal,
    b.temporal_relationship_to_sleep,
  ]),
  'blood-pressure': {
    label: 'Blood pressure',
    series: [
      { key: 'systolic_blood_pressure', label: 'Systolic', unit: 'mmHg', read: uv('systolic_blood_pressure') },
      { key: 'diastolic_blood_pressure', label: 'Diastolic', unit: 'mmHg', read: uv('diastolic_blood_pressure') },
    ],
    text: (b) => {
      const sys = unitValue(b.systolic_blood_pressure);
      const dia = unitValue(b.diastolic_blood_pressure);
      if (!sys && !dia) return '';
      let main;
      if (sys && dia && sys.unit === dia.unit) {
        main = `${formatNumber(sys.value)}/${formatNumber(dia.value)} ${unitText(sys.unit)}`;
      } else {
        main = `${sys ? quantityText(sys) : '?'} / ${dia ? quantityText(dia) : '?'}`;
      }
      return main + notes(b.body_posture, b.descriptive_statistic);
    },
  },
  'heart-rate': simpleType('Heart rate', 'heart_rate', 'beats/min', 'Heart rate', (b) => [
    b.temporal_relationship_to_physical_activity,
    b.temporal_relationship_to_sleep,
  ]),
  'body-temperature': simpleType('Body temperature', 'body_temperature', 'C', 'Temperature', (b) => [
    b.measurement_location,
  ]),
  'oxygen-saturation': {
    label: 'Oxygen saturation',
    series: [{ key: 'oxygen_saturation', label: 'SpO₂', unit: '%', read: uv('oxygen_saturation') }],
    text: (b) => {
      const q = unitValue(b.oxygen_saturation);
      if (!q) return '';
      const flow = unitValue(b.supplemental_oxygen_flow_rate);
      const o2 = flow && flow.value > 0 ? `with ${quantityText(flow)} O₂` : '';
      return quantityText(q) + notes(o2, b.descriptive_statistic);
    },
  },
  'respiratory-rate': simpleType('Respiratory rate', 'respiratory_rate', 'breaths/min', 'Respiratory rate', (b) => [
    b.temporal_relationship_to_physical_activity,
  ]),
  'rr-interval': simpleType('RR interval', 'rr_interval', 'ms', 'RR interval'),
  'step-count': {
    label: 'Step count',
    series: [{ key: 'step_count', label: 'Steps', unit: 'steps', read: uv('step_count') }],
    text: (b) => {
      const q = unitValue(b.step_count);
      if (!q) return '';
      const period = intervalSeconds(b);
      return `${formatNumber(q.value)} ${q.unit || 'steps'}` + notes(period ? `over ${formatDuration(period)}` : '');
    },
  },
  'physical-activity': {
    label: 'Physical activity',
    series: [
      {
        key: 'duration',
        label: 'Duration',
        unit: 'h',
        read: (b) => {
          const s = intervalSeconds(b);
          return s === null ? null : { value: s / 3600, unit: 'h' };
        },
      },
      { key: 'distance', label: 'Distance', unit: 'km', read: uv('distance') },
      { key: 'kcal_burned', label: 'Energy', unit: 'kcal', read: uv('kcal_burned') },
    ],
    text: (b) => {
      const parts = [];
      if (typeof b.activity_name === 'string' && b.activity_name) parts.push(b.activity_name);
      const s = intervalSeconds(b);
      if (s) parts.push(formatDuration(s));
      const dist = unitValue(b.distance);
      if (dist) parts.push(quantityText(dist));
      const kcal = unitValue(b.kcal_burned);
      if (kcal) parts.push(quantityText(kcal));
      if (b.reported_activity_intensity) parts.push(`${b.reported_activity_intensity} intensity`);
      return parts.join(', ');
    },
  },
  'sleep-duration': {
    label: 'Sleep duration',
    series: [{ key: 'sleep_duration', label: 'Sleep', unit: 'h', read: hoursOf((b) => b.sleep_duration) }],
    text: (b) => {
      const t = durationText(b.sleep_duration);
      return t ? t + notes(b.descriptive_statistic) : '';
    },
  },
  'sleep-episode': {
    label: 'Sleep episode',
    series: [
      {
        key: 'total_sleep_time',
        label: 'Total sleep',
        unit: 'h',
        read: (b) => {
          const secs = durationSeconds(b.total_sleep_time);
          if (secs !== null) return { value: secs / 3600, unit: 'h' };
          const s = intervalSeconds(b);
          return s === null ? null : { value: s / 3600, unit: 'h' };
        },
      },
    ],
    text: (b) => {
      const parts = [];
      const total = durationSeconds(b.total_sleep_time);
      const span = intervalSeconds(b);
      if (total !== null) parts.push(`${formatDuration(total)} asleep`);
      else if (span !== null) parts.push(`${formatDuration(span)} in bed`);
      if (isNumber(b.number_of_awakenings)) {
        parts.push(`${b.number_of_awakenings} awakening${b.number_of_awakenings === 1 ? '' : 's'}`);
      }
      const eff = unitValue(b.sleep_maintenance_efficiency_percentage);
      if (eff) parts.push(`${quantityText(eff)} efficiency`);
      if (b.is_main_sleep === true) parts.push('main sleep');
      return parts.join(', ');
    },
  },
  'sleep-stage-summary': {
    label: 'Sleep stage summary',
    series: [
      ['total_sleep_time', 'Total sleep'],
      ['rem_sleep_duration', 'REM'],
      ['deep_sleep_duration', 'Deep'],
      ['light_sleep_duration', 'Light'],
      ['awake_duration', 'Awake'],
    ].map(([key, label]) => ({
      key,
      label,
      unit: 'h',
      read: hoursOf((b) => (isObject(b.sleep_stage_summary) ? b.sleep_stage_summary[key] : null)),
    })),
    text: (b) => {
      const s = isObject(b.sleep_stage_summary) ? b.sleep_stage_summary : {};
      const parts = [];
      const total = durationText(s.total_sleep_time);
      if (total) parts.push(`${total} asleep`);
      for (const [key, label] of [
        ['rem_sleep_duration', 'REM'],
        ['deep_sleep_duration', 'deep'],
        ['light_sleep_duration', 'light'],
      ]) {
        const t = durationText(s[key]);
        if (t) parts.push(`${label} ${t}`);
      }
      return parts.join(', ');
    },
  },
  'body-weight': simpleType('Body weight', 'body_weight', 'kg', 'Weight'),
  'body-mass-index': simpleType('Body mass index', 'body_mass_index', 'kg/m^2', 'BMI'),
  'forced-vital-capacity': simpleType('Forced vital capacity', 'forced_vital_capacity', 'L', 'FVC', (b) => [
    b.measurement_quality,
  ]),
  'forced-expiratory-volume-1-second': simpleType(
    'Forced expiratory volume in 1 second',
    'forced_expiratory_volume_1_second',
    'L',
    'FEV1',
    (b) => [b.measurement_quality],
  ),
};

// ---------------------------------------------------------------------------------------------------------------
// Fallback for data types this module does not know: every top-level `{value, unit}` with a number is a series.

function humanize(key) {
  const s = String(key).replace(/[_-]+/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function genericSeries(dataPoints) {
  const seen = new Map();
  for (const dp of dataPoints || []) {
    const body = isObject(dp) && isObject(dp.body) ? dp.body : {};
    for (const [key, v] of Object.entries(body)) {
      const q = unitValue(v);
      if (q && !seen.has(key)) seen.set(key, { key, label: humanize(key), unit: q.unit, read: uv(key) });
    }
  }
  return [...seen.values()];
}

function genericText(body) {
  const parts = [];
  for (const [key, v] of Object.entries(body)) {
    if (key === 'effective_time_frame') continue;
    const q = unitValue(v);
    if (q) parts.push(`${humanize(key)}: ${quantityText(q)}`);
    else if (typeof v === 'string' || isNumber(v) || typeof v === 'boolean') parts.push(`${humanize(key)}: ${v}`);
    if (parts.length >= 3) break;
  }
  return parts.join('; ');
}

// ---------------------------------------------------------------------------------------------------------------
// Public API

/** The people-facing name of a data type ("Blood pressure"); unknown names are humanized. */
export function typeLabel(codeOrName) {
  const name = typeName(codeOrName);
  return TYPES[name] ? TYPES[name].label : humanize(name || 'unknown');
}

/** Whether this module knows the type (and so how to chart it without looking at the data). */
export function isKnownType(codeOrName) {
  return Object.prototype.hasOwnProperty.call(TYPES, typeName(codeOrName));
}

/** Types with a numeric chart: [{name, label}]. */
export function chartableTypes() {
  return Object.entries(TYPES).map(([name, t]) => ({ name, label: t.label }));
}

/** Decode base64 (of UTF-8 JSON) into an object; null when it is not JSON. */
export function decodeAttachment(base64) {
  if (typeof base64 !== 'string' || !base64) return null;
  try {
    const bin = atob(base64.replace(/\s+/g, ''));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder('utf-8').decode(bytes));
  } catch (_) {
    return null;
  }
}

/** The useful parts of a FHIR Observation resource, with its decoded data point. */
export function fromFhirObservation(resource) {
  const r = isObject(resource) ? resource : {};
  const coding = (r.code && Array.isArray(r.code.coding) && r.code.coding[0]) || {};
  const ref = (r.subject && r.subject.reference) || '';
  const m = /^Patient\/(.+)$/.exec(ref);
  let effective = null;
  if (r.effectiveDateTime) effective = r.effectiveDateTime;
  else if (r.effectivePeriod) effective = r.effectivePeriod.start || r.effectivePeriod.end || null;
  const attachment = r.valueAttachment || {};
  return {
    id: r.id,
    system: coding.system || '',
    code: coding.code || '',
    display: coding.display || '',
    patientId: m ? m[1] : '',
    effective,
    lastUpdated: (r.meta && r.meta.lastUpdated) || '',
    dataPoint: decodeAttachment(attachment.data),
  };
}

/** The body of a data point (or the object itself if it has no `body`). */
function bodyOf(dataPoint) {
  if (!isObject(dataPoint)) return {};
  return isObject(dataPoint.body) ? dataPoint.body : dataPoint;
}

/** A short text for a table cell: "120/80 mmHg", "98 beats/min", "5.4 mmol/L (fasting)", "6,500 steps". */
export function describe(code, dataPoint) {
  const body = bodyOf(dataPoint);
  const t = TYPES[typeName(code)];
  let text = '';
  try {
    text = t ? t.text(body) : genericText(body);
  } catch (_) {
    text = '';
  }
  if (!text && t) text = genericText(body); // a known type with unexpected content
  return text || '—';
}

/** The chart series of a type: [{key, label, unit}] (units as written for people in `unitLabel`). */
export function seriesSpec(code, dataPoints) {
  const t = TYPES[typeName(code)];
  const list = t ? t.series : genericSeries(dataPoints);
  return list.map((s) => ({ key: s.key, label: s.label, unit: s.unit, unitLabel: unitText(s.unit) }));
}

function seriesReaders(code, dataPoints) {
  const t = TYPES[typeName(code)];
  return t ? t.series : genericSeries(dataPoints);
}

/**
 * The time a sample is plotted at: the instant, or the start of an interval (end when only that is known). A data
 * point without an effective time (allowed for RR intervals) falls back to its header's creation time.
 */
function sampleTime(dataPoint) {
  const body = bodyOf(dataPoint);
  const t = effectiveTime(body);
  let d = t.start || t.end;
  if (!d && !body.effective_time_frame && isObject(dataPoint) && isObject(dataPoint.header)) {
    d = parseDate(dataPoint.header.source_creation_date_time);
  }
  return d ? d.getTime() : null;
}

/**
 * The unit each series is drawn in: the unit of the first data point that has a value, when the series' own unit
 * can be converted to it (a patient measuring in mmol/L gets a mmol/L chart); otherwise the series' unit.
 */
function chooseUnits(readers, dataPoints) {
  return readers.map((s) => {
    for (const dp of dataPoints) {
      let q = null;
      try {
        q = s.read(bodyOf(dp));
      } catch (_) {
        q = null;
      }
      if (!q) continue;
      if (q.unit && q.unit !== s.unit && CONVERT[q.unit] && CONVERT[q.unit][s.unit]) return q.unit;
      return s.unit;
    }
    return s.unit;
  });
}

/**
 * One chart sample of a data point: {time, values} with values in `units` (default: the series' units); null if
 * there is nothing to plot.
 */
export function toSample(code, dataPoint, readers, units) {
  const body = bodyOf(dataPoint);
  const time = sampleTime(dataPoint);
  if (time === null) return null;
  const list = readers || seriesReaders(code, [dataPoint]);
  let any = false;
  const values = list.map((s, i) => {
    let q = null;
    try {
      q = s.read(body);
    } catch (_) {
      q = null;
    }
    const v = convert(q, units ? units[i] : s.unit);
    if (v === null || !Number.isFinite(v)) return null;
    any = true;
    return v;
  });
  return any ? { time, values } : null;
}

/**
 * Chart data for many data points of one type, in time order. Points without a time or a plottable value are
 * counted in `skipped`. Series with no value at all are dropped (an activity without distances).
 */
export function buildSeries(code, dataPoints) {
  const points = Array.isArray(dataPoints) ? dataPoints : [];
  const readers = seriesReaders(code, points);
  const units = chooseUnits(readers, points);
  const samples = [];
  let skipped = 0;
  for (const dp of points) {
    const s = toSample(code, dp, readers, units);
    if (s) samples.push(s);
    else skipped += 1;
  }
  samples.sort((a, b) => a.time - b.time);
  const keep = readers.map((_, i) => samples.some((s) => s.values[i] !== null));
  const series = readers
    .map((s, i) => ({ key: s.key, label: s.label, unit: units[i], unitLabel: unitText(units[i]) }))
    .filter((_, i) => keep[i]);
  const values = series.map(() => []);
  const times = [];
  for (const s of samples) {
    times.push(s.time);
    let j = 0;
    s.values.forEach((v, i) => {
      if (keep[i]) values[j++].push(v);
    });
  }
  return { series, times, values, skipped };
}
