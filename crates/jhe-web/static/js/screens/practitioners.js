// Practitioners (superusers): GET/POST /practitioners, GET/PATCH/DELETE /practitioners/{id}.
//
// Route state: page, pageSize (20, 100, 500 or 1000). The list endpoint always answers 1000 per page (the
// reference's global pagination ignores page_size), so the UI asks for the server page holding the rows it shows
// and slices it: every offered page size divides 1000.

const PAGE_SIZES = [20, 100, 500, 1000];
const SERVER_PAGE = 1000;


export async function render(view, ctx) {
  const { api, ui, session, params } = ctx;
  const { h } = ui;

  if (!session.can('practitioner.manage')) {
    ui.clear(view, ui.pageHeader('Practitioners'), ui.alertBox('Only superusers can manage practitioners.', 'warning'));
    return;
  }

  let page = ui.intParam(params, 'page', 1);
  let pageSize = ui.intParam(params, 'pageSize', 20);
  if (!PAGE_SIZES.includes(pageSize)) pageSize = 20;
  const go = (p, size) => {
    const out = {};
    if (p > 1) out.page = String(p);
    if (size !== 20) out.pageSize = String(size);
    ctx.navigate('practitioners', out);
  };

  const selection = new Set();
  const deleteSelected = ui.button('Delete selected', {
    variant: 'outline-danger',
    icon: 'trash',
    testid: 'delete-selected-practitioners',
    disabled: true,
    onClick: () => removeMany([...selection]),
  });
  const addBtn = ui.button('Add practitioner', { icon: 'person-plus', testid: 'create-practitioner', onClick: () => add() });
  const body = h('div');
  ui.clear(view, ui.pageHeader('Practitioners', deleteSelected, addBtn), body);

  const nameFields = [
    { name: 'nameFamily', label: 'Family name', required: true, autocomplete: 'off' },
    { name: 'nameGiven', label: 'Given name', required: true, autocomplete: 'off' },
  ];

  async function load() {
    ui.clear(body, ui.spinner());
    selection.clear();
    deleteSelected.disabled = true;
    const first = (page - 1) * pageSize;
    const serverPage = Math.floor(first / SERVER_PAGE) + 1;
    let data;
    try {
      data = await api.get('/practitioners', { page: serverPage });
    } catch (error) {
      if (error.status === 404 && page > 1) {
        go(1, pageSize);
        return;
      }
      ui.showError(body, error);
      return;
    }
    const results = Array.isArray(data) ? data : data.results || [];
    const count = Array.isArray(data) ? data.length : data.count || 0;
    const offset = first % SERVER_PAGE;
    const rows = results.slice(offset, offset + pageSize);
    const actions = (p) =>
      ui.rowActions(`practitioner ${p.id}`, {
        before: ui.button('View', { variant: 'outline-secondary', size: 'sm', icon: 'eye', ariaLabel: `View practitioner ${p.id}`, onClick: () => show(p) }),
        onEdit: () => edit(p),
        onDelete: () => removeMany([p.id]),
      });
    ui.clear(
      body,
      ui.table({
        testid: 'practitioners-table',
        emptyText: 'No practitioners.',
        rows,
        rowKey: (p) => p.id,
        selection,
        selectLabel: (p) => `Select practitioner ${p.id} (${p.telecomEmail})`,
        onSelectionChange: (set) => {
          deleteSelected.disabled = set.size === 0;
        },
        columns: [
          { label: 'Practitioner ID', value: (p) => String(p.id) },
          { label: 'User ID', value: (p) => String(p.jheUserId ?? '') },
          { label: 'E-mail', value: (p) => p.telecomEmail || '' },
          { label: 'Family name', value: (p) => p.nameFamily || '' },
          { label: 'Given name', value: (p) => p.nameGiven || '' },
          { label: h('span', { class: 'visually-hidden' }, 'Actions'), value: actions, className: 'text-end' },
        ],
      }),
      ui.pager({ count, page, pageSize, pageSizes: PAGE_SIZES, onChange: (p, size) => go(p, size) }),
    );
  }

  async function add() {
    const created = await ui.formModal({
      title: 'Add practitioner',
      testid: 'practitioner-form',
      submitLabel: 'Create',
      intro: 'An existing account with this e-mail is reused; otherwise a new account is created.',
      fields: [
        { name: 'telecomEmail', label: 'E-mail', type: 'email', required: true, autocomplete: 'off' },
        ...nameFields,
      ],
      onSubmit: (v) =>
        api.post('/practitioners', { telecomEmail: v.telecomEmail, nameFamily: v.nameFamily, nameGiven: v.nameGiven }),
    });
    if (created) {
      ui.toast(`Practitioner ${created.telecomEmail} added.`);
      await load();
    }
  }

  async function show(p) {
    const content = h('div', null, ui.spinner());
    ui.openModal({ title: `Practitioner ${p.id}`, body: content, testid: 'practitioner-view' });
    let full = p;
    try {
      full = await api.get(`/practitioners/${p.id}`);
    } catch (error) {
      ui.showError(content, error);
      return;
    }
    const row = (label, value) => [h('dt', { class: 'col-sm-4' }, label), h('dd', { class: 'col-sm-8' }, value || '—')];
    const orgs = full.organizations || [];
    ui.clear(
      content,
      h(
        'dl',
        { class: 'row mb-3' },
        row('Practitioner ID', String(full.id)),
        row('User ID', String(full.jheUserId ?? '')),
        row('E-mail', full.telecomEmail),
        row('Family name', full.nameFamily),
        row('Given name', full.nameGiven),
      ),
      h('h3', { class: 'h6' }, 'Organizations'),
      orgs.length
        ? h('ul', { class: 'list-group' }, orgs.map((o) => h('li', { class: 'list-group-item' }, `${o.name} (${o.id})`)))
        : ui.emptyState('Not a member of any organization.'),
    );
  }

  async function edit(p) {
    const saved = await ui.formModal({
      title: `Edit practitioner ${p.id}`,
      testid: 'practitioner-form',
      intro: p.telecomEmail,
      fields: nameFields,
      values: { nameFamily: p.nameFamily || '', nameGiven: p.nameGiven || '' },
      onSubmit: (v) => api.patch(`/practitioners/${p.id}`, { nameFamily: v.nameFamily, nameGiven: v.nameGiven }),
    });
    if (saved) {
      ui.toast('Practitioner saved.');
      await load();
    }
  }

  async function removeMany(ids) {
    if (!ids.length) return;
    const ok = await ui.confirm({
      title: ids.length === 1 ? 'Delete practitioner' : `Delete ${ids.length} practitioners`,
      message:
        ids.length === 1
          ? `Delete practitioner ${ids[0]}? They lose access to every organization.`
          : `Delete practitioners ${ids.join(', ')}? They lose access to every organization.`,
    });
    if (!ok) return;
    const failures = [];
    for (const id of ids) {
      try {
        await api.del(`/practitioners/${id}`);
      } catch (error) {
        failures.push(`${id}: ${ui.errorMessage(error)}`);
      }
    }
    if (failures.length) ui.toast(`Not deleted — ${failures.join('; ')}`, 'danger');
    else ui.toast(ids.length === 1 ? 'Practitioner deleted.' : `${ids.length} practitioners deleted.`);
    await load();
  }

  await load();
}
