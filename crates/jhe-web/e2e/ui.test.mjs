// End-to-end test of the practitioner web UI: a real server on the demo data, driven through headless Chromium.
//
// Run: cd crates/jhe-web/e2e && npm ci && node --test
//
// Environment:
//   JHE_SERVER_BIN      the jhe-server binary (default ../../../target/debug/jhe-server from this folder)
//   JHE_WEB_ASSETS_DIR  passed to the server when set (serve the static files from disk instead of the embedded copy)
//   JHE_E2E_ARTIFACTS   where screenshots and the server log go (default: a new folder under the OS temp dir)
//   JHE_E2E_DOCS_DIR    when set, the screenshots of the main screens are also written there (docs/images/web-ui)
//   CHROMIUM_PATH       the Chromium executable (default /usr/bin/chromium)
//
// Besides the scenario, every step checks that the browser only talked to our own origin (or data:/blob:),
// and that no console error, uncaught exception or CSP violation happened.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const serverBin = path.resolve(here, process.env.JHE_SERVER_BIN || '../../../target/debug/jhe-server');
const artifacts = process.env.JHE_E2E_ARTIFACTS || fs.mkdtempSync(path.join(os.tmpdir(), 'jhe-e2e-'));
const docsDir = process.env.JHE_E2E_DOCS_DIR || null;
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PASSWORD = 'Jhe1234!';
const STAMP = Date.now().toString(36);

fs.mkdirSync(artifacts, { recursive: true });
console.log(`# artifacts (screenshots, server log): ${artifacts}`);

// ---------------------------------------------------------------------------------------------------------
// Server

function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

async function startServer() {
    assert.ok(fs.existsSync(serverBin), `server binary not found at ${serverBin} (build it or set JHE_SERVER_BIN)`);
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jhe-e2e-db-'));
    const env = { ...process.env };
    if (!process.env.JHE_WEB_ASSETS_DIR) delete env.JHE_WEB_ASSETS_DIR;
    const log = fs.openSync(path.join(artifacts, 'server.log'), 'w');
    const child = spawn(serverBin, ['serve', '--demo',
        '--database-url', `sqlite://${path.join(dataDir, 'jhe.sqlite3')}`,
        '--bind', `127.0.0.1:${port}`, '--site-url', origin], { env, stdio: ['ignore', log, log] });
    let exited = null;
    child.on('exit', (code) => { exited = code; });
    const deadline = Date.now() + 60_000;
    for (;;) {
        if (exited !== null) throw new Error(`the server exited with ${exited}; see ${artifacts}/server.log`);
        try {
            const response = await fetch(`${origin}/health/ready`);
            if (response.ok) break;
        } catch {
            // not listening yet
        }
        if (Date.now() > deadline) throw new Error('the server did not become ready within 60 s');
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return {
        origin,
        async stop() {
            if (exited === null) {
                child.kill('SIGTERM');
                await new Promise((resolve) => child.once('exit', resolve));
            }
            fs.rmSync(dataDir, { recursive: true, force: true });
        },
    };
}

// ---------------------------------------------------------------------------------------------------------
// Browser with request, console and CSP monitoring

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];

class Session {
    constructor(browser, origin, name) {
        this.browser = browser;
        this.origin = origin;
        this.name = name;
        this.requests = [];
        this.problems = [];
    }

    async open() {
        this.context = await this.browser.newContext({ viewport: { width: 1280, height: 800 } });
        this.context.on('request', (request) => this.requests.push(request.url()));
        this.page = await this.context.newPage();
        this.page.on('console', (message) => {
            if (message.type() !== 'error') return;
            const where = message.location()?.url || '';
            // The server's own login page has no icon, so Chromium's automatic /favicon.ico request is a 404
            // there. It is not part of the web UI (whose page declares an icon); everything else counts.
            if (where.endsWith('/favicon.ico')) return;
            this.problems.push(`console error on ${this.page.url()}: ${message.text()} ${where}`);
        });
        this.page.on('pageerror', (error) => this.problems.push(`uncaught exception: ${error.message}`));
        return this.page;
    }

    /** Every request went to our origin (or was a data:/blob: URL). */
    assertOnlyOwnOrigin() {
        const foreign = this.requests.filter((url) => !(url.startsWith(`${this.origin}/`) || url.startsWith('data:')
            || url.startsWith('blob:')));
        assert.deepEqual(foreign, [], `requests to other origins: ${foreign.join(', ')}`);
    }

    assertNoProblems() {
        const problems = this.problems.splice(0);
        assert.deepEqual(problems, [], problems.join('\n'));
    }

    async close() {
        await this.context?.close();
    }
}

/** Runs one named step: a failure saves a screenshot named after it; afterwards no problem may be pending. */
async function step(t, session, name, body) {
    await t.test(name, async () => {
        try {
            await body(session.page);
            session.assertNoProblems();
            session.assertOnlyOwnOrigin();
        } catch (error) {
            const file = path.join(artifacts, `FAILED-${session.name}-${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
            await session.page.screenshot({ path: file, fullPage: true }).catch(() => {});
            console.log(`# screenshot of the failure: ${file}`);
            throw error;
        }
    });
}

async function shot(page, name) {
    // Transient notices would hide part of the screen: dismiss them, then let fades settle.
    await page.evaluate(() => document.getElementById('toast-area')?.replaceChildren());
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
    if (docsDir) {
        fs.mkdirSync(docsDir, { recursive: true });
        await page.screenshot({ path: path.join(docsDir, `${name}.png`) });
    }
}

async function signIn(page, origin, email) {
    await page.goto(`${origin}/`);
    await page.getByTestId('sign-in').click();
    await page.waitForURL(/\/accounts\/login\//);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${origin}/clients/jhe-admin/organizations`);
    await page.getByTestId('org-tree').locator('li').first().waitFor();
}

/** Opens a screen by its route and waits for its heading. */
async function openScreen(page, origin, route, heading) {
    await page.goto(`${origin}/clients/jhe-admin/${route}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

async function closeModal(page) {
    const dialog = page.locator('.modal.show').last();
    await dialog.getByRole('button', { name: 'Close' }).last().click();
    await dialog.waitFor({ state: 'detached' });
}

/** Selects the option of a <select> whose text starts with `prefix`. */
async function selectStartingWith(select, prefix) {
    const value = await select.evaluate((el, text) =>
        [...el.options].find((o) => o.textContent.startsWith(text))?.value ?? null, prefix);
    assert.ok(value !== null, `an option starting with ${prefix}`);
    await select.selectOption(value);
}

/** The number of visible, enabled elements matching the selector. */
async function enabledCount(page, selector) {
    return page.locator(selector).evaluateAll((elements) => elements
        .filter((el) => !el.disabled && el.getClientRects().length > 0).length);
}

// ---------------------------------------------------------------------------------------------------------
// The scenario

test('practitioner web UI', { timeout: 300_000 }, async (t) => {
    const server = await startServer();
    const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    const { origin } = server;
    const studyName = `E2E Sleep Study ${STAMP}`;
    const patientEmail = `e2e-patient-${STAMP}@example.com`;
    let patientId = null;

    try {
        // --- Mary, manager of the Planetary Research Institute and below -------------------------------------
        const mary = new Session(browser, origin, 'mary');
        const page = await mary.open();

        await step(t, mary, 'landing page when signed out', async () => {
            await page.goto(`${origin}/`);
            await page.getByTestId('sign-in').waitFor();
            await shot(page, 'landing');
        });

        await step(t, mary, 'signs in through the login form', async () => {
            await signIn(page, origin, 'manager_mary@example.com');
            await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Patients' }).waitFor();
        });

        await step(t, mary, 'organizations tree and view', async () => {
            await page.getByTestId('org-node-20003').waitFor();
            await shot(page, 'organizations');
            await page.getByTestId('org-view-20003').click();
            const dialog = page.getByTestId('organization-view');
            await dialog.getByTestId('org-users-table').getByRole('cell', { name: 'viewer_victor@example.com', exact: true }).waitFor();
            await dialog.getByTestId('org-studies-table').getByRole('cell', { name: 'Lifespan Study on BP & HR', exact: true }).waitFor();
            assert.equal(await dialog.getByTestId('add-user-form').count(), 1, 'a manager may add users');
            await shot(page, 'organization-view');
            await closeModal(page);
        });

        await step(t, mary, 'creates a study', async () => {
            await openScreen(page, origin, 'studies?organizationId=20003', 'Studies');
            await shot(page, 'studies');
            await page.getByTestId('create-study').click();
            const form = page.getByTestId('study-form');
            await form.getByLabel('Name').fill(studyName);
            await form.getByLabel('Description').fill('Sleep and resting heart rate, created by the e2e test');
            await form.getByTestId('modal-submit').click();
            await form.waitFor({ state: 'detached' });
            await page.getByTestId('studies-table').getByRole('cell', { name: studyName, exact: true }).waitFor();
        });

        await step(t, mary, 'adds a scope request, a data source and a client to the study', async () => {
            // Creating a study opens its view.
            const dialog = page.getByTestId('study-view');
            await dialog.getByRole('heading', { name: studyName }).waitFor();
            const add = async (list, label) => {
                const section = dialog.getByTestId(list);
                await section.getByTestId(`${list}-select`).selectOption({ label });
                await section.getByTestId(`${list}-add-button`).click();
                await section.getByRole('listitem').filter({ hasText: label }).waitFor();
            };
            await add('study-scope-requests', 'Heart Rate (omh:heart-rate:2.0)');
            await add('study-data-sources', 'CareX');
            await add('study-clients', 'CareX');
            await shot(page, 'study-view');
            await closeModal(page);
        });

        await step(t, mary, 'creates a patient', async () => {
            await openScreen(page, origin, 'patients?organizationId=20003', 'Patients');
            await page.getByTestId('patients-table').waitFor();
            await shot(page, 'patients');
            await page.getByTestId('add-patient').click();
            const lookup = page.getByTestId('patient-lookup');
            await lookup.getByLabel('E-mail').fill(patientEmail);
            await lookup.getByTestId('modal-submit').click();
            const form = page.getByTestId('patient-form');
            await form.getByLabel('Family name').fill('Tester');
            await form.getByLabel('Given name').fill('Erin');
            await form.getByLabel('Birth date').fill('1990-04-05');
            await form.getByLabel('Phone').fill('+1-555-000-1234');
            await form.getByTestId('add-identifier').click();
            await form.getByLabel('Identifier 1 system').fill('urn:example:mrn');
            await form.getByLabel('Identifier 1 value').fill(`MRN-${STAMP}`);
            await form.getByTestId('modal-submit').click();
            await form.waitFor({ state: 'detached' });
            const row = page.getByTestId('patients-table').getByRole('row').filter({ hasText: patientEmail });
            await row.waitFor();
            patientId = Number(await row.getByRole('cell').nth(1).innerText());
            assert.ok(patientId > 0, 'the new patient has an id');
        });

        await step(t, mary, 'enrols the patient in the study', async () => {
            await page.getByLabel(`Select Erin Tester (${patientId})`).check();
            await page.getByTestId('add-to-study').click();
            const form = page.getByTestId('enrol-form');
            await selectStartingWith(form.getByLabel('Study'), studyName);
            await form.getByTestId('modal-submit').click();
            await form.waitFor({ state: 'detached' });
            // The study filter now lists the new patient.
            await selectStartingWith(page.getByTestId('study-picker'), studyName);
            await page.getByTestId('patients-table').getByRole('cell', { name: patientEmail, exact: true }).waitFor();
        });

        await step(t, mary, 'generates an invitation link with a QR code', async () => {
            await page.getByTestId(`patient-view-${patientId}`).click();
            const dialog = page.getByTestId('patient-view');
            const card = dialog.locator('[data-testid^="client-card-"]').filter({ hasText: 'CareX' });
            await card.locator('[data-testid^="generate-invitation-"]').click();
            const link = await card.getByTestId('invitation-link').inputValue();
            const host = encodeURIComponent(new URL(origin).host);
            assert.match(link, new RegExp(`${host}_[A-Za-z0-9]{32}$`), `the link carries the code: ${link}`);
            const qr = card.getByTestId('qr-code');
            await qr.waitFor();
            assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code image renders');
        });

        await step(t, mary, 'sees the pending consents', async () => {
            const pending = page.getByTestId('patient-view').getByTestId('consents-pending');
            await pending.getByText(studyName).waitFor();
            await pending.getByText('Heart Rate').waitFor();
            await pending.getByText('pending').first().waitFor();
            await pending.scrollIntoViewIfNeeded();
            await shot(page, 'patient-view');
            await closeModal(page);
        });

        await step(t, mary, 'opens the observations chart of a seeded patient', async () => {
            // Peter (40001) shares heart rate (scope 50004) with study 30001.
            await openScreen(page, origin, 'observations?organizationId=20003&patientId=40001&scope=50004&view=chart',
                'Observations');
            await page.getByTestId('observation-chart').locator('canvas, svg').first().waitFor();
            await shot(page, 'observations');
        });

        await step(t, mary, 'opens the other screens', async () => {
            for (const [route, heading, name] of [['data-sources', 'Data sources', 'data-sources'],
                ['clients', 'Clients', 'clients'], ['profile', 'Profile', 'profile']]) {
                await openScreen(page, origin, route, heading);
                await page.locator('main [role="status"]').first().waitFor({ state: 'detached' });
                await shot(page, name);
            }
        });

        await step(t, mary, 'logs out', async () => {
            await page.getByTestId('user-menu').click();
            await page.getByTestId('logout').click();
            await page.waitForURL(`${origin}/`);
            await page.getByTestId('sign-in').waitFor();
            // Signed out for real: the app routes start a new sign-in at the login form.
            await page.goto(`${origin}/clients/jhe-admin/patients`);
            await page.waitForURL(/\/accounts\/login\//);
        });
        await mary.close();

        // --- Victor, viewer in Lifespan Lab: every write action is unavailable ---------------------------------
        const victor = new Session(browser, origin, 'victor');
        const vpage = await victor.open();

        await step(t, victor, 'signs in as a viewer', async () => {
            await signIn(vpage, origin, 'viewer_victor@example.com');
        });

        await step(t, victor, 'organizations offer no write actions', async () => {
            await vpage.getByTestId('org-node-20003').waitFor();
            const writes = '[data-testid^="org-edit-"], [data-testid^="org-create-child-"], '
                + '[data-testid^="org-delete-"], [data-testid="create-top-level"]';
            assert.equal(await enabledCount(vpage, writes), 0, 'no enabled organization write buttons');
            await vpage.getByTestId('org-view-20003').click();
            const dialog = vpage.getByTestId('organization-view');
            await dialog.getByTestId('org-users-table').waitFor();
            assert.equal(await dialog.getByTestId('add-user-form').count(), 0, 'no add-user form');
            assert.equal(await enabledCount(vpage, '[data-testid="organization-view"] select, '
                + '[data-testid="organization-view"] .btn-outline-danger'), 0, 'no role changes or removals');
            await closeModal(vpage);
        });

        await step(t, victor, 'patients offer no write actions', async () => {
            await openScreen(vpage, origin, 'patients?organizationId=20003', 'Patients');
            await vpage.getByTestId('patients-table').waitFor();
            const writes = '[data-testid="add-patient"], [data-testid="add-to-study"], [data-testid="remove-from-study"], '
                + '[data-testid^="patient-edit-"], [data-testid^="patient-delete-"]';
            assert.equal(await enabledCount(vpage, writes), 0, 'no enabled patient write buttons');
            await vpage.getByTestId('patient-view-40001').click();
            const dialog = vpage.getByTestId('patient-view');
            await dialog.getByTestId('consents-answered').getByText('Lifespan Study on BP & HR').waitFor();
            assert.equal(await enabledCount(vpage, '[data-testid^="generate-invitation-"]'), 0, 'no invitations');
            await closeModal(vpage);
        });

        await step(t, victor, 'studies offer no write actions', async () => {
            await openScreen(vpage, origin, 'studies?organizationId=20003', 'Studies');
            await vpage.getByTestId('studies-table').waitFor();
            const writes = '[data-testid="create-study"], [data-testid^="study-edit-"], [data-testid^="study-delete-"]';
            assert.equal(await enabledCount(vpage, writes), 0, 'no enabled study write buttons');
            await vpage.getByTestId('study-view-30001').click();
            const dialog = vpage.getByTestId('study-view');
            await dialog.getByTestId('study-scope-requests').getByText('Heart Rate').waitFor();
            assert.equal(await enabledCount(vpage, '[data-testid="study-view"] select, '
                + '[data-testid="study-view"] [data-testid$="-add-button"]'), 0, 'no managed-list changes');
            await closeModal(vpage);
        });
        await victor.close();

        // --- The superuser: the system screens, which only superusers see --------------------------------------
        const admin = new Session(browser, origin, 'admin');
        const apage = await admin.open();

        await step(t, admin, 'signs in as the superuser', async () => {
            await signIn(apage, origin, 'admin@example.com');
        });

        await step(t, admin, 'opens the system settings, practitioners and audit log', async () => {
            for (const [route, heading, table, name] of [
                ['settings', 'System settings', 'settings-table', 'settings'],
                ['practitioners', 'Practitioners', 'practitioners-table', 'practitioners'],
                ['audit', 'Audit log', 'audit-table', 'audit'],
            ]) {
                await openScreen(apage, origin, route, heading);
                const rows = apage.getByTestId(table).locator('tbody tr');
                await rows.first().waitFor();
                assert.ok(await rows.count() > 0, `${name}: rows are listed`);
                await shot(apage, name);
            }
        });
        await admin.close();
    } finally {
        await browser.close();
        await server.stop();
    }
});
