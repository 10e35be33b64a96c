// Clients: the patient apps (public OAuth clients) patients are invited through, and the data sources each app
// can deliver data from.
//
// API: GET/POST /clients, PATCH/DELETE /clients/{id} (body {name, clientId, invitationUrl}; the client id key must
// be camel case), GET/POST/DELETE /clients/{id}/data_sources ({data_source_id}). Writes need `client.manage`
// (superusers).

/** 40 random letters and digits, like the reference's "generate" button. */
function randomClientId(length = 40) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  // 62 letters: reject the top bytes so every character is equally likely.
  let out = '';
  for (let i = 0; out.length < length; i++) {
    if (i >= bytes.length) {
      crypto.getRandomValues(bytes);
      i = 0;
    }
    if (bytes[i] < 248) out += alphabet[bytes[i] % 62];
  }
  return out;
}

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
  const canManage = session.can('client.manage');

  const fields = [
    { name: 'name', label: 'Name', required: true, autocomplete: 'off' },
    {
      name: 'invitationUrl',
      label: 'Invitation URL',
      type: 'url',
      required: true,
      placeholder: 'https://app.example.org/invitation/CODE',
      help: 'The link patients receive. It must contain CODE, which is replaced by the invitation code.',
    },
    {
      name: 'clientId',
      label: 'OAuth client ID',
      required: true,
      autocomplete: 'off',
      help: 'Unique. A random 40-character ID is suggested for a new app; the app must use the same ID.',
    },
  ];

  /** Client-side check of the CODE placeholder, reported like a server field error. */
  const checkUrl = (v) => {
    if (v.invitationUrl && !v.invitationUrl.includes('CODE')) {
      throw new api.ApiError({
        status: 400,
        message: 'Please correct the marked fields.',
        fieldErrors: { invitationUrl: ['The invitation URL must contain CODE.'] },
      });
    }
  };

  const createBtn = ui.button('Add client', {
    icon: 'plus-lg',
    testid: 'create-client',
    onClick: async () => {
      const created = await ui.formModal({
        title: 'Add client',
        fields,
        values: { clientId: randomClientId() },
        submitLabel: 'Create',
        testid: 'client-form',
        onSubmit: (v) => {
          checkUrl(v);
          return api.post('/clients', { name: v.name, invitationUrl: v.invitationUrl, clientId: v.clientId });
        },
      });
      if (created) {
        ui.toast(`Client “${created.name}” created.`);
        await load();
      }
    },
  });

  const body = h('div');
  ui.clear(view, ui.pageHeader('Clients', canManage ? createBtn : null), body);

  async function load() {
    ui.clear(body, ui.spinner());
    let items;
    try {
      items = await api.getAll('/clients');
    } catch (error) {
      ui.showError(body, error);
      return;
    }
    const actions = (c) =>
      ui.rowActions(c.name, {
        before: ui.button('Data sources', {
          variant: 'outline-secondary',
          size: 'sm',
          icon: 'hdd-network',
          ariaLabel: `Data sources of ${c.name}`,
          onClick: () => openDataSources(c),
        }),
        onEdit: canManage ? () => edit(c) : null,
        onDelete: canManage ? () => remove(c) : null,
      });
    ui.clear(
      body,
      ui.table({
        testid: 'clients-table',
        caption: `${items.length} client${items.length === 1 ? '' : 's'}`,
        emptyText: 'No clients yet.',
        rows: items,
        columns: [
          { label: 'ID', value: (c) => String(c.id) },
          { label: 'Name', value: (c) => c.name },
          {
            label: 'Invitation URL',
            value: (c) => (c.invitationUrl ? h('span', { class: 'text-break' }, c.invitationUrl) : '—'),
          },
          { label: 'Client ID', value: (c) => h('code', { class: 'text-break' }, c.clientId) },
          { label: h('span', { class: 'visually-hidden' }, 'Actions'), value: actions, className: 'text-end' },
        ],
      }),
    );
  }

  async function edit(c) {
    const saved = await ui.formModal({
      title: `Edit client ${c.id}`,
      fields,
      values: { name: c.name, invitationUrl: c.invitationUrl || '', clientId: c.clientId },
      testid: 'client-form',
      onSubmit: (v) => {
        checkUrl(v);
        return api.patch(`/clients/${c.id}`, { name: v.name, invitationUrl: v.invitationUrl, clientId: v.clientId });
      },
    });
    if (saved) {
      ui.toast('Client saved.');
      await load();
    }
  }

  async function remove(c) {
    const outcome = await ui.confirmDelete({
      title: 'Delete client',
      message: `Delete “${c.name}” (${c.id})? Patients can no longer sign in through this app.`,
      request: () => api.del(`/clients/${c.id}`),
      success: 'Client deleted.',
    });
    if (outcome !== null) await load();
  }

  async function openDataSources(c) {
    const content = h('div', null, ui.spinner());
    ui.openModal({ title: `Data sources of ${c.name}`, body: content, testid: 'client-data-sources-dialog' });
    let all = [];
    try {
      all = await api.getAll('/data_sources');
    } catch (error) {
      ui.showError(content, error);
      return;
    }
    const message = h('div', { 'aria-live': 'polite' });
    const fail = (error) => ui.clear(message, ui.alertBox(ui.errorMessage(error)));

    async function refresh() {
      let linked;
      try {
        linked = await api.get(`/clients/${c.id}/data_sources`);
      } catch (error) {
        ui.showError(content, error);
        return;
      }
      linked = Array.isArray(linked) ? linked : linked.results || [];
      const have = new Set(linked.map((d) => d.id));
      const list = linked.length
        ? h(
            'ul',
            { class: 'list-group mb-3', testid: 'client-data-sources' },
            linked.map((d) =>
              h(
                'li',
                { class: 'list-group-item d-flex justify-content-between align-items-center gap-2' },
                h('span', null, `${d.name} (${d.id})`),
                canManage
                  ? ui.button('Remove', {
                      variant: 'outline-danger',
                      size: 'sm',
                      icon: 'x-lg',
                      ariaLabel: `Remove ${d.name}`,
                      onClick: async () => {
                        try {
                          await api.del(`/clients/${c.id}/data_sources`, { data_source_id: d.id });
                          ui.clear(message);
                          await refresh();
                        } catch (error) {
                          fail(error);
                        }
                      },
                    })
                  : null,
              ),
            ),
          )
        : ui.emptyState('No data sources linked.');
      let adder = null;
      const choices = all.filter((d) => !have.has(d.id));
      if (canManage && choices.length) {
        const picker = ui.selectField({
          id: `client-${c.id}-add-ds`,
          label: 'Link a data source',
          className: 'flex-grow-1',
          options: choices.map((d) => ({ value: d.id, label: `${d.name} (${d.id})` })),
        });
        const addBtn = ui.button('Add', {
          icon: 'plus-lg',
          testid: 'add-client-data-source',
          onClick: async () => {
            addBtn.disabled = true;
            try {
              await api.post(`/clients/${c.id}/data_sources`, { data_source_id: Number(picker.select.value) });
              ui.clear(message);
              await refresh();
            } catch (error) {
              fail(error);
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
  }

  await load();
}
