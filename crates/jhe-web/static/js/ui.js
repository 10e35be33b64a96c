// DOM helpers shared by the screens (handed to them as ctx.ui).
//
// Everything is built with DOM calls: no inline handlers, no style attributes, so the page's
// Content-Security-Policy (script-src 'self'; style-src 'self') holds. Bootstrap's bundle (window.bootstrap)
// provides the modal and toast behaviour.
//
// Elements
//   h(tag, attrs?, ...children)   build an element. attrs: class/className, text, html is NOT supported;
//                                 on<Event>: listener (onClick, onInput, onSubmit, onChange...);
//                                 dataset: {k: v}; testid: sets data-testid; style: object of
//                                 el.style properties; true/false boolean attributes; anything else via
//                                 setAttribute (null/undefined/false skipped). Children: nodes, strings,
//                                 numbers, arrays (flattened), null/false (skipped).
//   clear(el, ...children)        empty an element and optionally append children; returns it
//   icon(name)                    <i class="bi bi-<name>" aria-hidden="true">
//   button(label, opts)           <button>; opts: variant ('primary', 'outline-secondary', ...), size ('sm'),
//                                 icon, onClick, disabled, title, testid, type, ariaLabel, iconOnly
//   gate(el, allowed, reason?)    disable a control (and set its title) when `allowed` is false; returns el
//   rowActions(name, {before?, onEdit?, onDelete?, after?})
//                                 the right-aligned small buttons of a table row: `before` nodes, Edit, Delete,
//                                 `after` nodes; Edit/Delete only when their handler is given; `name` goes
//                                 into the buttons' accessible labels ("Edit <name>")
//   pageHeader(title, ...actions) <div> with an <h1> and right-aligned actions
//   spinner(text?)                a small loading indicator
//   emptyState(text)              muted paragraph for empty lists
//   badge(text, variant?)         <span class="badge">
//   formatDate(value)             a YYYY-MM-DD date as is, an instant as formatDateTime; '' for empty
//   formatDateTime(value)         ISO instant → locale date and time
//
// Feedback
//   alertBox(message, variant?)   a Bootstrap alert element (variant 'danger' by default)
//   showError(container, error)   replace container's content with an alert for an error (ApiError or any)
//   errorMessage(error)           the text to show for an error
//   toast(message, variant?)      a transient message in the bottom-right corner ('success' by default)
//
// Tables and paging
//   table({columns, rows, emptyText, caption, testid, rowKey, selection, onSelectionChange, selectLabel})
//       columns: [{label, value(row) → node|string, className?}]. With `selection` (a Set of keys) and
//       `rowKey(row)`, a checkbox column is added; the Set is kept up to date and onSelectionChange(set)
//       is called. Returns a <div class="table-responsive">.
//   pager({count, page, pageSize, onChange(page, pageSize), pageSizes?})
//       "Showing a–b of n", previous/next buttons and a page size select.
//
// Dialogs
//   openModal({title, body, footer?, size?, testid?, onClose?})
//       → {el, body, footer, close(), closed (Promise)}; body/footer are nodes or arrays of nodes.
//   confirm({title, message, confirmLabel?, variant?}) → Promise<boolean>
//   confirmDelete({title, message, request, success})
//       asks, then runs request() and shows `success` or the error as a toast; → Promise<null> when cancelled,
//       else Promise<boolean> (whether it worked): reload the list unless it was cancelled
//   buildForm({fields, values?, submitLabel?, onSubmit(values), onCancel?, testid?})
//       fields: [{name, label, type?, required?, options?, help?, placeholder?, autocomplete?, min?, max?,
//                 readonly?, rows?}]; type is text (default) | email | date | number | url | tel | textarea |
//                 select | checkbox | password | hidden | custom (then `render()` returns {element, getValue()}).
//       options: [{value, label}]. Returns {element, values(), setErrors(error), clearErrors(), setBusy(bool),
//       control(name)}. onSubmit may throw an ApiError: its field errors go under the fields (is-invalid +
//       invalid-feedback; keys matched in snake and camel case), the rest into an alert at the top.
//   formModal({title, fields, values?, submitLabel?, onSubmit(values), size?, testid?, intro?})
//       → Promise resolving with onSubmit's result, or null when cancelled. The modal stays open and shows
//       the errors while onSubmit throws.
//
// Misc
//   copyButton(source, opts?)     a "Copy" button copying source (string, input element or function)
//   selectField({id, label, options, value, onChange, testid}) → {element, select}
//   organizationPicker(api, {value, onChange, label?, id?, filter?}) → Promise<{element, select, organizations}>
//       loads the organizations the caller can see (GET /organizations, the root excluded).
//   studyPicker(api, {organizationId, value, onChange, allLabel?, label?, id?})
//       → Promise<{element, select, studies}>; allLabel (default 'All studies') adds an empty choice,
//       allLabel: null makes a study required.
//   qrCode(text, {size?, label?}) → Promise<HTMLImageElement> (data: URL image, CSP-safe)
//   toCamel(name) / toSnake(name) field name conversions
//   intParam(params, name, fallback) a positive integer from URLSearchParams, else fallback

// ---------------------------------------------------------------------------------------------------------
// Elements

export function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
        children.unshift(attrs);
        attrs = null;
    }
    for (const [key, value] of Object.entries(attrs || {})) {
        if (value === undefined || value === null || value === false) continue;
        if (key === 'class' || key === 'className') el.className = value;
        else if (key === 'text') el.textContent = value;
        else if (key === 'testid') el.dataset.testid = value;
        else if (key === 'dataset') Object.assign(el.dataset, value);
        else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
        else if (key.startsWith('on') && typeof value === 'function') {
            el.addEventListener(key.slice(2).toLowerCase(), value);
        } else if (key === 'value' && 'value' in el) el.value = value;
        else if (key === 'checked' || key === 'selected') {
            // Set the default as well, so that form.reset() comes back to it.
            el[key] = !!value;
            el[key === 'checked' ? 'defaultChecked' : 'defaultSelected'] = !!value;
        } else if (key === 'disabled' || key === 'hidden') el[key] = !!value;
        else if (value === true) el.setAttribute(key, '');
        else el.setAttribute(key, String(value));
    }
    append(el, children);
    return el;
}

function append(el, children) {
    for (const child of children) {
        if (child === null || child === undefined || child === false) continue;
        if (Array.isArray(child)) append(el, child);
        else if (child instanceof Node) el.appendChild(child);
        else el.appendChild(document.createTextNode(String(child)));
    }
}

export function clear(el, ...children) {
    el.replaceChildren();
    append(el, children);
    return el;
}

export const icon = (name) => h('i', { class: `bi bi-${name}`, 'aria-hidden': 'true' });

export function button(label, opts = {}) {
    const classes = ['btn', `btn-${opts.variant || 'primary'}`];
    if (opts.size) classes.push(`btn-${opts.size}`);
    if (opts.className) classes.push(opts.className);
    const el = h('button', {
        type: opts.type || 'button',
        class: classes.join(' '),
        title: opts.title,
        testid: opts.testid,
        'aria-label': opts.ariaLabel || (opts.iconOnly ? label : undefined),
        onClick: opts.onClick,
    });
    if (opts.icon) el.append(icon(opts.icon));
    if (opts.iconOnly) {
        el.append(h('span', { class: 'visually-hidden' }, label));
    } else {
        el.append(opts.icon ? ` ${label}` : label);
    }
    if (opts.disabled) el.disabled = true;
    return el;
}

export function rowActions(name, { before = [], onEdit, onDelete, after = [] } = {}) {
    return h(
        'div',
        { class: 'd-flex gap-1 justify-content-end text-nowrap' },
        before,
        onEdit
            ? button('Edit', { variant: 'outline-primary', size: 'sm', icon: 'pencil', ariaLabel: `Edit ${name}`, onClick: onEdit })
            : null,
        onDelete
            ? button('Delete', { variant: 'outline-danger', size: 'sm', icon: 'trash', ariaLabel: `Delete ${name}`, onClick: onDelete })
            : null,
        after,
    );
}

export function gate(el, allowed, reason = 'Your role does not allow this.') {
    if (!allowed) {
        el.disabled = true;
        el.title = reason;
        el.setAttribute('aria-disabled', 'true');
    }
    return el;
}

export function pageHeader(title, ...actions) {
    return h('div', { class: 'd-flex flex-wrap align-items-center justify-content-between gap-2 mb-3' },
        h('h1', { class: 'h3 mb-0' }, title),
        h('div', { class: 'd-flex flex-wrap gap-2' }, ...actions));
}

export const spinner = (text = 'Loading…') =>
    h('div', { class: 'd-flex align-items-center gap-2 text-secondary my-3', role: 'status' },
        h('span', { class: 'spinner-border spinner-border-sm', 'aria-hidden': 'true' }), h('span', text));

export const emptyState = (text) => h('p', { class: 'text-secondary fst-italic my-3' }, text);

export const badge = (text, variant = 'secondary') => h('span', { class: `badge text-bg-${variant}` }, text);

export function intParam(params, name, fallback) {
    const n = Number.parseInt(params.get(name) || '', 10);
    return Number.isFinite(n) && n > 0 ? n : fallback;
}

export function formatDate(value) {
    if (!value) return '';
    // Calendar dates stay in ISO form (unambiguous in every locale, and how birth dates are entered).
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
    return formatDateTime(value);
}

export function formatDateTime(value) {
    if (!value) return '';
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

// ---------------------------------------------------------------------------------------------------------
// Feedback

export function errorMessage(error) {
    if (!error) return '';
    if (error.name === 'ApiError') {
        const extra = Object.entries(error.fieldErrors || {})
            .filter(([field]) => field && field !== 'non_field_errors')
            .map(([field, messages]) => `${field}: ${messages.join(' ')}`);
        return extra.length && !error.detail ? `${error.message} (${extra.join('; ')})` : error.message;
    }
    console.warn(error);
    return 'Something went wrong. Reload the page and try again.';
}

export function alertBox(message, variant = 'danger') {
    return h('div', { class: `alert alert-${variant}`, role: variant === 'danger' ? 'alert' : 'status' }, message);
}

export function showError(container, error) {
    return clear(container, alertBox(errorMessage(error), 'danger'));
}

function toastArea() {
    let area = document.getElementById('toast-area');
    if (!area) {
        area = h('div', { id: 'toast-area', class: 'toast-container position-fixed bottom-0 end-0 p-3' });
        document.body.append(area);
    }
    return area;
}

export function toast(message, variant = 'success') {
    const el = h('div', {
        class: `toast align-items-center text-bg-${variant} border-0`, role: 'status', 'aria-live': 'polite',
        'aria-atomic': 'true',
    }, h('div', { class: 'd-flex' },
        h('div', { class: 'toast-body' }, message),
        h('button', { type: 'button', class: 'btn-close btn-close-white me-2 m-auto', 'data-bs-dismiss': 'toast',
            'aria-label': 'Close' })));
    toastArea().append(el);
    el.addEventListener('hidden.bs.toast', () => el.remove());
    window.bootstrap.Toast.getOrCreateInstance(el, { delay: 4000 }).show();
}

// ---------------------------------------------------------------------------------------------------------
// Tables and paging

export function table({ columns, rows, emptyText = 'Nothing to show.', caption, testid, rowKey, selection,
    onSelectionChange, selectLabel = (row) => `Select ${rowKey(row)}` }) {
    if (!rows || rows.length === 0) return h('div', { testid }, emptyState(emptyText));
    const selectable = selection instanceof Set && typeof rowKey === 'function';
    const notify = () => onSelectionChange && onSelectionChange(selection);
    const rowBoxes = [];
    let headBox = null;
    if (selectable) {
        headBox = h('input', { type: 'checkbox', class: 'form-check-input', 'aria-label': 'Select all rows' });
        headBox.addEventListener('change', () => {
            for (const [box, key] of rowBoxes) {
                box.checked = headBox.checked;
                if (headBox.checked) selection.add(key); else selection.delete(key);
            }
            notify();
        });
    }
    const head = h('thead', h('tr',
        selectable ? h('th', { scope: 'col', class: 'select-col' }, headBox) : null,
        columns.map((c) => h('th', { scope: 'col', class: c.className }, c.label))));
    const body = h('tbody', rows.map((row) => {
        let cell = null;
        if (selectable) {
            const key = rowKey(row);
            const box = h('input', { type: 'checkbox', class: 'form-check-input', 'aria-label': selectLabel(row),
                checked: selection.has(key) });
            box.addEventListener('change', () => {
                if (box.checked) selection.add(key); else selection.delete(key);
                headBox.checked = rowBoxes.every(([b]) => b.checked);
                notify();
            });
            rowBoxes.push([box, key]);
            cell = h('td', { class: 'select-col' }, box);
        }
        return h('tr', cell, columns.map((c) => h('td', { class: c.className }, c.value(row))));
    }));
    if (headBox) headBox.checked = rowBoxes.length > 0 && rowBoxes.every(([b]) => b.checked);
    return h('div', { class: 'table-responsive', testid },
        h('table', { class: 'table table-sm table-hover align-middle' },
            caption ? h('caption', caption) : null, head, body));
}

export function pager({ count, page, pageSize, onChange, pageSizes = [10, 20, 50, 100] }) {
    const pages = Math.max(1, Math.ceil(count / pageSize));
    const first = count === 0 ? 0 : (page - 1) * pageSize + 1;
    const last = Math.min(count, page * pageSize);
    const sizeId = `page-size-${Math.random().toString(36).slice(2, 8)}`;
    const size = h('select', { id: sizeId, class: 'form-select form-select-sm w-auto' },
        [...new Set([...pageSizes, pageSize])].sort((a, b) => a - b)
            .map((n) => h('option', { value: n, selected: n === pageSize }, String(n))));
    size.addEventListener('change', () => onChange(1, Number(size.value)));
    return h('nav', { class: 'd-flex flex-wrap align-items-center gap-3 my-2', 'aria-label': 'Pages' },
        h('span', { class: 'text-secondary' }, `Showing ${first}–${last} of ${count}`),
        h('div', { class: 'btn-group btn-group-sm' },
            button('Previous', { variant: 'outline-secondary', icon: 'chevron-left', disabled: page <= 1,
                onClick: () => onChange(page - 1, pageSize) }),
            h('span', { class: 'btn btn-outline-secondary disabled', 'aria-current': 'page' },
                `Page ${page} of ${pages}`),
            button('Next', { variant: 'outline-secondary', icon: 'chevron-right', disabled: page >= pages,
                onClick: () => onChange(page + 1, pageSize) })),
        h('div', { class: 'd-flex align-items-center gap-2' },
            h('label', { for: sizeId, class: 'form-label mb-0' }, 'Per page'), size));
}

// ---------------------------------------------------------------------------------------------------------
// Dialogs

let modalCounter = 0;

export function openModal({ title, body, footer, size, testid, onClose }) {
    modalCounter += 1;
    const titleId = `modal-title-${modalCounter}`;
    const bodyEl = h('div', { class: 'modal-body' }, body);
    const footerEl = h('div', { class: 'modal-footer' }, footer);
    if (!footer) footerEl.append(button('Close', { variant: 'secondary', onClick: () => close() }));
    // A dialog opened from another one (e.g. a confirmation) is stacked above it (see app.css).
    const stacked = document.querySelector('.modal.show') !== null;
    const el = h('div', { class: `modal fade${stacked ? ' modal-stacked' : ''}`, tabindex: '-1', 'aria-labelledby': titleId, 'aria-modal': 'true',
        role: 'dialog', testid },
    h('div', { class: `modal-dialog modal-dialog-scrollable${size ? ` modal-${size}` : ''}` },
        h('div', { class: 'modal-content' },
            h('div', { class: 'modal-header' },
                h('h2', { class: 'modal-title h5', id: titleId }, title),
                h('button', { type: 'button', class: 'btn-close', 'data-bs-dismiss': 'modal',
                    'aria-label': 'Close' })),
            bodyEl, footerEl)));
    document.body.append(el);
    const instance = new window.bootstrap.Modal(el);
    let resolveClosed;
    const closed = new Promise((resolve) => { resolveClosed = resolve; });
    el.addEventListener('hidden.bs.modal', () => {
        instance.dispose();
        el.remove();
        if (onClose) onClose();
        resolveClosed();
    });
    el.addEventListener('shown.bs.modal', () => {
        const focusable = bodyEl.querySelector('input:not([type=hidden]):not([readonly]), select, textarea');
        if (focusable) focusable.focus();
    });
    instance.show();
    function close() {
        instance.hide();
    }
    return { el, body: bodyEl, footer: footerEl, close, closed };
}

export async function confirmDelete({ title, message, request, success }) {
    if (!(await confirm({ title, message }))) return null;
    try {
        await request();
        toast(success);
        return true;
    } catch (error) {
        toast(errorMessage(error), 'danger');
        return false;
    }
}

export function confirm({ title = 'Please confirm', message, confirmLabel = 'Delete', variant = 'danger' }) {
    return new Promise((resolve) => {
        let answer = false;
        const modal = openModal({
            title,
            body: h('p', { class: 'mb-0' }, message),
            testid: 'confirm-dialog',
            footer: [
                button('Cancel', { variant: 'secondary', onClick: () => modal.close() }),
                button(confirmLabel, { variant, testid: 'confirm-ok', onClick: () => { answer = true; modal.close(); } }),
            ],
            onClose: () => resolve(answer),
        });
    });
}

export const toCamel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
export const toSnake = (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

let fieldCounter = 0;

function buildControl(field, value) {
    fieldCounter += 1;
    const id = field.id || `f-${field.name}-${fieldCounter}`;
    const type = field.type || 'text';
    const describedBy = [];
    const help = field.help ? h('div', { class: 'form-text', id: `${id}-help` }, field.help) : null;
    if (help) describedBy.push(`${id}-help`);
    const feedback = h('div', { class: 'invalid-feedback', id: `${id}-error` });
    describedBy.push(`${id}-error`);
    const common = { id, name: field.name, required: !!field.required, readonly: !!field.readonly,
        'aria-describedby': describedBy.join(' '), testid: field.testid };
    let input;
    let getValue;
    if (type === 'custom') {
        const custom = field.render(value);
        return { name: field.name, label: field.label, element: h('div', { class: 'mb-3' }, custom.element, feedback),
            input: custom.element, feedback, getValue: custom.getValue };
    } else if (type === 'select') {
        input = h('select', { ...common, class: 'form-select' },
            (field.options || []).map((o) => h('option', { value: o.value, selected: String(o.value) === String(value ?? '') },
                o.label)));
        getValue = () => input.value;
    } else if (type === 'textarea') {
        input = h('textarea', { ...common, class: 'form-control', rows: field.rows || 3,
            placeholder: field.placeholder });
        input.value = value ?? '';
        getValue = () => input.value;
    } else if (type === 'checkbox') {
        input = h('input', { ...common, type: 'checkbox', class: 'form-check-input', checked: !!value });
        getValue = () => input.checked;
        const element = h('div', { class: 'form-check mb-3' }, input,
            h('label', { class: 'form-check-label', for: id }, field.label), feedback, help);
        return { name: field.name, label: field.label, element, input, feedback, getValue };
    } else {
        input = h('input', { ...common, type, class: 'form-control', placeholder: field.placeholder,
            autocomplete: field.autocomplete, min: field.min, max: field.max });
        input.value = value ?? '';
        getValue = () => (type === 'number' ? (input.value === '' ? null : Number(input.value)) : input.value.trim());
    }
    if (type === 'hidden') return { name: field.name, label: field.label, element: input, input, feedback, getValue };
    const label = h('label', { class: 'form-label', for: id }, field.label,
        field.required ? h('span', { class: 'text-danger', 'aria-hidden': 'true' }, ' *') : null);
    return { name: field.name, label: field.label, element: h('div', { class: 'mb-3' }, label, input, feedback, help),
        input, feedback, getValue };
}

export function buildForm({ fields, values = {}, submitLabel = 'Save', onSubmit, onCancel, testid, hideButtons }) {
    const alertArea = h('div', { class: 'form-alerts' });
    const controls = fields.map((field) => buildControl(field, values[field.name]));
    const submit = button(submitLabel, { type: 'submit', testid: 'form-submit' });
    const buttons = hideButtons ? null : h('div', { class: 'd-flex justify-content-end gap-2' },
        onCancel ? button('Cancel', { variant: 'secondary', onClick: onCancel }) : null, submit);
    const element = h('form', { novalidate: true, testid }, alertArea, controls.map((c) => c.element), buttons);

    function collect() {
        const out = {};
        for (const c of controls) out[c.name] = c.getValue();
        return out;
    }
    function clearErrors() {
        alertArea.replaceChildren();
        for (const c of controls) {
            c.input.classList.remove('is-invalid');
            c.feedback.textContent = '';
        }
    }
    function find(key) {
        return controls.find((c) => c.name === key || c.name === toCamel(key) || toSnake(c.name) === key);
    }
    function setErrors(error) {
        clearErrors();
        const rest = [];
        const summary = [];
        const fieldErrors = (error && error.fieldErrors) || {};
        for (const [key, messages] of Object.entries(fieldErrors)) {
            const top = key.split('.')[0];
            const control = key ? find(key) || find(top) : null;
            if (control) {
                control.input.classList.add('is-invalid');
                const nested = control.name === key || control.name === toCamel(key) ? '' : key.slice(top.length + 1);
                const text = (nested ? `${nested}: ` : '') + messages.join(' ');
                control.feedback.textContent = [control.feedback.textContent, text].filter(Boolean).join(' ');
                control.feedback.classList.add('d-block');
                summary.push(`${control.label}: ${text}`);
            } else {
                rest.push(...messages);
            }
        }
        // The alert repeats the field messages, so that they are seen even when the field is scrolled away.
        let text;
        if (error && error.detail) text = error.detail;
        else if (rest.length) text = rest.concat(summary).join(' ');
        else if (summary.length) text = `Please correct the marked fields. ${summary.join(' ')}`;
        else text = errorMessage(error);
        alertArea.append(alertBox(text));
        alertArea.scrollIntoView({ block: 'nearest' });
        const firstInvalid = element.querySelector('.is-invalid');
        if (firstInvalid && typeof firstInvalid.focus === 'function') firstInvalid.focus();
    }
    function validate() {
        clearErrors();
        let ok = true;
        for (const c of controls) {
            if (c.input.checkValidity && !c.input.checkValidity()) {
                ok = false;
                c.input.classList.add('is-invalid');
                c.feedback.textContent = c.input.validationMessage;
                c.feedback.classList.add('d-block');
            }
        }
        if (!ok) {
            alertArea.append(alertBox('Please correct the marked fields.'));
            element.querySelector('.is-invalid')?.focus();
        }
        return ok;
    }
    function setBusy(busy) {
        submit.disabled = busy;
        element.setAttribute('aria-busy', busy ? 'true' : 'false');
    }
    element.addEventListener('submit', async (event) => {
        event.preventDefault();
        if (!validate() || !onSubmit) return;
        setBusy(true);
        try {
            await onSubmit(collect());
        } catch (error) {
            setErrors(error);
        } finally {
            setBusy(false);
        }
    });
    return { element, values: collect, setErrors, clearErrors, setBusy, validate, submitButton: submit,
        control: (name) => controls.find((c) => c.name === name)?.input };
}

export function formModal({ title, fields, values, submitLabel = 'Save', onSubmit, size, testid, intro }) {
    return new Promise((resolve) => {
        let result = null;
        let done = false;
        const form = buildForm({
            fields, values, submitLabel, hideButtons: true,
            onSubmit: async (data) => {
                result = await onSubmit(data);
                done = true;
                modal.close();
            },
        });
        form.element.id = `form-${++modalCounter}`;
        const submit = button(submitLabel, { testid: 'modal-submit' });
        submit.setAttribute('type', 'submit');
        submit.setAttribute('form', form.element.id);
        const modal = openModal({
            title, size, testid,
            body: [intro ? h('p', intro) : null, form.element],
            footer: [button('Cancel', { variant: 'secondary', onClick: () => modal.close() }), submit],
            onClose: () => resolve(done ? result : null),
        });
    });
}

// ---------------------------------------------------------------------------------------------------------
// Misc

async function writeClipboard(text) {
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        // Fallback for browsers without clipboard access (e.g. plain http): select a hidden field and copy.
        const area = h('textarea', { class: 'visually-hidden', readonly: true, 'aria-hidden': 'true' });
        area.value = text;
        document.body.append(area);
        area.select();
        let ok = false;
        try { ok = document.execCommand('copy'); } catch { ok = false; }
        area.remove();
        return ok;
    }
}

export function copyButton(source, opts = {}) {
    const el = button(opts.label || 'Copy', { variant: opts.variant || 'outline-secondary', icon: 'clipboard',
        size: opts.size, testid: opts.testid || 'copy-button', title: 'Copy to the clipboard' });
    el.addEventListener('click', async () => {
        const text = typeof source === 'function' ? source() : (source instanceof Element ? source.value : source);
        const ok = await writeClipboard(text);
        toast(ok ? 'Copied to the clipboard.' : 'Copying failed; select the text and copy it yourself.',
            ok ? 'success' : 'warning');
    });
    return el;
}

export function selectField({ id, label, options, value, onChange, testid, className = 'mb-3' }) {
    const selectId = id || `sel-${++fieldCounter}`;
    const select = h('select', { id: selectId, class: 'form-select', testid },
        options.map((o) => h('option', { value: o.value, selected: String(o.value) === String(value ?? '') }, o.label)));
    if (onChange) select.addEventListener('change', () => onChange(select.value));
    const element = h('div', { class: className }, h('label', { class: 'form-label', for: selectId }, label), select);
    return { element, select };
}

/** Organizations visible to the caller, sorted by name, without the root (id 0). */
export async function loadOrganizations(api) {
    const items = await api.getAll('/organizations');
    return items.filter((o) => o.id !== 0).sort((a, b) => a.name.localeCompare(b.name));
}

export async function organizationPicker(api, { value, onChange, label = 'Organization', id = 'organization-picker',
    filter, className = 'mb-3' }) {
    let organizations = await loadOrganizations(api);
    if (filter) organizations = organizations.filter(filter);
    const options = organizations.length
        ? organizations.map((o) => ({ value: o.id, label: `${o.name} (${o.id})` }))
        : [{ value: '', label: 'No organizations' }];
    const { element, select } = selectField({ id, label, options, value, onChange: (v) => onChange && onChange(v),
        testid: 'organization-picker', className });
    return { element, select, organizations };
}

export async function studyPicker(api, { organizationId, value, onChange, allLabel = 'All studies', label = 'Study',
    id = 'study-picker', className = 'mb-3' }) {
    const studies = organizationId ? await api.getAll('/studies', { organizationId }) : [];
    const options = [];
    if (allLabel !== null) options.push({ value: '', label: allLabel });
    for (const s of studies) options.push({ value: s.id, label: `${s.name} (${s.id})` });
    if (!options.length) options.push({ value: '', label: 'No studies' });
    const { element, select } = selectField({ id, label, options, value, testid: 'study-picker', className,
        onChange: (v) => onChange && onChange(v) });
    return { element, select, studies };
}

export async function qrCode(text, { size = 4, label = 'QR code' } = {}) {
    const { default: qrcode } = await import('/ui/vendor/qrcode-generator/qrcode.mjs');
    const qr = qrcode(0, 'M');
    qr.addData(text);
    qr.make();
    const img = h('img', { src: qr.createDataURL(size, size * 2), alt: label, class: 'qr-code img-fluid',
        testid: 'qr-code' });
    return img;
}
