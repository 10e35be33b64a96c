// Studies of an organization (and the organizations below it): list, create, edit, delete, and a view dialog
// managing the study's patient apps (clients), data sources and requested data types (scope requests).
//
// Route state: ?organizationId=<id>&page=&pageSize=&create=1 (opens the create dialog once)

export async function render(view, ctx) {
    const { api, ui, session, params, navigate } = ctx;
    const { h } = ui;

    const page = Number(params.get('page')) || 1;
    const pageSize = Number(params.get('pageSize')) || 20;
    const remembered = session.profile.settings && session.profile.settings.currentOrganizationId;
    const requested = Number(params.get('organizationId')) || remembered || null;

    const picker = await ui.organizationPicker(api, {
        value: requested, className: 'mb-3 col-md-6 col-lg-4',
        onChange: (value) => navigate('studies', { organizationId: value }),
    });
    const organizationId = Number(picker.select.value) || null;
    const canManage = organizationId ? session.can('study.manage', organizationId) : false;

    const create = ui.gate(ui.button('Create study', { icon: 'plus-lg', testid: 'create-study',
        onClick: () => editStudy(null) }), canManage, 'Creating a study needs the member or manager role here.');
    view.append(ui.pageHeader('Studies', create), picker.element);
    if (!organizationId) {
        view.append(ui.emptyState('You hold no role in any organization yet.'));
        create.disabled = true;
        return;
    }
    const listArea = h('section', { 'aria-label': 'Studies' });
    view.append(listArea);
    await loadList();
    if (params.get('create') && canManage) {
        // Opened from the organization dialog's "Add study": drop the flag so Back does not reopen it.
        window.history.replaceState(null, '', `/clients/jhe-admin/studies?organizationId=${organizationId}`);
        editStudy(null);
    }

    async function loadList() {
        ui.clear(listArea, ui.spinner());
        let data;
        try {
            data = await api.get('/studies', { organizationId, page, pageSize });
        } catch (error) {
            if (error.status === 404 && page > 1) {
                navigate('studies', { organizationId }, { replace: true });
                return;
            }
            ui.showError(listArea, error);
            return;
        }
        ui.clear(listArea,
            ui.table({
                testid: 'studies-table',
                emptyText: 'No studies in this organization yet.',
                rows: data.results,
                columns: [
                    { label: 'ID', value: (s) => String(s.id) },
                    { label: 'Name', value: (s) => s.name },
                    { label: 'Description', value: (s) => s.description || '' },
                    { label: 'Organization', value: (s) => (s.organization ? s.organization.name : '') },
                    { label: 'Icon URL', className: 'cell-truncate', value: (s) => (s.iconUrl ? h('span', { title: s.iconUrl }, s.iconUrl) : '') },
                    { label: 'Actions', className: 'text-end text-nowrap', value: rowActions },
                ],
            }),
            data.count > 0 ? ui.pager({
                count: data.count, page, pageSize,
                onChange: (p, size) => navigate('studies', { organizationId, page: p, pageSize: size }),
            }) : null);
    }

    function rowActions(study) {
        const allowed = session.can('study.manage', study.organization?.id ?? organizationId);
        const buttons = [ui.button(`View ${study.name}`, { variant: 'outline-secondary', size: 'sm', icon: 'eye',
            iconOnly: true, title: 'View', testid: `study-view-${study.id}`, onClick: () => viewStudy(study) })];
        if (allowed) {
            buttons.push(
                ui.button(`Edit ${study.name}`, { variant: 'outline-secondary', size: 'sm', icon: 'pencil',
                    iconOnly: true, title: 'Edit', testid: `study-edit-${study.id}`, onClick: () => editStudy(study) }),
                ui.button(`Delete ${study.name}`, { variant: 'outline-danger', size: 'sm', icon: 'trash',
                    iconOnly: true, title: 'Delete', testid: `study-delete-${study.id}`,
                    onClick: () => deleteStudy(study) }));
        }
        return h('div', { class: 'd-inline-flex gap-1' }, buttons);
    }

    async function editStudy(study) {
        const creating = !study;
        const orgName = picker.organizations.find((o) => o.id === organizationId)?.name;
        const saved = await ui.formModal({
            title: creating ? 'Create study' : `Edit ${study.name}`,
            testid: 'study-form',
            intro: creating ? `In ${orgName}.` : null,
            fields: [
                { name: 'name', label: 'Name', required: true },
                { name: 'description', label: 'Description', type: 'textarea', required: true, rows: 2 },
                { name: 'iconUrl', label: 'Icon URL', type: 'url', placeholder: 'https://…',
                    help: 'Optional: an image shown by patient apps.' },
            ],
            values: creating ? {} : { name: study.name, description: study.description, iconUrl: study.iconUrl },
            submitLabel: creating ? 'Create' : 'Save',
            onSubmit: (values) => {
                const body = { ...values, iconUrl: values.iconUrl || null };
                return creating
                    ? api.post('/studies', { ...body, organization: organizationId })
                    : api.patch(`/studies/${study.id}`, body);
            },
        });
        if (!saved) return;
        ui.toast(creating ? `Created study ${saved.name}.` : `Saved study ${saved.name}.`);
        await loadList();
        if (creating) viewStudy({ ...saved, organization: { id: organizationId, name: orgName } });
    }

    async function deleteStudy(study) {
        const outcome = await ui.confirmDelete({
            title: `Delete ${study.name}?`,
            message: 'The study goes with its enrolments, consents, scope requests and links to apps and data ' +
                'sources (the consent history stays). This cannot be undone.',
            request: () => api.del(`/studies/${study.id}`),
            success: `Deleted study ${study.name}.`,
        });
        if (outcome !== null) await loadList();
    }

    function viewStudy(study) {
        const allowed = session.can('study.manage', study.organization?.id ?? organizationId);
        const base = `/studies/${study.id}`;
        ui.openModal({
            title: study.name, size: 'lg', testid: 'study-view',
            body: [
                h('dl', { class: 'row' },
                    h('dt', { class: 'col-sm-3' }, 'ID'), h('dd', { class: 'col-sm-9' }, String(study.id)),
                    h('dt', { class: 'col-sm-3' }, 'Description'), h('dd', { class: 'col-sm-9' }, study.description || ''),
                    h('dt', { class: 'col-sm-3' }, 'Organization'),
                    h('dd', { class: 'col-sm-9' }, study.organization?.name || String(organizationId)),
                    h('dt', { class: 'col-sm-3' }, 'Icon URL'),
                    h('dd', { class: 'col-sm-9 text-break' }, study.iconUrl || '–')),
                managedList(ui, {
                    title: 'Clients (patient apps)', testid: 'study-clients', allowed, noun: 'client',
                    load: async () => (await api.get(`${base}/clients`)).map((l) => ({ id: l.client.id,
                        label: l.client.name })),
                    choices: async () => (await api.getAll('/clients')).map((c) => ({ id: c.id, label: c.name })),
                    add: (id) => api.post(`${base}/clients`, { client_id: id }),
                    remove: (id) => api.del(`${base}/clients`, { client_id: id }),
                }),
                managedList(ui, {
                    title: 'Data sources', testid: 'study-data-sources', allowed, noun: 'data source',
                    load: async () => (await api.get(`${base}/data_sources`)).map((l) => ({ id: l.dataSource.id,
                        label: l.dataSource.name })),
                    choices: async () => (await api.getAll('/data_sources')).map((d) => ({ id: d.id, label: d.name })),
                    add: (id) => api.post(`${base}/data_sources`, { dataSourceId: id }),
                    remove: (id) => api.del(`${base}/data_sources`, { dataSourceId: id }),
                }),
                managedList(ui, {
                    title: 'Scope requests (requested data types)', testid: 'study-scope-requests', allowed,
                    noun: 'data type',
                    load: async () => (await api.get(`${base}/scope_requests`)).map((r) => ({ id: r.scopeCode.id,
                        label: scopeLabel(r.scopeCode) })),
                    choices: async () => (await api.get('/data_sources/all_scopes')).map((s) => ({ id: s.id,
                        label: scopeLabel(s) })),
                    add: (id) => api.post(`${base}/scope_requests`, { scopeCodeId: id }),
                    remove: (id) => api.del(`${base}/scope_requests`, { scopeCodeId: id }),
                }),
            ],
        });
    }
}

function scopeLabel(scope) {
    return `${scope.text} (${scope.codingCode})`;
}

/**
 * A titled list of linked items with a remove button each and an "add" select below (when `allowed`).
 * load() → [{id, label}], choices() → [{id, label}], add(id), remove(id).
 */
function managedList(ui, { title, testid, allowed, noun, load, choices, add, remove }) {
    const { h } = ui;
    const listArea = h('div');
    const message = h('div');
    const section = h('section', { class: 'mt-4', testid, 'aria-label': title },
        h('h3', { class: 'h6' }, title), message, listArea);
    const selectId = `${testid}-add`;
    const select = h('select', { id: selectId, class: 'form-select form-select-sm', testid: `${testid}-select` });
    const addButton = ui.button('Add', { size: 'sm', icon: 'plus-lg', testid: `${testid}-add-button` });
    if (allowed) {
        section.append(h('div', { class: 'd-flex flex-wrap align-items-end gap-2 mt-2' },
            h('div', { class: 'flex-grow-1' },
                h('label', { class: 'form-label small mb-1', for: selectId }, `Add a ${noun}`), select),
            addButton));
        addButton.addEventListener('click', async () => {
            if (!select.value) return;
            addButton.disabled = true;
            try {
                await add(Number(select.value));
                message.replaceChildren();
            } catch (error) {
                ui.showError(message, error);
            }
            addButton.disabled = false;
            refresh();
        });
    }
    refresh();
    return section;

    async function refresh() {
        ui.clear(listArea, ui.spinner());
        try {
            const [items, options] = await Promise.all([load(), allowed ? choices() : Promise.resolve([])]);
            const linked = new Set(items.map((i) => i.id));
            ui.clear(listArea, items.length === 0 ? ui.emptyState(`No ${noun}s yet.`) : h('ul', { class: 'list-group' },
                items.map((item) => h('li', { class: 'list-group-item d-flex align-items-center justify-content-between' },
                    h('span', item.label),
                    allowed ? ui.button(`Remove ${item.label}`, { variant: 'outline-danger', size: 'sm', icon: 'x-lg',
                        iconOnly: true, title: 'Remove', onClick: () => removeItem(item) }) : null))));
            const free = options.filter((o) => !linked.has(o.id));
            ui.clear(select, h('option', { value: '' }, free.length ? `Choose a ${noun}…` : `No more ${noun}s`),
                free.map((o) => h('option', { value: o.id }, o.label)));
            addButton.disabled = free.length === 0;
        } catch (error) {
            ui.showError(listArea, error);
        }
    }

    // No confirmation: a removed link is added back just as easily.
    async function removeItem(item) {
        try {
            await remove(item.id);
            message.replaceChildren();
        } catch (error) {
            ui.showError(message, error);
        }
        refresh();
    }
}
