// Boot, session, navigation and routing of the web UI.
//
// Routes: `/` (landing page when signed out), `/auth/callback` (end of sign-in) and
// `/clients/jhe-admin/<screen>?<state>`; each screen is the module ./screens/<screen>.js exporting
// `render(view, ctx)` (see ui-contract: ctx = { api, ui, session, params, navigate }).

import * as api from './api.js';
import * as ui from './ui.js';
import * as auth from './auth.js';

const BASE = '/clients/jhe-admin';
const DEFAULT_SCREEN = 'organizations';
const DEFAULT_ROUTE = `${BASE}/${DEFAULT_SCREEN}`;

// The left navigation, in order. `show(session)` decides whether the item is listed.
const SCREENS = [
    { name: 'organizations', label: 'Organizations', icon: 'diagram-3' },
    { name: 'patients', label: 'Patients', icon: 'people' },
    { name: 'studies', label: 'Studies', icon: 'journal-medical' },
    { name: 'observations', label: 'Observations', icon: 'activity' },
    { name: 'data-sources', label: 'Data Sources', icon: 'smartwatch' },
    { name: 'clients', label: 'Clients', icon: 'phone' },
    { name: 'practitioners', label: 'Practitioners', icon: 'person-badge',
        show: (s) => s.can('practitioner.manage') },
    { name: 'settings', label: 'System Settings', icon: 'gear', show: (s) => s.can('setting.manage') },
    { name: 'audit', label: 'Audit Log', icon: 'shield-check', show: (s) => s.can('audit.read') },
    // Reached from the user menu, not listed in the left navigation.
    { name: 'profile', label: 'Profile', icon: 'person-circle', hidden: true },
];

let settings = null;
let session = null;
let renderCount = 0;

/** Builds ctx.session from /users/profile and /users/permissions. */
function makeSession(profile, permissions) {
    const global = new Set(permissions.global || []);
    const byOrganization = new Map((permissions.organizations || [])
        .map((o) => [String(o.organizationId), { role: o.role, permissions: new Set(o.permissions) }]));
    return {
        profile,
        permissions,
        /** Whether the caller may do `perm`, in `organizationId` when given (else: globally or anywhere). */
        can(perm, organizationId) {
            if (global.has(perm)) return true;
            if (organizationId === undefined || organizationId === null || organizationId === '') {
                return [...byOrganization.values()].some((o) => o.permissions.has(perm));
            }
            const entry = byOrganization.get(String(organizationId));
            return !!entry && entry.permissions.has(perm);
        },
        /** The caller's effective role in an organization (viewer, member, manager) or null. */
        role(organizationId) {
            return byOrganization.get(String(organizationId))?.role ?? null;
        },
    };
}

// ---------------------------------------------------------------------------------------------------------
// Routing

function currentScreen() {
    const path = window.location.pathname.replace(/\/+$/, '');
    if (!path.startsWith(BASE)) return null;
    const rest = path.slice(BASE.length).replace(/^\/+/, '');
    return rest.split('/')[0] || DEFAULT_SCREEN;
}

function routeUrl(screen, params) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params || {})) {
        if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
    }
    const text = query.toString();
    return `${BASE}/${screen}${text ? `?${text}` : ''}`;
}

/** Pushes a route and renders it. `params` is a plain object or URLSearchParams. */
export function navigate(screen, params = {}, { replace = false } = {}) {
    const plain = params instanceof URLSearchParams ? Object.fromEntries(params) : params;
    const url = routeUrl(screen, plain);
    if (replace) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
    return renderRoute({ focus: true });
}

function freshMain() {
    const old = document.getElementById('main');
    const main = ui.h('main', { id: 'main', class: old.className, tabindex: '-1' });
    old.replaceWith(main);
    return main;
}

async function renderRoute({ focus = false } = {}) {
    const screen = currentScreen() || DEFAULT_SCREEN;
    const known = SCREENS.find((s) => s.name === screen);
    markActive(screen);
    const view = freshMain();
    const mine = ++renderCount;
    document.title = `${known ? known.label : 'Not found'} · JupyterHealth Exchange`;
    if (focus) view.focus();
    if (!known) {
        view.append(ui.pageHeader('Not found'), ui.alertBox(`There is no screen called “${screen}”.`, 'warning'));
        return;
    }
    view.append(ui.spinner());
    let module;
    try {
        module = await import(`./screens/${screen}.js`);
    } catch (error) {
        console.warn(`screen ${screen} could not be loaded`, error);
        if (mine !== renderCount) return;
        ui.clear(view, ui.pageHeader(known.label), ui.alertBox('This screen is not available yet.', 'info'));
        return;
    }
    // Roles change (an organization created, a member added), so each screen starts from fresh permissions.
    try {
        session = makeSession(session.profile, await api.get('/users/permissions'));
    } catch (error) {
        if (mine !== renderCount) return;
        ui.clear(view, ui.pageHeader(known.label), ui.alertBox(ui.errorMessage(error)));
        return;
    }
    if (mine !== renderCount) return;
    view.replaceChildren();
    const ctx = { api: api.api, ui, session, params: new URLSearchParams(window.location.search), navigate };
    try {
        await module.render(view, ctx);
    } catch (error) {
        if (mine !== renderCount) return;
        view.append(ui.alertBox(ui.errorMessage(error)));
    }
}

// ---------------------------------------------------------------------------------------------------------
// Page chrome

function markActive(screen) {
    for (const link of document.querySelectorAll('#nav-list a[data-screen]')) {
        const active = link.dataset.screen === screen;
        link.classList.toggle('active', active);
        if (active) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
    }
}

function routeLink(screen, label, className, iconName) {
    const link = ui.h('a', { href: routeUrl(screen), class: className, dataset: { screen } },
        iconName ? ui.icon(iconName) : null, iconName ? ` ${label}` : label);
    link.addEventListener('click', (event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(screen);
    });
    return link;
}

function buildNav() {
    const list = document.getElementById('nav-list');
    const items = SCREENS.filter((s) => !s.hidden && (!s.show || s.show(session)));
    ui.clear(list, items.map((s) => ui.h('li', { class: 'nav-item' },
        routeLink(s.name, s.label, 'nav-link', s.icon))));
    document.getElementById('side-nav').hidden = false;
}

function buildUserMenu() {
    const menu = document.getElementById('user-menu');
    const p = session.profile;
    const name = [p.firstName, p.lastName].filter(Boolean).join(' ') || p.email || `User ${p.id}`;
    const profileLink = routeLink('profile', 'Profile', 'dropdown-item', 'person-circle');
    const logout = ui.h('button', { type: 'button', class: 'dropdown-item', testid: 'logout' },
        ui.icon('box-arrow-right'), ' Log out');
    logout.addEventListener('click', () => auth.signOut());
    ui.clear(menu, ui.h('li', { class: 'nav-item dropdown' },
        ui.h('button', { type: 'button', class: 'btn btn-dark dropdown-toggle', 'data-bs-toggle': 'dropdown',
            'aria-expanded': 'false', testid: 'user-menu' },
        ui.icon('person-circle'), ` ${name}`,
        p.isSuperuser ? ui.h('span', { class: 'badge text-bg-warning ms-2' }, 'superuser') : null),
        ui.h('ul', { class: 'dropdown-menu dropdown-menu-end' },
            ui.h('li', ui.h('span', { class: 'dropdown-item-text small text-secondary' }, p.email || '')),
            ui.h('li', ui.h('hr', { class: 'dropdown-divider' })),
            ui.h('li', profileLink),
            ui.h('li', logout))));
}

function showLanding(message) {
    document.title = 'JupyterHealth Exchange';
    const signIn = ui.button('Sign in', { icon: 'box-arrow-in-right', size: 'lg', testid: 'sign-in',
        onClick: () => auth.signIn(DEFAULT_ROUTE) });
    ui.clear(document.getElementById('user-menu'), ui.h('li', { class: 'nav-item' },
        ui.button('Sign in', { variant: 'outline-light', onClick: () => auth.signIn(DEFAULT_ROUTE) })));
    ui.clear(freshMain(), ui.h('section', { class: 'landing text-center' },
        message ? ui.alertBox(message, 'warning') : null,
        ui.h('h1', { class: 'display-6 mb-3' }, 'JupyterHealth Exchange'),
        ui.h('p', { class: 'lead' },
            'Share health data from patients’ devices and apps with research studies, under the patients’ consent.'),
        ui.h('p', { class: 'text-secondary' },
            'Practitioners sign in to manage organizations, patients, studies and their data.'),
        signIn));
}

function showFatal(message, { signInAgain = false } = {}) {
    ui.clear(freshMain(), ui.alertBox(message),
        signInAgain ? ui.button('Sign in again', { onClick: async () => {
            auth.sessionConfirmed();
            await auth.forgetUser();
            auth.signIn(DEFAULT_ROUTE);
        } }) : null);
}

// ---------------------------------------------------------------------------------------------------------
// Boot

async function loadSettings() {
    const response = await fetch('/ui/settings.json', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`settings.json: HTTP ${response.status}`);
    return response.json();
}

async function onUnauthorized() {
    const redirecting = await auth.handleUnauthorized();
    if (!redirecting) {
        showFatal('The server did not accept your sign-in. Please sign in again.', { signInAgain: true });
    }
}

async function boot() {
    settings = await loadSettings();
    document.getElementById('app-version').textContent = settings.version || '';
    api.configure({
        apiBase: settings.apiBase.replace(/^https?:\/\/[^/]+/, ''),
        fhirBase: settings.fhirBase.replace(/^https?:\/\/[^/]+/, ''),
        getToken: auth.accessToken,
        onUnauthorized,
    });
    auth.initAuth(settings);

    const path = window.location.pathname.replace(/\/+$/, '');
    if (path === '/auth/callback') {
        let target = DEFAULT_ROUTE;
        try {
            target = (await auth.completeSignIn()) || DEFAULT_ROUTE;
        } catch (error) {
            console.warn('sign-in callback failed', error);
            window.history.replaceState(null, '', '/');
            showLanding(`Sign-in failed: ${auth.takeAuthError() || error.message}`);
            return;
        }
        if (!target.startsWith(BASE)) target = DEFAULT_ROUTE;
        window.history.replaceState(null, '', target);
    }

    const user = await auth.currentUser();
    if (!user) {
        if (currentScreen()) {
            await auth.signIn(window.location.pathname + window.location.search);
        } else {
            showLanding(auth.takeAuthError());
        }
        return;
    }
    if (!currentScreen()) window.history.replaceState(null, '', DEFAULT_ROUTE);

    let profile;
    let permissions;
    try {
        [profile, permissions] = await Promise.all([api.get('/users/profile'), api.get('/users/permissions')]);
    } catch (error) {
        if (error.status !== 401) showFatal(ui.errorMessage(error));
        return;
    }
    // The stored token must belong to the account the server sees; otherwise start over.
    if (String(profile.id) !== String(user.profile.sub)) {
        await auth.signOut();
        return;
    }
    auth.sessionConfirmed();
    session = makeSession(profile, permissions);
    buildUserMenu();
    buildNav();
    window.addEventListener('popstate', () => renderRoute());
    await renderRoute();
}

boot().catch((error) => {
    console.warn('boot failed', error);
    showFatal('The application could not start. Reload the page to try again.');
});
