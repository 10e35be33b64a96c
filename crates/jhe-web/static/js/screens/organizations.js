// Organizations: pick a top-level organization, browse its tree, and view, edit, create and delete
// organizations; the view dialog manages the practitioners holding a role there and lists its studies.
//
// Route state: ?tloId=<top-level organization id shown>

const ROLES = [
    { value: 'manager', label: 'Manager' },
    { value: 'member', label: 'Member' },
    { value: 'viewer', label: 'Viewer' },
];

export async function render(view, ctx) {
    const { api, ui, session, params, navigate } = ctx;
    const { h } = ui;

    const [organizations, types] = await Promise.all([ui.loadOrganizations(api), api.get('/organizations/types')]);
    const typeOptions = Object.entries(types)
        .filter(([key]) => key !== 'root')
        .map(([value, label]) => ({ value, label }));
    const typeLabel = (key) => types[key] || key;

    // The top of what the caller can see: organizations whose parent they cannot see (for most callers the
    // institution they work in; for a superuser every top-level organization).
    const visible = new Set(organizations.map((o) => o.id));
    const tops = organizations.filter((o) => !visible.has(o.partOf));

    const createTop = ui.button('Create top-level organization', { icon: 'plus-lg', testid: 'create-top-level',
        onClick: () => editOrganization(null, 0) });
    if (!session.can('organization.create_top_level')) createTop.hidden = true;
    view.append(ui.pageHeader('Organizations', createTop));

    if (tops.length === 0) {
        view.append(ui.emptyState('You hold no role in any organization yet. Ask a manager to add you.'));
        return;
    }
    let tloId = Number(params.get('tloId')) || null;
    const remembered = session.profile.settings && session.profile.settings.currentOrganizationId;
    if (!tops.some((o) => o.id === tloId)) {
        // Prefer the top-level organization above the one remembered from the last visit.
        tloId = tops[0].id;
        if (remembered) {
            let at = organizations.find((o) => o.id === remembered);
            while (at && visible.has(at.partOf)) at = organizations.find((o) => o.id === at.partOf);
            if (at) tloId = at.id;
        }
    }
    const picker = ui.selectField({
        id: 'tlo-picker', label: 'Top-level organization', testid: 'tlo-picker', className: 'mb-3 col-md-6 col-lg-4',
        options: tops.map((o) => ({ value: o.id, label: `${o.name} (${o.id})` })), value: tloId,
        onChange: (value) => navigate('organizations', { tloId: value }),
    });
    const treeArea = h('section', { 'aria-label': 'Organization tree', testid: 'org-tree' });
    view.append(picker.element, treeArea);
    await loadTree();

    async function loadTree() {
        ui.clear(treeArea, ui.spinner());
        try {
            const tree = await api.get(`/organizations/${tloId}/tree`);
            ui.clear(treeArea, h('ul', { class: 'org-tree' }, node(tree)));
        } catch (error) {
            ui.showError(treeArea, error);
        }
    }

    function node(org) {
        const id = org.id;
        const label = `${org.name}`;
        const actions = [
            ui.button(`View ${label}`, { variant: 'outline-secondary', size: 'sm', icon: 'eye', iconOnly: true,
                title: 'View', testid: `org-view-${id}`, onClick: () => viewOrganization(org) }),
        ];
        if (session.can('organization.update', id)) {
            actions.push(ui.button(`Edit ${label}`, { variant: 'outline-secondary', size: 'sm', icon: 'pencil',
                iconOnly: true, title: 'Edit', testid: `org-edit-${id}`, onClick: () => editOrganization(org) }));
        }
        if (session.can('organization.create_child', id)) {
            actions.push(ui.button(`Create an organization inside ${label}`, { variant: 'outline-secondary',
                size: 'sm', icon: 'node-plus', iconOnly: true, title: 'Create a sub-organization',
                testid: `org-create-child-${id}`, onClick: () => editOrganization(null, id) }));
        }
        if (session.can('organization.delete', id)) {
            actions.push(ui.button(`Delete ${label}`, { variant: 'outline-danger', size: 'sm', icon: 'trash',
                iconOnly: true, title: 'Delete', testid: `org-delete-${id}`, onClick: () => deleteOrganization(org) }));
        }
        const role = org.currentUserRole && org.currentUserRole !== 'super_user'
            ? ui.badge(org.currentUserRole, 'info') : null;
        return h('li', { testid: `org-node-${id}` },
            h('div', { class: 'org-node d-flex flex-wrap align-items-center gap-2' },
                ui.icon('building'),
                h('span', { class: 'fw-semibold' }, org.name),
                h('span', { class: 'text-secondary small' }, `${typeLabel(org.type)} · ${id}`),
                role,
                h('span', { class: 'ms-auto d-flex gap-1' }, actions)),
            org.children && org.children.length ? h('ul', org.children.map(node)) : null);
    }

    async function editOrganization(org, partOf) {
        const creating = !org;
        const parent = creating && partOf ? organizations.find((o) => o.id === partOf) : null;
        let intro = null;
        if (creating) intro = parent ? `Inside ${parent.name}.` : 'At the top level.';
        const saved = await ui.formModal({
            title: creating ? 'Create organization' : `Edit ${org.name}`,
            testid: 'organization-form',
            intro,
            fields: [
                { name: 'name', label: 'Name', required: true },
                { name: 'type', label: 'Type', type: 'select', required: true,
                    options: [{ value: '', label: 'Choose a type…' }, ...typeOptions] },
            ],
            values: creating ? {} : { name: org.name, type: org.type },
            submitLabel: creating ? 'Create' : 'Save',
            onSubmit: (values) => (creating
                ? api.post('/organizations', { ...values, partOf: partOf || 0 })
                : api.patch(`/organizations/${org.id}`, values)),
        });
        if (!saved) return;
        ui.toast(creating ? `Created ${saved.name}.` : `Saved ${saved.name}.`);
        if (creating && !partOf) navigate('organizations', { tloId: saved.id });
        else navigate('organizations', { tloId }, { replace: true });
    }

    async function deleteOrganization(org) {
        const ok = await ui.confirm({
            title: `Delete ${org.name}?`,
            message: `This deletes ${org.name} with its sub-organizations and studies, and ends the enrolments and ` +
                'memberships in them. It cannot be undone.',
        });
        if (!ok) return;
        try {
            await api.del(`/organizations/${org.id}`);
            ui.toast(`Deleted ${org.name}.`);
            if (org.id === tloId) navigate('organizations', {});
            else await loadTree();
        } catch (error) {
            ui.toast(ui.errorMessage(error), 'danger');
        }
    }

    function viewOrganization(org) {
        const details = h('dl', { class: 'row mb-0' },
            h('dt', { class: 'col-sm-4' }, 'ID'), h('dd', { class: 'col-sm-8' }, String(org.id)),
            h('dt', { class: 'col-sm-4' }, 'Name'), h('dd', { class: 'col-sm-8' }, org.name),
            h('dt', { class: 'col-sm-4' }, 'Type'), h('dd', { class: 'col-sm-8' }, typeLabel(org.type)),
            h('dt', { class: 'col-sm-4' }, 'Part of'),
            h('dd', { class: 'col-sm-8' }, org.partOf ? String(
                organizations.find((o) => o.id === org.partOf)?.name || org.partOf) : 'None (top level)'),
            h('dt', { class: 'col-sm-4' }, 'Your role'), h('dd', { class: 'col-sm-8' },
                session.role(org.id) || (session.profile.isSuperuser ? 'superuser' : '–')));
        const usersArea = h('div', { testid: 'org-users' });
        const studiesArea = h('div', { testid: 'org-studies' });
        const canManage = session.can('organization.manage_members', org.id);
        const addStudy = ui.button('Add study', { size: 'sm', variant: 'outline-primary', icon: 'plus-lg',
            onClick: () => { modal.close(); navigate('studies', { organizationId: org.id, create: 1 }); } });
        if (!session.can('study.manage', org.id)) addStudy.hidden = true;
        const modal = ui.openModal({
            title: org.name, size: 'lg', testid: 'organization-view',
            body: [
                details,
                h('h3', { class: 'h6 mt-4' }, 'Users'), usersArea,
                canManage ? addUserForm() : null,
                h('div', { class: 'd-flex align-items-center justify-content-between mt-4' },
                    h('h3', { class: 'h6 mb-0' }, 'Studies'), addStudy),
                studiesArea,
            ],
        });
        loadUsers();
        loadStudies();

        async function loadUsers() {
            ui.clear(usersArea, ui.spinner());
            try {
                const users = await api.get(`/organizations/${org.id}/users`);
                ui.clear(usersArea, ui.table({
                    testid: 'org-users-table',
                    emptyText: 'No practitioner holds a role here.',
                    rows: users,
                    columns: [
                        { label: 'ID', value: (u) => String(u.id) },
                        { label: 'Name', value: (u) => [u.firstName, u.lastName].filter(Boolean).join(' ') },
                        { label: 'E-mail', value: (u) => u.email },
                        { label: 'Role', value: (u) => (canManage ? roleSelect(u) : ui.badge(u.role, 'info')) },
                        { label: 'Actions', className: 'text-end', value: (u) => (canManage
                            ? ui.button(`Remove ${u.email}`, { variant: 'outline-danger', size: 'sm', icon: 'person-x',
                                iconOnly: true, title: 'Remove from this organization', onClick: () => removeUser(u) })
                            : '') },
                    ],
                }));
            } catch (error) {
                ui.showError(usersArea, error);
            }
        }

        function roleSelect(user) {
            const select = h('select', { class: 'form-select form-select-sm w-auto', 'aria-label': `Role of ${user.email}` },
                ROLES.map((r) => h('option', { value: r.value, selected: r.value === user.role }, r.label)));
            select.addEventListener('change', async () => {
                try {
                    await api.post(`/organizations/${org.id}/user`,
                        { jheUserId: user.id, organizationPartitionerRole: select.value });
                    ui.toast(`${user.email} is now ${select.value}.`);
                } catch (error) {
                    select.value = user.role;
                    ui.toast(ui.errorMessage(error), 'danger');
                }
                loadUsers();
            });
            return select;
        }

        async function removeUser(user) {
            const ok = await ui.confirm({ title: 'Remove user?',
                message: `Remove ${user.email} from ${org.name}? They lose their role here.`, confirmLabel: 'Remove' });
            if (!ok) return;
            try {
                await api.del(`/organizations/${org.id}/remove_user`, { jheUserId: user.id });
                ui.toast(`Removed ${user.email}.`);
            } catch (error) {
                ui.toast(ui.errorMessage(error), 'danger');
            }
            loadUsers();
        }

        function addUserForm() {
            const form = ui.buildForm({
                testid: 'add-user-form',
                submitLabel: 'Add user',
                fields: [
                    { name: 'email', label: 'Practitioner e-mail', type: 'email', required: true, autocomplete: 'off' },
                    { name: 'role', label: 'Role', type: 'select', options: ROLES },
                ],
                values: { role: 'member' },
                onSubmit: async ({ email, role }) => {
                    const found = await api.get('/users/search_by_email', { email });
                    if (!found || !found.id) {
                        throw new api.ApiError({ status: 400, message: 'Nobody has this e-mail address.',
                            fieldErrors: { email: ['Nobody has this e-mail address.'] } });
                    }
                    if (found.userType === 'patient') {
                        throw new api.ApiError({ status: 400, message: 'This account belongs to a patient.',
                            fieldErrors: { email: ['This is a patient account; only practitioners hold roles.'] } });
                    }
                    await api.post(`/organizations/${org.id}/user`,
                        { jheUserId: found.id, organizationPartitionerRole: role });
                    ui.toast(`Added ${email} as ${role}.`);
                    form.element.reset();
                    loadUsers();
                },
            });
            return h('div', { class: 'border rounded p-3 mt-2' }, h('h4', { class: 'h6' }, 'Add a practitioner'),
                form.element);
        }

        async function loadStudies() {
            ui.clear(studiesArea, ui.spinner());
            try {
                const studies = await api.get(`/organizations/${org.id}/studies`);
                ui.clear(studiesArea, ui.table({
                    testid: 'org-studies-table',
                    emptyText: 'No studies in this organization.',
                    rows: studies,
                    columns: [
                        { label: 'ID', value: (s) => String(s.id) },
                        { label: 'Name', value: (s) => {
                            const link = h('a', { href: `/clients/jhe-admin/studies?organizationId=${org.id}` }, s.name);
                            link.addEventListener('click', (event) => {
                                event.preventDefault();
                                modal.close();
                                navigate('studies', { organizationId: org.id });
                            });
                            return link;
                        } },
                        { label: 'Description', value: (s) => s.description || '' },
                    ],
                }));
            } catch (error) {
                ui.showError(studiesArea, error);
            }
        }
    }
}
