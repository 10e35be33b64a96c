// Observations: the Open mHealth data points the caller may see, as a decoded table and as a chart.
//
// Route state (query string): organizationId, studyId, patientId, scope (a scope code id from
// /data_sources/all_scopes), from, to (YYYY-MM-DD, inclusive), page, pageSize, view (table | chart).
//
// Where the rows come from:
//   - The table: the Admin API, GET /observations?organizationId&studyId&patientId&scopeCodeId&effectiveFrom
//     &effectiveTo&page&pageSize (newest first).
//   - The chart: every FHIR Observation of one patient and one data type in the date range, oldest first,
//     following the Bundle's `next` links up to CHART_LIMIT points.

import * as omh from '../omh.js';
import { renderTimeSeries } from '../chart.js';

const PAGE_SIZES = [20, 50, 100, 500];
const CHART_PAGE = 1000;
const CHART_LIMIT = 5000;


const patientName = (p) => [p.nameGiven, p.nameFamily].filter(Boolean).join(' ');

/** Patient lists are loaded for at most this many organizations of the selected subtree. */
const MAX_PATIENT_ORGS = 25;

/** The ids of an organization and all organizations below it (just the one when the tree cannot be read). */
async function subtreeIds(api, organizationId) {
  try {
    const tree = await api.get(`/organizations/${organizationId}/tree`);
    const ids = [];
    const walk = (node) => {
      if (!node || node.id === undefined) return;
      ids.push(String(node.id));
      (node.children || []).forEach(walk);
    };
    walk(tree);
    return ids.length ? ids : [String(organizationId)];
  } catch (_) {
    return [String(organizationId)];
  }
}

export async function render(view, ctx) {
  const { api, ui, params } = ctx;
  const { h } = ui;

  const state = {
    organizationId: params.get('organizationId') || '',
    studyId: params.get('studyId') || '',
    patientId: params.get('patientId') || '',
    scope: params.get('scope') || '',
    from: params.get('from') || '',
    to: params.get('to') || '',
    page: ui.intParam(params, 'page', 1),
    pageSize: ui.intParam(params, 'pageSize', 20),
    view: params.get('view') === 'chart' ? 'chart' : 'table',
  };

  const go = (changes) => {
    const next = { ...state, ...changes };
    const out = {};
    for (const [k, v] of Object.entries(next)) {
      if (v === '' || v === null || v === undefined) continue;
      if (k === 'page' && v === 1) continue;
      if (k === 'pageSize' && v === 20) continue;
      if (k === 'view' && v === 'table') continue;
      out[k] = String(v);
    }
    ctx.navigate('observations', out);
  };

  ui.clear(view, ui.pageHeader('Observations'), ui.spinner());

  // --- Filters -------------------------------------------------------------------------------------------------
  let orgPicker;
  let scopes;
  try {
    [orgPicker, scopes] = await Promise.all([
      ui.organizationPicker(api, {
        value: state.organizationId,
        id: 'obs-organization',
        className: 'mb-0',
        onChange: (v) => go({ organizationId: v, studyId: '', patientId: '', page: 1 }),
      }),
      api.get('/data_sources/all_scopes'),
    ]);
  } catch (error) {
    ui.showError(view, error);
    return;
  }
  // No organization chosen, or one the caller cannot see: take what the picker shows.
  if (!orgPicker.organizations.some((o) => String(o.id) === state.organizationId)) {
    state.organizationId = orgPicker.organizations.length ? String(orgPicker.select.value || '') : '';
  }
  scopes = Array.isArray(scopes) ? scopes : (scopes && scopes.results) || [];

  // The Admin API's organization filter covers the organization and everything below it; the FHIR search and
  // the patient list take one organization each, so the subtree's ids are used for both.
  const organizationIds = state.organizationId ? await subtreeIds(api, state.organizationId) : [];

  let studyPicker;
  let patients = [];
  try {
    const [sp, lists] = await Promise.all([
      ui.studyPicker(api, {
        organizationId: state.organizationId,
        value: state.studyId,
        id: 'obs-study',
        className: 'mb-0',
        onChange: (v) => go({ studyId: v, patientId: '', page: 1 }),
      }),
      Promise.all(
        (state.studyId ? [state.organizationId] : organizationIds.slice(0, MAX_PATIENT_ORGS)).map((id) =>
          api.getAll('/patients', { organizationId: id, studyId: state.studyId || undefined }),
        ),
      ),
    ]);
    studyPicker = sp;
    const seen = new Map();
    for (const p of lists.flat()) if (!seen.has(p.id)) seen.set(p.id, p);
    patients = [...seen.values()].sort(
      (a, b) => (a.nameFamily || '').localeCompare(b.nameFamily || '') || a.id - b.id,
    );
  } catch (error) {
    ui.showError(view, error);
    return;
  }
  const patientsById = new Map(patients.map((p) => [String(p.id), p]));
  if (state.patientId && !patientsById.has(state.patientId)) state.patientId = '';

  const patientSelect = ui.selectField({
    id: 'obs-patient',
    label: 'Patient',
    className: 'mb-0',
    value: state.patientId,
    testid: 'patient-filter',
    options: [
      { value: '', label: patients.length ? 'All patients' : 'No patients' },
      ...patients.map((p) => ({ value: p.id, label: `${patientName(p) || p.telecomEmail || 'Patient'} (${p.id})` })),
    ],
    onChange: (v) => go({ patientId: v, page: 1 }),
  });

  const scopeById = new Map(scopes.map((s) => [String(s.id), s]));
  if (state.scope && !scopeById.has(state.scope)) state.scope = '';
  const scopeSelect = ui.selectField({
    id: 'obs-scope',
    label: 'Data type',
    className: 'mb-0',
    value: state.scope,
    testid: 'scope-filter',
    options: [{ value: '', label: 'All data types' }, ...scopes.map((s) => ({ value: s.id, label: s.text }))],
    onChange: (v) => go({ scope: v, page: 1 }),
  });

  // A range that ends before it starts is refused next to the "To" field instead of being sent.
  const rangeError = state.from && state.to && state.to < state.from ? 'The end date is before the start date.' : '';
  const dateInput = (id, label, value, key) => {
    const invalid = key === 'to' && rangeError;
    const input = h('input', {
      id,
      type: 'date',
      class: `form-control${invalid ? ' is-invalid' : ''}`,
      value,
      testid: `${key}-filter`,
      'aria-describedby': invalid ? `${id}-error` : undefined,
    });
    input.addEventListener('change', () => go({ [key]: input.value, page: 1 }));
    return h(
      'div',
      null,
      h('label', { class: 'form-label', for: id }, label),
      input,
      invalid ? h('div', { class: 'invalid-feedback', id: `${id}-error` }, rangeError) : null,
    );
  };
  const filters = h(
    'form',
    { class: 'row g-3 align-items-start mb-3', role: 'search', 'aria-label': 'Filter observations' },
    h('div', { class: 'col-12 col-md-6 col-xl-3' }, orgPicker.element),
    h('div', { class: 'col-12 col-md-6 col-xl-3' }, studyPicker.element),
    h('div', { class: 'col-12 col-md-6 col-xl-3' }, patientSelect.element),
    h('div', { class: 'col-12 col-md-6 col-xl-3' }, scopeSelect.element),
    h('div', { class: 'col-6 col-lg-3 col-xl-2' }, dateInput('obs-from', 'From', state.from, 'from')),
    h('div', { class: 'col-6 col-lg-3 col-xl-2' }, dateInput('obs-to', 'To (inclusive)', state.to, 'to')),
    h(
      'div',
      { class: 'col-12 col-lg-6 col-xl-2' },
      // An empty label-sized line keeps the button level with the inputs when fields show errors.
      h('div', { class: 'form-label invisible d-none d-lg-block', 'aria-hidden': 'true' }, '\u00a0'),
      ui.button('Clear filters', {
        variant: 'outline-secondary',
        icon: 'x-circle',
        onClick: () => go({ studyId: '', patientId: '', scope: '', from: '', to: '', page: 1 }),
      }),
    ),
  );
  filters.addEventListener('submit', (e) => e.preventDefault());

  // --- Tabs ----------------------------------------------------------------------------------------------------
  const canChart = Boolean(state.patientId && state.scope);
  const tab = (name, label, iconName) => {
    const active = state.view === name;
    return h(
      'li',
      { class: 'nav-item', role: 'presentation' },
      h(
        'button',
        {
          type: 'button',
          class: `nav-link${active ? ' active' : ''}`,
          role: 'tab',
          id: `obs-tab-${name}`,
          'aria-selected': active ? 'true' : 'false',
          'aria-controls': 'obs-panel',
          testid: `tab-${name}`,
          onClick: () => {
            if (!active) go({ view: name });
          },
        },
        ui.icon(iconName),
        ` ${label}`,
      ),
    );
  };
  const tabs = h(
    'ul',
    { class: 'nav nav-tabs mb-3', role: 'tablist', 'aria-label': 'Observation views' },
    tab('table', 'Table', 'table'),
    tab('chart', 'Chart', 'graph-up'),
  );
  const panel = h('div', { id: 'obs-panel', role: 'tabpanel', 'aria-labelledby': `obs-tab-${state.view}` });

  ui.clear(view, ui.pageHeader('Observations'), filters, tabs, panel);

  if (!state.organizationId) {
    ui.clear(panel, ui.emptyState('You are not a member of any organization, so there are no observations to show.'));
    return;
  }

  if (rangeError) {
    ui.clear(panel, ui.alertBox('Please correct the date range.', 'warning'));
    return;
  }

  const scope = state.scope ? scopeById.get(state.scope) : null;
  const dateParams = () => {
    const list = [];
    if (state.from) list.push(`ge${state.from}`);
    if (state.to) list.push(`le${state.to}`);
    return list;
  };

  if (state.view === 'chart') {
    if (!canChart) {
      ui.clear(
        panel,
        h(
          'div',
          { class: 'alert alert-info', role: 'status' },
          'Choose a patient and a data type above to chart their measurements over time.',
        ),
      );
      return;
    }
    await renderChart(panel, ctx, { state, scope, patient: patientsById.get(state.patientId), dateParams });
    return;
  }
  await renderTable(panel, ctx, { state, scope, go });
}

// ---------------------------------------------------------------------------------------------------------------
// Table

/** A row from the Admin API item. */
function fromAdminItem(item) {
  const body = item.omhData && item.omhData.body;
  return {
    id: item.id,
    code: item.codingCode,
    typeText: item.codingText || omh.typeLabel(item.codingCode),
    patientId: item.subjectPatientId,
    patientName: [item.patientNameGiven, item.patientNameFamily].filter(Boolean).join(' '),
    effective: omh.effectiveTime(body).text,
    value: omh.describe(item.codingCode, item.omhData),
    json: item.omhData,
  };
}

async function loadRows(ctx, { state, scope }) {
  const data = await ctx.api.get('/observations', {
    organizationId: state.organizationId,
    studyId: state.studyId || undefined,
    patientId: state.patientId || undefined,
    scopeCodeId: scope ? scope.id : undefined,
    effectiveFrom: state.from || undefined,
    effectiveTo: state.to || undefined,
    page: state.page,
    pageSize: state.pageSize,
  });
  return { count: data.count || 0, rows: (data.results || []).map(fromAdminItem) };
}

async function renderTable(panel, ctx, opts) {
  const { ui } = ctx;
  const { h } = ui;
  const { state, go } = opts;
  ui.clear(panel, ui.spinner('Loading observations…'));
  let result;
  try {
    result = await loadRows(ctx, opts);
  } catch (error) {
    if (error && error.status === 404 && state.page > 1) {
      go({ page: 1 });
      return;
    }
    ui.showError(panel, error);
    return;
  }
  const { rows, count } = result;
  // Deleting is allowed per organization (`observation.delete`); the selected organization decides.
  const canDelete = ctx.session.can('observation.delete', state.organizationId);
  const deleteButton = (row) =>
    ui.button('Delete', {
      variant: 'outline-danger',
      size: 'sm',
      icon: 'trash',
      iconOnly: true,
      ariaLabel: `Delete observation ${row.id}`,
      title: `Delete observation ${row.id}`,
      onClick: async () => {
        const outcome = await ui.confirmDelete({
          title: 'Delete observation',
          message: `Delete observation ${row.id} (${row.typeText}, ${row.value})? This cannot be undone.`,
          request: () => ctx.api.del(`/observations/${row.id}`),
          success: 'Observation deleted.',
        });
        if (outcome !== null) await renderTable(panel, ctx, opts);
      },
    });
  const pager = ui.pager({
    count,
    page: state.page,
    pageSize: state.pageSize,
    pageSizes: PAGE_SIZES,
    onChange: (page, pageSize) => go({ page, pageSize }),
  });
  if (!rows.length) {
    ui.clear(panel, ui.emptyState('No observations match these filters.'));
    return;
  }

  const head = h(
    'thead',
    null,
    h(
      'tr',
      null,
      ['ID', 'Data type', 'Patient', 'Effective time', 'Value'].map((label) => h('th', { scope: 'col' }, label)),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Details')),
    ),
  );
  const body = h('tbody');
  for (const row of rows) {
    const detailId = `obs-json-${row.id}`;
    const detailRow = h(
      'tr',
      { id: detailId, hidden: true, class: 'obs-detail' },
      h(
        'td',
        { colspan: '6' },
        h('pre', { class: 'small bg-body-tertiary border rounded p-2 mb-0', tabindex: '0', 'aria-label': `Data of observation ${row.id}` }, JSON.stringify(row.json, null, 2)),
      ),
    );
    const toggle = ui.button('Details', {
      variant: 'outline-secondary',
      size: 'sm',
      icon: 'code-slash',
      ariaLabel: `Details of observation ${row.id}`,
    });
    toggle.setAttribute('aria-expanded', 'false');
    toggle.setAttribute('aria-controls', detailId);
    toggle.addEventListener('click', () => {
      const open = detailRow.hidden;
      detailRow.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
    });
    const patientCell = row.patientName ? `${row.patientName} (${row.patientId})` : String(row.patientId || '');
    body.append(
      h(
        'tr',
        { testid: 'observation-row' },
        h('td', null, String(row.id)),
        h('td', null, row.typeText),
        h('td', null, patientCell),
        h('td', null, row.effective || '—'),
        h('td', { class: 'fw-semibold' }, row.value),
        h('td', { class: 'text-end' }, h('div', { class: 'd-flex gap-1 justify-content-end text-nowrap' }, toggle, canDelete ? deleteButton(row) : null)),
      ),
      detailRow,
    );
  }
  const tableEl = h(
    'div',
    { class: 'table-responsive', testid: 'observations-table' },
    h(
      'table',
      { class: 'table table-sm align-middle' },
      h('caption', { class: 'visually-hidden' }, 'Observations, newest first'),
      head,
      body,
    ),
  );
  ui.clear(panel, tableEl, pager);
}

// ---------------------------------------------------------------------------------------------------------------
// Chart

/** The part of a FHIR `next` link after the FHIR base, for api.fhir(). */
function relativeFhirPath(url) {
  try {
    const u = new URL(url, window.location.origin);
    const i = u.pathname.indexOf('/FHIR/R5');
    if (i < 0) return null;
    return u.pathname.slice(i + '/FHIR/R5'.length) + u.search;
  } catch (_) {
    return null;
  }
}

async function renderChart(panel, ctx, { state, scope, patient, dateParams }) {
  const { api, ui } = ctx;
  const { h } = ui;
  ui.clear(panel, ui.spinner('Loading measurements…'));
  const q = new URLSearchParams();
  q.set('patient', state.patientId);
  q.set('code', `${scope.codingSystem}|${scope.codingCode}`);
  for (const d of dateParams()) q.append('date', d);
  q.set('_sort', 'date');
  q.set('_count', String(CHART_PAGE));

  const points = [];
  let truncated = false;
  try {
    let path = `/Observation?${q}`;
    while (path) {
      const bundle = await api.fhir(path);
      for (const e of bundle.entry || []) {
        const o = omh.fromFhirObservation(e.resource);
        if (o.dataPoint) points.push(o.dataPoint);
      }
      const next = (bundle.link || []).find((l) => l.relation === 'next');
      path = next ? relativeFhirPath(next.url) : null;
      if (path && points.length >= CHART_LIMIT) {
        truncated = true;
        path = null;
      }
    }
  } catch (error) {
    ui.showError(panel, error);
    return;
  }

  const data = omh.buildSeries(scope.codingCode, points);
  const who = patient ? `${patientName(patient) || 'Patient'} (${patient.id})` : `Patient ${state.patientId}`;
  const host = h('div', { testid: 'observation-chart' });
  const notes = [];
  if (truncated) notes.push(`Only the first ${points.length} measurements are shown; narrow the date range to see the rest.`);
  if (data.skipped) {
    notes.push(`${data.skipped} measurement${data.skipped === 1 ? ' has' : 's have'} no time or no numeric value and ${data.skipped === 1 ? 'is' : 'are'} not plotted.`);
  }
  ui.clear(panel, host, notes.length ? h('p', { class: 'small text-body-secondary' }, notes.join(' ')) : null);
  if (!points.length) {
    ui.clear(host, ui.emptyState(`No ${scope.text.toLowerCase()} measurements for ${who} in this period.`));
    return;
  }
  if (!data.series.length) {
    ui.clear(host, ui.emptyState(`This data type has no numeric values to chart. Use the table instead.`));
    return;
  }
  renderTimeSeries(host, { title: `${scope.text} — ${who}`, ...data });
}
