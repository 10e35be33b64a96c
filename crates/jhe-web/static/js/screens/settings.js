// System settings (superusers): the exchange's runtime settings, GET/POST /jhe_settings and
// PATCH/DELETE /jhe_settings/{id}. The request field is `value`; answers carry the typed `resolvedValue`.

const VALUE_TYPES = [
  { value: 'string', label: 'Text (string)' },
  { value: 'int', label: 'Whole number (int)' },
  { value: 'float', label: 'Number (float)' },
  { value: 'bool', label: 'Yes/no (bool)' },
  { value: 'json', label: 'JSON document (json)' },
];

/** The value as the form shows it. */
function valueText(setting) {
  const v = setting.resolvedValue;
  if (setting.valueType === 'json') return JSON.stringify(v, null, 2);
  if (v === null || v === undefined) return '';
  return String(v);
}

export async function render(view, ctx) {
  const { api, ui, session } = ctx;
  const { h } = ui;

  if (!session.can('setting.manage')) {
    ui.clear(view, ui.pageHeader('System settings'), ui.alertBox('Only superusers can see the system settings.', 'warning'));
    return;
  }

  const fields = [
    { name: 'key', label: 'Key', required: true, autocomplete: 'off', placeholder: 'site.url' },
    { name: 'valueType', label: 'Value type', type: 'select', required: true, options: VALUE_TYPES },
    {
      name: 'value',
      label: 'Value',
      type: 'textarea',
      rows: 3,
      help: 'Whole numbers like 7, yes/no as true or false, JSON as a JSON document.',
    },
  ];

  /** The request body; a JSON value is parsed here so a typo shows under the field. */
  function toBody(v) {
    let value = v.value;
    if (v.valueType === 'json') {
      try {
        value = JSON.parse(v.value);
      } catch (_) {
        throw new api.ApiError({
          status: 400,
          message: 'Please correct the marked fields.',
          fieldErrors: { value: ['This is not valid JSON.'] },
        });
      }
    }
    return { key: v.key, value_type: v.valueType, value };
  }

  const createBtn = ui.button('Add setting', {
    icon: 'plus-lg',
    testid: 'create-setting',
    onClick: async () => {
      const created = await ui.formModal({
        title: 'Add setting',
        fields,
        values: { valueType: 'string' },
        submitLabel: 'Create',
        testid: 'setting-form',
        onSubmit: (v) => api.post('/jhe_settings', toBody(v)),
      });
      if (created) {
        ui.toast(`Setting ${created.key} created.`);
        await load();
      }
    },
  });

  const body = h('div');
  ui.clear(view, ui.pageHeader('System settings', createBtn), body);

  async function load() {
    ui.clear(body, ui.spinner());
    let items;
    try {
      items = await api.getAll('/jhe_settings');
    } catch (error) {
      ui.showError(body, error);
      return;
    }
    ui.clear(
      body,
      ui.table({
        testid: 'settings-table',
        caption: `${items.length} setting${items.length === 1 ? '' : 's'}`,
        emptyText: 'No settings yet.',
        rows: items,
        columns: [
          { label: 'ID', value: (s) => String(s.id) },
          { label: 'Key', value: (s) => h('code', null, s.key) },
          { label: 'Value type', value: (s) => s.valueType },
          {
            label: 'Value',
            value: (s) =>
              s.valueType === 'json'
                ? h('pre', { class: 'small mb-0 text-break' }, valueText(s))
                : h('span', { class: 'text-break' }, valueText(s)),
          },
          { label: 'Last updated', value: (s) => h('span', { class: 'text-nowrap' }, ui.formatDateTime(s.lastUpdated)) },
          {
            label: h('span', { class: 'visually-hidden' }, 'Actions'),
            className: 'text-end',
            value: (s) => ui.rowActions(s.key, { onEdit: () => edit(s), onDelete: () => remove(s) }),
          },
        ],
      }),
    );
  }

  async function edit(s) {
    const saved = await ui.formModal({
      title: `Edit setting ${s.key}`,
      fields,
      values: { key: s.key, valueType: s.valueType, value: valueText(s) },
      testid: 'setting-form',
      onSubmit: (v) => api.patch(`/jhe_settings/${s.id}`, toBody(v)),
    });
    if (saved) {
      ui.toast('Setting saved.');
      await load();
    }
  }

  async function remove(s) {
    const outcome = await ui.confirmDelete({
      title: 'Delete setting',
      message: `Delete ${s.key}? The exchange falls back to its built-in default, if it has one.`,
      request: () => api.del(`/jhe_settings/${s.id}`),
      success: 'Setting deleted.',
    });
    if (outcome !== null) await load();
  }

  await load();
}
