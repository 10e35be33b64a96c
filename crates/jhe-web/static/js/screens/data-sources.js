// Data sources: the devices and apps observations come from, with the data types (scopes) each supports.
//
// API: GET/POST /data_sources, PATCH/DELETE /data_sources/{id}, GET /data_sources/all_scopes,
// GET/POST/DELETE /data_sources/{id}/supported_scopes ({scope_code_id}). Writes need `data_source.manage`
// (superusers); everyone signed in can read.

const TYPES = [
  { value: 'personal_device', label: 'Personal device' },
  { value: 'medical_device', label: 'Medical device' },
  { value: 'patient_app', label: 'Patient app' },
];
const typeLabel = (t) => (TYPES.find((x) => x.value === t) || { label: t || '' }).label;

/**
 * After a list in a dialog is rebuilt, the button that was clicked is gone; put the focus back inside the dialog
 * (on the picker, else the close button) so keyboard users, and Escape, keep working.
 */
function keepFocus(content) {
  const dialog = content.closest('.modal');
  if (!dialog || dialog.contains(document.activeElement)) return;
  const target = content.querySelector('select') || dialog.querySelector('.btn-close');
  if (target) target.focus();
}

export async function render(view, ctx) {
  const { api, ui, session } = ctx;
  const { h } = ui;
  const canManage = session.can('data_source.manage');

  const fields = [
    { name: 'name', label: 'Name', required: true, autocomplete: 'off' },
    { name: 'type', label: 'Type', type: 'select', required: true, options: TYPES },
  ];

  const createBtn = ui.button('Add data source', {
    icon: 'plus-lg',
    testid: 'create-data-source',
    onClick: async () => {
      const created = await ui.formModal({
        title: 'Add data source',
        fields,
        values: { type: 'personal_device' },
        submitLabel: 'Create',
        testid: 'data-source-form',
        onSubmit: (v) => api.post('/data_sources', { name: v.name, type: v.type }),
      });
      if (created) {
        ui.toast(`Data source “${created.name}” created.`);
        await load();
      }
    },
  });
  const header = ui.pageHeader('Data sources', canManage ? createBtn : null);
  const body = h('div');
  ui.clear(view, header, body);

  async function load() {
    ui.clear(body, ui.spinner());
    let items;
    try {
      items = await api.getAll('/data_sources');
    } catch (error) {
      ui.showError(body, error);
      return;
    }
    const scopeList = (ds) => {
      const scopes = ds.supportedScopes || [];
      if (!scopes.length) return h('span', { class: 'text-secondary' }, 'None');
      return h(
        'ul',
        { class: 'list-inline mb-0' },
        scopes.map((s) => h('li', { class: 'list-inline-item' }, ui.badge(s.text, 'info'))),
      );
    };
    const actions = (ds) =>
      ui.rowActions(ds.name, {
        before: ui.button('Scopes', {
          variant: 'outline-secondary',
          size: 'sm',
          icon: 'list-check',
          ariaLabel: `Supported scopes of ${ds.name}`,
          onClick: () => openScopes(ds),
        }),
        onEdit: canManage ? () => edit(ds) : null,
        onDelete: canManage ? () => remove(ds) : null,
      });
    ui.clear(
      body,
      ui.table({
        testid: 'data-sources-table',
        caption: `${items.length} data source${items.length === 1 ? '' : 's'}`,
        emptyText: 'No data sources yet.',
        rows: items,
        columns: [
          { label: 'ID', value: (ds) => String(ds.id) },
          { label: 'Name', value: (ds) => ds.name },
          { label: 'Type', value: (ds) => typeLabel(ds.type) },
          { label: 'Supported scopes', value: scopeList },
          { label: h('span', { class: 'visually-hidden' }, 'Actions'), value: actions, className: 'text-end' },
        ],
      }),
    );
  }

  async function edit(ds) {
    const saved = await ui.formModal({
      title: `Edit data source ${ds.id}`,
      fields,
      values: { name: ds.name, type: ds.type },
      testid: 'data-source-form',
      onSubmit: (v) => api.patch(`/data_sources/${ds.id}`, { name: v.name, type: v.type }),
    });
    if (saved) {
      ui.toast('Data source saved.');
      await load();
    }
  }

  async function remove(ds) {
    const outcome = await ui.confirmDelete({
      title: 'Delete data source',
      message: `Delete “${ds.name}” (${ds.id})? Studies and apps linked to it lose the link.`,
      request: () => api.del(`/data_sources/${ds.id}`),
      success: 'Data source deleted.',
    });
    if (outcome !== null) await load();
  }

  // The supported scopes of one data source, in a dialog: list with remove buttons, and a picker to add one.
  async function openScopes(ds) {
    const content = h('div', null, ui.spinner());
    const modal = ui.openModal({
      title: `Supported scopes of ${ds.name}`,
      body: content,
      testid: 'supported-scopes-dialog',
      onClose: () => load(),
    });
    let allScopes = [];
    try {
      allScopes = await api.get('/data_sources/all_scopes');
    } catch (error) {
      ui.showError(content, error);
      return;
    }
    const message = h('div', { 'aria-live': 'polite' });

    async function refresh() {
      let current;
      try {
        current = await api.get(`/data_sources/${ds.id}/supported_scopes`);
      } catch (error) {
        ui.showError(content, error);
        return;
      }
      current = Array.isArray(current) ? current : current.results || [];
      const have = new Set(current.map((s) => s.scopeCode.id));
      const list = current.length
        ? h(
            'ul',
            { class: 'list-group mb-3', testid: 'supported-scopes' },
            current.map((s) =>
              h(
                'li',
                { class: 'list-group-item d-flex justify-content-between align-items-center gap-2' },
                h('span', null, s.scopeCode.text, ' ', h('code', { class: 'small' }, s.scopeCode.codingCode)),
                canManage
                  ? ui.button('Remove', {
                      variant: 'outline-danger',
                      size: 'sm',
                      icon: 'x-lg',
                      ariaLabel: `Remove ${s.scopeCode.text}`,
                      onClick: async () => {
                        try {
                          await api.del(`/data_sources/${ds.id}/supported_scopes`, { scope_code_id: s.scopeCode.id });
                          await refresh();
                        } catch (error) {
                          ui.clear(message, ui.alertBox(ui.errorMessage(error)));
                        }
                      },
                    })
                  : null,
              ),
            ),
          )
        : ui.emptyState('This data source supports no scopes yet.');
      let adder = null;
      const choices = allScopes.filter((s) => !have.has(s.id));
      if (canManage && choices.length) {
        const picker = ui.selectField({
          id: `ds-${ds.id}-add-scope`,
          label: 'Add a scope',
          className: 'flex-grow-1',
          options: choices.map((s) => ({ value: s.id, label: `${s.text} (${s.codingCode})` })),
        });
        const addBtn = ui.button('Add', {
          icon: 'plus-lg',
          testid: 'add-scope',
          onClick: async () => {
            addBtn.disabled = true;
            try {
              await api.post(`/data_sources/${ds.id}/supported_scopes`, {
                scope_code_id: Number(picker.select.value),
              });
              ui.clear(message);
              await refresh();
            } catch (error) {
              ui.clear(message, ui.alertBox(ui.errorMessage(error)));
              addBtn.disabled = false;
            }
          },
        });
        adder = h('div', { class: 'd-flex align-items-end gap-2' }, picker.element, h('div', { class: 'mb-3' }, addBtn));
      }
      ui.clear(content, message, list, adder);
      keepFocus(content);
    }
    await refresh();
    return modal;
  }

  await load();
}
