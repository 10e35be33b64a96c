// Profile: who is signed in, and the practitioner's own API keys for scripts (Admin API access).
//
// API: GET /users/profile; GET/POST /practitioner_clients, PATCH (label only) and DELETE
// /practitioner_clients/{id}; the "Test" button posts grant_type=client_credentials to /o/token/ with the key's
// client id and secret in the form body. The key (base64 of client_id:secret) is returned only when a client is created;
// it is kept in memory for this page so it can be copied and tested, and is gone after a reload.

/** Keys created during this page's life, by client row id. */
const createdKeys = new Map();

/** Show only the start of a secret. */
function mask(secret, keep = 6) {
  if (typeof secret !== 'string' || !secret) return '';
  return secret.length <= keep ? '•'.repeat(secret.length) : `${secret.slice(0, keep)}…(${secret.length} characters)`;
}

export async function render(view, ctx) {
  const { api, ui, session } = ctx;
  const { h } = ui;

  ui.clear(view, ui.pageHeader('Profile'), ui.spinner());
  let profile = session.profile;
  try {
    profile = await api.get('/users/profile');
  } catch (error) {
    if (!profile) {
      ui.showError(view, error);
      return;
    }
  }

  const row = (label, value) => [
    h('dt', { class: 'col-sm-4 col-lg-3' }, label),
    h('dd', { class: 'col-sm-8 col-lg-9' }, value === undefined || value === null || value === '' ? '—' : String(value)),
  ];
  const details = h(
    'section',
    { class: 'card mb-4', 'aria-labelledby': 'profile-details-title' },
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'h5 card-title', id: 'profile-details-title' }, 'Your account'),
      h(
        'dl',
        { class: 'row mb-0', testid: 'profile-details' },
        row('User ID', profile.id),
        row('E-mail', profile.email),
        row('First name', profile.firstName),
        row('Last name', profile.lastName),
        row('User type', profile.userType),
        row('Superuser', profile.isSuperuser ? 'Yes' : 'No'),
        profile.practitioner ? row('Practitioner ID', profile.practitioner.id) : null,
      ),
    ),
  );

  const keysBody = h('div');
  const isPractitioner = profile.userType === 'practitioner' || Boolean(profile.practitioner);
  const canKeys = isPractitioner && (session.can('api_key.manage') || !session.permissions);
  const createBtn = ui.button('Create API key', {
    icon: 'key',
    testid: 'create-api-key',
    onClick: () => create(),
  });
  const keysSection = h(
    'section',
    { class: 'card', 'aria-labelledby': 'api-keys-title' },
    h(
      'div',
      { class: 'card-body' },
      h(
        'div',
        { class: 'd-flex flex-wrap justify-content-between align-items-center gap-2 mb-2' },
        h('h2', { class: 'h5 card-title mb-0', id: 'api-keys-title' }, 'Admin API access'),
        canKeys ? createBtn : null,
      ),
      h(
        'p',
        { class: 'text-body-secondary small' },
        'An API key lets a script get an access token for the Admin and FHIR APIs with your permissions ',
        '(OAuth client credentials: send it as “Authorization: Basic <key>” with grant_type=client_credentials ',
        'to /o/token/). The key is shown only once, when it is created.',
      ),
      keysBody,
    ),
  );
  ui.clear(view, ui.pageHeader('Profile'), details, keysSection);

  if (!canKeys) {
    ui.clear(keysBody, ui.emptyState('API keys are available to practitioners only.'));
    return;
  }

  async function load() {
    ui.clear(keysBody, ui.spinner());
    let items;
    try {
      items = await api.getAll('/practitioner_clients');
    } catch (error) {
      ui.showError(keysBody, error);
      return;
    }
    const keyCell = (c) => {
      const key = createdKeys.get(c.id);
      if (!key) return h('span', { class: 'text-body-secondary small' }, 'Shown only at creation');
      const input = h('input', {
        type: 'text',
        class: 'form-control form-control-sm font-monospace',
        readonly: true,
        value: key,
        'aria-label': `API key ${c.label || c.clientId}`,
      });
      return h('div', { class: 'input-group input-group-sm' }, input, ui.copyButton(input, { size: 'sm' }));
    };
    ui.clear(
      keysBody,
      ui.table({
        testid: 'api-keys-table',
        emptyText: 'You have no API keys.',
        rows: items,
        columns: [
          { label: 'Label', value: (c) => c.label || h('span', { class: 'text-body-secondary' }, '(no label)') },
          { label: 'Client ID', value: (c) => h('code', null, c.clientId || '') },
          { label: 'Created', value: (c) => ui.formatDateTime(c.created) },
          { label: 'API key', value: keyCell },
          {
            label: h('span', { class: 'visually-hidden' }, 'Actions'),
            className: 'text-end',
            value: (c) =>
              h(
                'div',
                { class: 'd-flex gap-1 justify-content-end text-nowrap' },
                ui.button('Test', { variant: 'outline-secondary', size: 'sm', icon: 'play', ariaLabel: `Test API key ${c.label || c.id}`, onClick: () => test(c) }),
                ui.button('Edit label', { variant: 'outline-primary', size: 'sm', icon: 'pencil', ariaLabel: `Edit label of API key ${c.label || c.id}`, onClick: () => relabel(c) }),
                ui.button('Delete', { variant: 'outline-danger', size: 'sm', icon: 'trash', ariaLabel: `Delete API key ${c.label || c.id}`, onClick: () => remove(c) }),
              ),
          },
        ],
      }),
    );
  }

  async function create() {
    const created = await ui.formModal({
      title: 'Create API key',
      testid: 'api-key-form',
      submitLabel: 'Create',
      fields: [{ name: 'label', label: 'Label', placeholder: 'e.g. Analysis notebook', autocomplete: 'off', help: 'Only for you to recognise the key.' }],
      onSubmit: (v) => api.post('/practitioner_clients', { label: v.label }),
    });
    if (!created) return;
    if (created.key) createdKeys.set(created.id, created.key);
    await load();
    if (created.key) {
      const input = h('input', {
        id: 'new-api-key',
        type: 'text',
        class: 'form-control font-monospace',
        readonly: true,
        value: created.key,
      });
      ui.openModal({
        title: 'Your new API key',
        testid: 'api-key-created',
        body: [
          h('div', { class: 'alert alert-warning', role: 'status' }, 'Copy this key now and keep it secret: it is shown only once.'),
          h('label', { class: 'form-label', for: 'new-api-key' }, 'API key'),
          h('div', { class: 'input-group' }, input, ui.copyButton(input)),
        ],
      });
    }
  }

  async function relabel(c) {
    const saved = await ui.formModal({
      title: 'Edit label',
      testid: 'api-key-form',
      fields: [{ name: 'label', label: 'Label', autocomplete: 'off' }],
      values: { label: c.label || '' },
      onSubmit: (v) => api.patch(`/practitioner_clients/${c.id}`, { label: v.label }),
    });
    if (saved) {
      ui.toast('Label saved.');
      await load();
    }
  }

  async function remove(c) {
    const outcome = await ui.confirmDelete({
      title: 'Delete API key',
      message: `Delete the API key “${c.label || c.clientId}”? Scripts using it stop working.`,
      request: async () => {
        await api.del(`/practitioner_clients/${c.id}`);
        createdKeys.delete(c.id);
      },
      success: 'API key deleted.',
    });
    if (outcome !== null) await load();
  }

  // Try a key against the token endpoint and show the exchange, with secrets shortened.
  function test(c) {
    const keyId = `test-key-${c.id}`;
    const keyInput = h('input', {
      id: keyId,
      type: 'password',
      class: 'form-control font-monospace',
      autocomplete: 'off',
      value: createdKeys.get(c.id) || '',
      'aria-describedby': `${keyId}-help`,
    });
    const output = h('div', { 'aria-live': 'polite', testid: 'api-key-test-output' });
    const send = ui.button('Send request', { icon: 'send', testid: 'api-key-test-send' });
    const form = h(
      'form',
      { novalidate: true },
      h('label', { class: 'form-label', for: keyId }, 'API key'),
      keyInput,
      h('div', { class: 'form-text mb-3', id: `${keyId}-help` }, createdKeys.has(c.id) ? 'The key created on this page is filled in.' : 'Paste the key you saved when it was created.'),
      send,
      output,
    );
    form.addEventListener('submit', (e) => e.preventDefault());
    send.addEventListener('click', async () => {
      const key = keyInput.value.trim();
      if (!key) {
        keyInput.classList.add('is-invalid');
        ui.clear(output, ui.alertBox('Enter the API key first.'));
        keyInput.focus();
        return;
      }
      keyInput.classList.remove('is-invalid');
      // Not disabled while busy: a disabled button drops the keyboard focus out of the dialog.
      if (send.getAttribute('aria-busy') === 'true') return;
      send.setAttribute('aria-busy', 'true');
      ui.clear(output, ui.spinner('Sending…'));
      // The key is base64 of "client_id:secret". The browser sends its two halves in the form body
      // (client_secret_post): a refused Basic header would make the browser open its own password prompt.
      let clientId;
      let secret;
      try {
        const decoded = atob(key);
        const colon = decoded.indexOf(':');
        if (colon < 1) throw new Error('no colon');
        clientId = decoded.slice(0, colon);
        secret = decoded.slice(colon + 1);
      } catch {
        keyInput.classList.add('is-invalid');
        ui.clear(output, ui.alertBox('This is not an API key: paste the key exactly as it was shown when it was created.'));
        send.removeAttribute('aria-busy');
        keyInput.focus();
        return;
      }
      const request = [
        'POST /o/token/',
        'Content-Type: application/x-www-form-urlencoded',
        '',
        `grant_type=client_credentials&client_id=${encodeURIComponent(clientId)}&client_secret=${mask(secret, 4)}`,
        '',
        `(a script sends the same as "Authorization: Basic ${mask(key, 4)}" with grant_type=client_credentials)`,
      ].join('\n');
      let status;
      let answer;
      try {
        // Give up if the server does not answer in time.
        let timer;
        const timeout = new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new api.ApiError({ status: 0, message: 'No answer from the token endpoint within 20 seconds.' })),
            20000,
          );
        });
        try {
          answer = await Promise.race([
            api.tokenRequest({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
            timeout,
          ]);
        } finally {
          clearTimeout(timer);
        }
        status = 'Success';
      } catch (error) {
        status = `Failed (HTTP ${error.status || '—'})`;
        answer = error.body || { error: ui.errorMessage(error) };
      }
      const shown = answer && typeof answer === 'object' ? { ...answer } : answer;
      for (const k of ['access_token', 'refresh_token', 'id_token']) {
        if (shown && typeof shown[k] === 'string') shown[k] = mask(shown[k]);
      }
      ui.clear(
        output,
        h('h3', { class: 'h6 mt-3' }, 'Request'),
        h('pre', { class: 'small bg-body-tertiary border rounded p-2', testid: 'api-key-test-request' }, request),
        h('h3', { class: 'h6' }, 'Response: ', h('span', { class: status === 'Success' ? 'text-success' : 'text-danger' }, status)),
        h('pre', { class: 'small bg-body-tertiary border rounded p-2 mb-0', testid: 'api-key-test-response' }, typeof shown === 'string' ? shown : JSON.stringify(shown, null, 2)),
      );
      send.removeAttribute('aria-busy');
    });
    ui.openModal({ title: `Test API key ${c.label || c.clientId}`, body: form, size: 'lg', testid: 'api-key-test' });
  }

  await load();
}
