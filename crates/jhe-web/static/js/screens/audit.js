// Audit log (superusers): GET /audit_events?patient_id&actor&since&until&page&page_size, newest first.
//
// Route state: patientId, actor (user id), since, until (YYYY-MM-DD; `until` is inclusive here and sent to the
// server as the next day, because the API's `until` is exclusive), page, pageSize.

const PAGE_SIZES = [20, 50, 100, 500];


/** "2025-03-10" -> "2025-03-11" (calendar arithmetic in UTC). */
function nextDay(date) {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return undefined;
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const OUTCOME_VARIANT = { success: 'success', denied: 'warning', failed: 'danger' };

export async function render(view, ctx) {
  const { api, ui, session, params } = ctx;
  const { h } = ui;

  if (!session.can('audit.read')) {
    ui.clear(view, ui.pageHeader('Audit log'), ui.alertBox('Only superusers can read the audit log.', 'warning'));
    return;
  }

  const state = {
    patientId: params.get('patientId') || '',
    actor: params.get('actor') || '',
    since: params.get('since') || '',
    until: params.get('until') || '',
    page: ui.intParam(params, 'page', 1),
    pageSize: ui.intParam(params, 'pageSize', 20),
  };
  const go = (changes) => {
    const next = { ...state, ...changes };
    const out = {};
    for (const [k, v] of Object.entries(next)) {
      if (v === '' || v === null || v === undefined) continue;
      if ((k === 'page' && v === 1) || (k === 'pageSize' && v === 20)) continue;
      out[k] = String(v);
    }
    ctx.navigate('audit', out);
  };

  // Filters: a real form, applied with the button or Enter.
  const input = (id, label, type, value, extra = {}) => {
    const el = h('input', { id, name: id, type, class: 'form-control', value, ...extra });
    return { el, wrap: h('div', null, h('label', { class: 'form-label', for: id }, label), el) };
  };
  const patient = input('audit-patient', 'Patient ID', 'number', state.patientId, { min: '1', inputmode: 'numeric' });
  const actor = input('audit-actor', 'Actor user ID', 'number', state.actor, { min: '1', inputmode: 'numeric' });
  const since = input('audit-since', 'From', 'date', state.since);
  const until = input('audit-until', 'To (inclusive)', 'date', state.until);
  const filters = h(
    'form',
    { class: 'row g-3 align-items-start mb-3', role: 'search', 'aria-label': 'Filter audit events', novalidate: true },
    h('div', { class: 'col-6 col-md-3 col-xl-2' }, patient.wrap),
    h('div', { class: 'col-6 col-md-3 col-xl-2' }, actor.wrap),
    h('div', { class: 'col-6 col-md-3 col-xl-2' }, since.wrap),
    h('div', { class: 'col-6 col-md-3 col-xl-2' }, until.wrap),
    h(
      'div',
      { class: 'col-12 col-xl-4' },
      // An empty label-sized line keeps the buttons level with the inputs.
      h('div', { class: 'form-label invisible d-none d-xl-block', 'aria-hidden': 'true' }, '\u00a0'),
      h('div', { class: 'd-flex gap-2' },
      ui.button('Apply', { type: 'submit', icon: 'funnel', testid: 'audit-apply' }),
      ui.button('Clear', {
        variant: 'outline-secondary',
        icon: 'x-circle',
        onClick: () => go({ patientId: '', actor: '', since: '', until: '', page: 1 }),
      })),
    ),
  );
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    go({
      patientId: patient.el.value.trim(),
      actor: actor.el.value.trim(),
      since: since.el.value,
      until: until.el.value,
      page: 1,
    });
  });

  const body = h('div', null, ui.spinner());
  ui.clear(view, ui.pageHeader('Audit log'), filters, body);

  let data;
  try {
    data = await api.get('/audit_events', {
      patient_id: state.patientId || undefined,
      actor: state.actor || undefined,
      since: state.since || undefined,
      until: state.until ? nextDay(state.until) : undefined,
      page: state.page,
      pageSize: state.pageSize,
    });
  } catch (error) {
    if (error.status === 404 && state.page > 1) {
      go({ page: 1 });
      return;
    }
    // Field errors of the filters (e.g. a malformed date) go next to the filter.
    const map = { patient_id: patient, actor, since, until };
    let placed = false;
    for (const [field, messages] of Object.entries(error.fieldErrors || {})) {
      const target = map[field] || map[ui.toSnake(field)];
      if (!target) continue;
      placed = true;
      target.el.classList.add('is-invalid');
      const fb = h('div', { class: 'invalid-feedback d-block', id: `${target.el.id}-error` }, messages.join(' '));
      target.el.setAttribute('aria-describedby', fb.id);
      target.wrap.append(fb);
    }
    ui.showError(body, placed && !error.detail ? new api.ApiError({ status: 400, message: 'Please correct the marked filters.' }) : error);
    return;
  }

  const rows = data.results || [];
  const cell = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));
  ui.clear(
    body,
    ui.table({
      testid: 'audit-table',
      emptyText: 'No audit events match these filters.',
      rows,
      columns: [
        { label: 'ID', value: (e) => String(e.id) },
        { label: 'Time', value: (e) => h('span', { class: 'text-nowrap' }, ui.formatDateTime(e.occurredAt)) },
        { label: 'Action', value: (e) => h('code', null, e.action) },
        { label: 'Outcome', value: (e) => ui.badge(e.outcome, OUTCOME_VARIANT[e.outcome] || 'secondary') },
        { label: 'Actor (user ID)', value: (e) => cell(e.actorUserId) },
        { label: 'Target', value: (e) => `${e.targetType}${e.targetId ? ` ${e.targetId}` : ''}` },
        { label: 'Patients', value: (e) => (e.patientIds && e.patientIds.length ? e.patientIds.join(', ') : '—') },
        { label: 'Detail', value: (e) => h('span', { class: 'small text-break' }, cell(e.detail)) },
      ],
    }),
    ui.pager({
      count: data.count || 0,
      page: state.page,
      pageSize: state.pageSize,
      pageSizes: PAGE_SIZES,
      onChange: (page, pageSize) => go({ page, pageSize }),
    }),
  );
}
