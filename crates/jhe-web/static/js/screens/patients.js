// Patients of an organization (optionally of one study): list, add (look up by e-mail first), view with the
// patient apps and invitation links, consents and consent history, edit, remove from the organization, and
// enrol the selected patients in a study or take them out of it.
//
// Route state: ?organizationId=&studyId=&page=&pageSize=

export async function render(view, ctx) {
    const { api, ui, session, params, navigate } = ctx;
    const { h } = ui;

    const page = Number(params.get('page')) || 1;
    const pageSize = Number(params.get('pageSize')) || 20;
    const remembered = session.profile.settings || {};
    const fromRoute = Number(params.get('organizationId')) || null;
    const requestedOrg = fromRoute || remembered.currentOrganizationId || null;

    const orgPicker = await ui.organizationPicker(api, {
        value: requestedOrg, className: 'col-md-6 col-lg-4',
        onChange: (value) => navigate('patients', { organizationId: value }),
    });
    const organizationId = Number(orgPicker.select.value) || null;
    if (!organizationId) {
        view.append(ui.pageHeader('Patients'), ui.emptyState('You hold no role in any organization yet.'));
        return;
    }
    const requestedStudy = params.get('studyId') || (!fromRoute && organizationId === remembered.currentOrganizationId
        ? remembered.currentStudyId : null);
    const studyPicker = await ui.studyPicker(api, {
        organizationId, value: requestedStudy, className: 'col-md-6 col-lg-4',
        onChange: (value) => navigate('patients', { organizationId, studyId: value }),
    });
    const studyId = Number(studyPicker.select.value) || null;
    const study = studyPicker.studies.find((s) => s.id === studyId) || null;
    const orgName = orgPicker.organizations.find((o) => o.id === organizationId)?.name || String(organizationId);

    const canManage = session.can('patient.manage', organizationId);
    const canRemove = session.can('patient.remove', organizationId);
    const canEnrol = session.can('study.manage_patients', organizationId);
    const canInvite = session.can('invitation.create', organizationId);
    const selection = new Set();

    const addPatient = ui.gate(ui.button('Add patient', { icon: 'person-plus', testid: 'add-patient',
        onClick: () => addPatientFlow() }), canManage, 'Adding patients needs the member or manager role here.');
    const addToStudy = ui.button('Add to study…', { variant: 'outline-primary', icon: 'journal-plus',
        testid: 'add-to-study', onClick: () => addSelectedToStudy() });
    const removeFromStudy = ui.button('Remove from study', { variant: 'outline-danger', icon: 'journal-minus',
        testid: 'remove-from-study', onClick: () => removeSelectedFromStudy() });
    removeFromStudy.hidden = !study;
    const selectionInfo = h('span', { class: 'text-secondary small', 'aria-live': 'polite' });
    const updateSelection = () => {
        addToStudy.disabled = !canEnrol || selection.size === 0;
        removeFromStudy.disabled = !canEnrol || selection.size === 0;
        selectionInfo.textContent = selection.size ? `${selection.size} selected` : '';
    };
    if (!canEnrol) {
        ui.gate(addToStudy, false, 'Enrolling patients needs the member or manager role here.');
        ui.gate(removeFromStudy, false, 'Enrolling patients needs the member or manager role here.');
    }
    updateSelection();

    const listArea = h('section', { 'aria-label': 'Patients' });
    view.append(
        ui.pageHeader('Patients', addPatient),
        h('div', { class: 'row g-3 mb-3' }, orgPicker.element, studyPicker.element),
        h('div', { class: 'd-flex flex-wrap align-items-center gap-2 mb-2' }, addToStudy, removeFromStudy,
            selectionInfo),
        listArea);
    await loadList();

    async function loadList() {
        ui.clear(listArea, ui.spinner());
        let data;
        try {
            data = await api.get('/patients', { organizationId, studyId, page, pageSize });
        } catch (error) {
            if (error.status === 404 && page > 1) {
                navigate('patients', { organizationId, studyId }, { replace: true });
                return;
            }
            ui.showError(listArea, error);
            return;
        }
        selection.clear();
        updateSelection();
        ui.clear(listArea,
            ui.table({
                testid: 'patients-table',
                emptyText: emptyText(),
                rows: data.results,
                rowKey: (p) => p.id,
                selection,
                onSelectionChange: updateSelection,
                selectLabel: (p) => `Select ${p.nameGiven || ''} ${p.nameFamily || ''} (${p.id})`,
                columns: [
                    { label: 'Patient ID', value: (p) => String(p.id) },
                    { label: 'User ID', value: (p) => String(p.jheUserId ?? '') },
                    { label: 'External IDs', className: 'small',
                        value: (p) => (p.identifiers || []).map((i) => i.value).join(', ') },
                    { label: 'Family name', value: (p) => p.nameFamily || '' },
                    { label: 'Given name', value: (p) => p.nameGiven || '' },
                    { label: 'Birth date', className: 'text-nowrap', value: (p) => ui.formatDate(p.birthDate) },
                    { label: 'E-mail', value: (p) => p.telecomEmail || '' },
                    { label: 'Phone', className: 'text-nowrap', value: (p) => p.telecomPhone || '' },
                    { label: 'Actions', className: 'text-end text-nowrap', value: rowActions },
                ],
            }),
            data.count > 0 ? ui.pager({
                count: data.count, page, pageSize,
                onChange: (p, size) => navigate('patients', { organizationId, studyId, page: p, pageSize: size }),
            }) : null);
    }

    function emptyText() {
        if (session.profile.isSuperuser && !session.role(organizationId)) {
            return 'No patients to show: being a superuser gives no access to patient data; a role in the ' +
                'organization does.';
        }
        return study ? 'No patient of this organization is enrolled in this study.'
            : 'No patients in this organization yet.';
    }

    function fullName(p) {
        return [p.nameGiven, p.nameFamily].filter(Boolean).join(' ') || p.telecomEmail || `Patient ${p.id}`;
    }

    function rowActions(patient) {
        const name = fullName(patient);
        const buttons = [ui.button(`View ${name}`, { variant: 'outline-secondary', size: 'sm', icon: 'eye',
            iconOnly: true, title: 'View', testid: `patient-view-${patient.id}`, onClick: () => viewPatient(patient) })];
        if (canManage) {
            buttons.push(ui.button(`Edit ${name}`, { variant: 'outline-secondary', size: 'sm', icon: 'pencil',
                iconOnly: true, title: 'Edit', testid: `patient-edit-${patient.id}`,
                onClick: () => editPatient(patient) }));
        }
        if (canRemove) {
            buttons.push(ui.button(`Remove ${name} from ${orgName}`, { variant: 'outline-danger', size: 'sm',
                icon: 'trash', iconOnly: true, title: 'Remove from this organization',
                testid: `patient-delete-${patient.id}`, onClick: () => deletePatient(patient) }));
        }
        return h('div', { class: 'd-inline-flex gap-1' }, buttons);
    }

    // --- Add, edit, delete -----------------------------------------------------------------------------

    const detailFields = [
        { name: 'nameFamily', label: 'Family name' },
        { name: 'nameGiven', label: 'Given name' },
        { name: 'birthDate', label: 'Birth date', type: 'date' },
        { name: 'telecomPhone', label: 'Phone', type: 'tel', autocomplete: 'off' },
        { name: 'identifiers', label: 'External identifiers', type: 'custom', render: identifierRows },
    ];

    /** Emptied optional values are sent as null so that PATCH clears them. */
    function cleanDetails(values) {
        const out = { ...values };
        for (const key of ['nameFamily', 'nameGiven', 'birthDate', 'telecomPhone']) {
            if (key in out && out[key] === '') out[key] = null;
        }
        return out;
    }

    async function addPatientFlow() {
        // Step 1: look the e-mail up across the exchange (a patient may already be cared for elsewhere).
        const lookup = await ui.formModal({
            title: 'Add patient', testid: 'patient-lookup', submitLabel: 'Continue',
            intro: `Enter the patient's e-mail address. If they already take part in the exchange, they are ` +
                `added to ${orgName}; otherwise you create them.`,
            fields: [{ name: 'email', label: 'E-mail', type: 'email', required: true, autocomplete: 'off' }],
            onSubmit: async ({ email }) => ({ email, found: await api.get('/patients/global_lookup', { email }) }),
        });
        if (!lookup) return;
        const existing = (lookup.found || [])[0];
        if (existing) {
            await addExisting(existing);
            return;
        }
        // Step 2: nobody has the e-mail: create the patient in this organization.
        const created = await ui.formModal({
            title: 'Create patient', testid: 'patient-form', submitLabel: 'Create',
            intro: `No patient has this e-mail yet. The new patient belongs to ${orgName}.`,
            fields: [{ name: 'telecomEmail', label: 'E-mail', type: 'email', required: true }, ...detailFields],
            values: { telecomEmail: lookup.email, identifiers: [] },
            onSubmit: (values) => api.post('/patients', { ...cleanDetails(values), organizationId }),
        });
        if (!created) return;
        ui.toast(`Created patient ${fullName(created)}.`);
        await loadList();
    }

    async function addExisting(patient) {
        const already = (patient.organizations || []).some((o) => o.id === organizationId);
        if (already) {
            ui.openModal({ title: 'Patient already here', testid: 'patient-exists',
                body: h('p', `${fullName(patient)} (${patient.telecomEmail}) already belongs to ${orgName}.`) });
            return;
        }
        const ok = await ui.confirm({
            title: 'Add existing patient',
            message: `${fullName(patient)} (${patient.telecomEmail}, born ${ui.formatDate(patient.birthDate) || '–'}) ` +
                `already takes part in the exchange. Add them to ${orgName}?`,
            confirmLabel: 'Add to this organization', variant: 'primary',
        });
        if (!ok) return;
        try {
            await api.patch(`/patients/${patient.id}/global_add_organization`, {}, { organizationId });
            ui.toast(`Added ${fullName(patient)} to ${orgName}.`);
        } catch (error) {
            ui.toast(ui.errorMessage(error), 'danger');
        }
        await loadList();
    }

    async function editPatient(patient) {
        const saved = await ui.formModal({
            title: `Edit ${fullName(patient)}`, testid: 'patient-form',
            fields: [{ name: 'telecomEmail', label: 'E-mail', type: 'email', readonly: true,
                help: 'The e-mail is the patient’s login and cannot be changed here.' }, ...detailFields],
            values: { ...patient, identifiers: (patient.identifiers || []).map(({ system, value }) => ({ system, value })) },
            onSubmit: (values) => {
                const { telecomEmail, ...rest } = cleanDetails(values);
                return api.patch(`/patients/${patient.id}`, rest, { organizationId });
            },
        });
        if (!saved) return;
        ui.toast(`Saved ${fullName(saved)}.`);
        await loadList();
    }

    async function deletePatient(patient) {
        const last = (patient.organizations || []).length <= 1;
        const ok = await ui.confirm({
            title: `Remove ${fullName(patient)}?`,
            message: last
                ? `${orgName} is this patient's only organization: removing them deletes the patient with their ` +
                  'data. Their enrolments end and their consents are withdrawn. This cannot be undone.'
                : `Remove the patient from ${orgName}? Enrolments in its studies end and those consents are ` +
                  'withdrawn; the patient stays in their other organizations.',
            confirmLabel: 'Remove',
        });
        if (!ok) return;
        try {
            await api.del(`/patients/${patient.id}`, undefined, { organizationId });
            ui.toast(`Removed ${fullName(patient)} from ${orgName}.`);
        } catch (error) {
            ui.toast(ui.errorMessage(error), 'danger');
        }
        await loadList();
    }

    // --- Enrolment ---------------------------------------------------------------------------------------

    async function addSelectedToStudy() {
        const ids = [...selection];
        if (!ids.length) return;
        if (!studyPicker.studies.length) {
            ui.toast('This organization has no studies yet.', 'warning');
            return;
        }
        const result = await ui.formModal({
            title: 'Add patients to a study', testid: 'enrol-form', submitLabel: 'Add to study',
            intro: `${ids.length} patient${ids.length > 1 ? 's' : ''} selected.`,
            fields: [{ name: 'studyId', label: 'Study', type: 'select', required: true,
                options: [{ value: '', label: 'Choose a study…' },
                    ...studyPicker.studies.map((s) => ({ value: s.id, label: `${s.name} (${s.id})` }))] }],
            values: { studyId: studyId || '' },
            onSubmit: async (values) => {
                await api.post(`/studies/${values.studyId}/patients`, { patientIds: ids });
                return values;
            },
        });
        if (!result) return;
        const target = studyPicker.studies.find((s) => String(s.id) === String(result.studyId));
        ui.toast(`Enrolled ${ids.length} patient${ids.length > 1 ? 's' : ''} in ${target ? target.name : 'the study'}.`);
        await loadList();
    }

    async function removeSelectedFromStudy() {
        const ids = [...selection];
        if (!ids.length || !study) return;
        const ok = await ui.confirm({
            title: 'Remove from study?',
            message: `Remove ${ids.length} patient${ids.length > 1 ? 's' : ''} from ${study.name}? Their consents to ` +
                'this study end.',
            confirmLabel: 'Remove',
        });
        if (!ok) return;
        try {
            await api.del(`/studies/${study.id}/patients`, { patientIds: ids });
            ui.toast(`Removed ${ids.length} patient${ids.length > 1 ? 's' : ''} from ${study.name}.`);
        } catch (error) {
            ui.toast(ui.errorMessage(error), 'danger');
        }
        await loadList();
    }

    // --- View --------------------------------------------------------------------------------------------

    function viewPatient(patient) {
        const clientsArea = h('div', { testid: 'patient-clients' }, ui.spinner());
        const consentsArea = h('div', { testid: 'patient-consents' }, ui.spinner());
        const historyArea = h('div', { testid: 'patient-consent-history' }, ui.spinner());
        const dl = (pairs) => h('dl', { class: 'row mb-0' }, pairs.map(([term, value]) => [
            h('dt', { class: 'col-sm-4' }, term), h('dd', { class: 'col-sm-8 text-break' }, value || '–')]));
        ui.openModal({
            title: fullName(patient), size: 'xl', testid: 'patient-view',
            body: [
                dl([
                    ['Patient ID', String(patient.id)],
                    ['User ID', String(patient.jheUserId ?? '')],
                    ['E-mail', patient.telecomEmail],
                    ['Birth date', ui.formatDate(patient.birthDate)],
                    ['Phone', patient.telecomPhone],
                    ['External identifiers', (patient.identifiers || []).length
                        ? h('ul', { class: 'list-unstyled mb-0' },
                            patient.identifiers.map((i) => h('li', h('code', i.system), ' | ', i.value)))
                        : null],
                    ['Organizations', (patient.organizations || []).map((o) => o.name).join(', ')],
                ]),
                h('h3', { class: 'h5 mt-4' }, 'Patient apps'), clientsArea,
                h('h3', { class: 'h5 mt-4' }, 'Consents'), consentsArea,
                h('h3', { class: 'h5 mt-4' }, 'Consent history'), historyArea,
            ],
        });
        loadClients(patient, clientsArea);
        loadConsents(patient, consentsArea, historyArea);
    }

    async function loadClients(patient, area) {
        try {
            const clients = await api.get(`/patients/${patient.id}/consolidated_clients`);
            if (!clients.length) {
                ui.clear(area, ui.emptyState('The patient’s studies use no patient apps yet.'));
                return;
            }
            ui.clear(area, h('div', { class: 'row g-3' }, clients.map((c) => h('div', { class: 'col-lg-6' },
                clientCard(patient, c)))));
        } catch (error) {
            ui.showError(area, error);
        }
    }

    function clientCard(patient, client) {
        const past = (client.patientInvitations || []).slice().sort((a, b) =>
            String(b.lastUpdated).localeCompare(String(a.lastUpdated)));
        const result = h('div', { class: 'mt-2', 'aria-live': 'polite' });
        const emailBox = h('input', { type: 'checkbox', class: 'form-check-input', id: `send-email-${client.id}` });
        const generate = ui.gate(ui.button('Generate invitation link', { size: 'sm', icon: 'link-45deg',
            testid: `generate-invitation-${client.id}` }), canInvite, 'Inviting needs the member or manager role here.');
        generate.addEventListener('click', async () => {
            generate.disabled = true;
            try {
                const invitation = await api.post('/invitation',
                    { patient_id: patient.id, client_id: client.id, send_email: emailBox.checked });
                await showInvitation(result, client, invitation, emailBox.checked);
            } catch (error) {
                ui.showError(result, error);
            }
            generate.disabled = false;
        });
        return h('div', { class: 'card h-100', testid: `client-card-${client.id}` }, h('div', { class: 'card-body' },
            h('h4', { class: 'h6 card-title' }, client.name),
            h('p', { class: 'small text-secondary mb-2' }, `Client ID ${client.clientId}`),
            past.length ? h('ul', { class: 'small mb-2' }, past.map((i) => h('li',
                `${ui.formatDateTime(i.lastUpdated)} → ${i.status}`))) : h('p', { class: 'small mb-2' },
                'No invitation yet.'),
            canInvite ? h('div', { class: 'form-check mb-2' }, emailBox,
                h('label', { class: 'form-check-label small', for: emailBox.id }, 'Also send the link by e-mail')) : null,
            generate, result));
    }

    async function showInvitation(area, client, invitation, emailed) {
        const link = invitation.invitationLink;
        const fieldId = `invitation-link-${client.id}`;
        const field = h('input', { id: fieldId, class: 'form-control invitation-link', readonly: true,
            testid: 'invitation-link' });
        field.value = link;
        const qr = await ui.qrCode(link, { label: `QR code of the invitation link for ${client.name}` });
        ui.clear(area,
            h('label', { class: 'form-label small mb-1', for: fieldId }, 'Invitation link (valid once, for a few days)'),
            h('div', { class: 'input-group input-group-sm mb-2' }, field, ui.copyButton(field, { size: 'sm' })),
            emailed ? h('p', { class: 'small text-success mb-2' }, 'The link was also sent to the patient by e-mail.')
                : null,
            qr);
    }

    async function loadConsents(patient, area, historyArea) {
        let consents;
        try {
            consents = await api.get(`/patients/${patient.id}/consents`);
        } catch (error) {
            ui.showError(area, error);
            ui.clear(historyArea);
            return;
        }
        const pending = consents.studiesPendingConsent || [];
        const answered = consents.studies || [];
        const studyNames = new Map([...pending, ...answered].map((s) => [s.id, s.name]));
        const scopeItem = (entry) => {
            let state = ['hourglass-split', 'pending', 'warning'];
            if (entry.consented === true) state = ['check-circle-fill', 'consented', 'success'];
            else if (entry.consented === false) state = ['x-circle-fill', 'declined', 'danger'];
            return h('li', { class: 'd-flex align-items-center gap-2' },
                h('i', { class: `bi bi-${state[0]} text-${state[2]}`, 'aria-hidden': 'true' }),
                h('span', entry.code.text), ui.badge(state[1], state[2]),
                entry.consentedTime ? h('span', { class: 'small text-secondary' }, ui.formatDateTime(entry.consentedTime))
                    : null);
        };
        const studyBlock = (s, entries) => h('div', { class: 'mb-2' },
            h('div', { class: 'fw-semibold' }, `${s.name} (${s.id})`, h('span', { class: 'text-secondary small' },
                s.organization ? ` · ${s.organization.name}` : '')),
            h('ul', { class: 'scope-list mb-0 ms-2' }, entries.map(scopeItem)));
        ui.clear(area,
            h('div', { class: 'row g-3' },
                h('div', { class: 'col-lg-6', testid: 'consents-pending' },
                    h('h4', { class: 'h6' }, 'Studies awaiting a response'),
                    pending.length ? pending.map((s) => studyBlock(s, s.pendingScopeConsents || []))
                        : ui.emptyState('None.')),
                h('div', { class: 'col-lg-6', testid: 'consents-answered' },
                    h('h4', { class: 'h6' }, 'Studies responded to'),
                    answered.length ? answered.map((s) => studyBlock(s, s.scopeConsents || []))
                        : ui.emptyState('None.'))),
            h('p', { class: 'small text-secondary mt-2 mb-0' }, 'Shared now: ',
                (consents.consolidatedConsentedScopes || []).map((s) => s.text).join(', ') || 'nothing'));

        try {
            const history = await api.get(`/patients/${patient.id}/consents/history`, { pageSize: 100 });
            const rows = (history.results || []).slice().reverse();
            ui.clear(historyArea, ui.table({
                testid: 'consent-history-table',
                emptyText: 'No consent changes recorded.',
                rows,
                columns: [
                    { label: 'When', value: (e) => ui.formatDateTime(e.occurredAt) },
                    { label: 'Study', value: (e) => studyNames.get(e.study) || String(e.study) },
                    { label: 'Data type', value: (e) => e.scopeCode?.text || '' },
                    { label: 'Change', value: (e) => `${e.fromState || 'none'} → ${e.toState || 'none'}` },
                    { label: 'By user', value: (e) => String(e.actorUserId ?? '') },
                ],
            }), history.count > rows.length
                ? h('p', { class: 'small text-secondary' }, `Showing the latest ${rows.length} of ${history.count}.`)
                : null);
        } catch (error) {
            ui.showError(historyArea, error);
        }
    }

    // --- Identifier rows (custom form control) -----------------------------------------------------------

    function identifierRows(initial) {
        const rows = h('div', { class: 'd-flex flex-column gap-2' });
        const wrapper = h('fieldset', { class: 'mb-1', testid: 'identifier-rows' },
            h('legend', { class: 'form-label fs-6 mb-1' }, 'External identifiers'), rows);
        let counter = 0;
        const addRow = (system = '', value = '') => {
            counter += 1;
            const n = counter;
            const sys = h('input', { class: 'form-control form-control-sm', placeholder: 'System (URI)',
                'aria-label': `Identifier ${n} system`, testid: `identifier-system-${n}` });
            const val = h('input', { class: 'form-control form-control-sm', placeholder: 'Value',
                'aria-label': `Identifier ${n} value`, testid: `identifier-value-${n}` });
            sys.value = system;
            val.value = value;
            const row = h('div', { class: 'input-group input-group-sm identifier-row' }, sys, val,
                ui.button(`Remove identifier ${n}`, { variant: 'outline-danger', size: 'sm', icon: 'x-lg',
                    iconOnly: true, onClick: () => row.remove() }));
            rows.append(row);
        };
        (initial || []).forEach((i) => addRow(i.system, i.value));
        wrapper.append(h('div', { class: 'mt-2' }, ui.button('Add identifier', { variant: 'outline-secondary',
            size: 'sm', icon: 'plus-lg', testid: 'add-identifier', onClick: () => addRow() })));
        return {
            element: wrapper,
            getValue: () => [...rows.querySelectorAll('.identifier-row')]
                .map((row) => {
                    const [sys, val] = row.querySelectorAll('input');
                    return { system: sys.value.trim(), value: val.value.trim() };
                })
                .filter((i) => i.system || i.value),
        };
    }
}
