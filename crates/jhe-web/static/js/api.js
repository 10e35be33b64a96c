// Admin API and FHIR client of the web UI.
//
// Exports (stable names, used by every screen through ctx.api):
//   get(path, query?)            GET    <apiBase><path>?<query>
//   post(path, body?, query?)    POST   JSON body
//   patch(path, body?, query?)   PATCH  JSON body
//   put(path, body?, query?)     PUT    JSON body
//   del(path, body?, query?)     DELETE (a JSON body when given: some Admin API deletes take one)
//   fhir(pathAndQuery, options?) GET    <fhirBase><pathAndQuery>, FHIR JSON; options.headers adds headers
//   tokenRequest(form, headers?) POST   /o/token/ as application/x-www-form-urlencoded, no bearer token
//   ApiError                     the error every call rejects with
//   configure({...})             set by app.js at boot (bases, token source, 401 handler)
//
// `path` is relative to /api/v1 (e.g. "/studies"); `query` is a plain object whose undefined, null and ""
// values are dropped. Calls resolve with the parsed JSON body, or null for an empty answer (204).
//
// ApiError carries:
//   status       HTTP status (0 when the server could not be reached)
//   message      a sentence a person can act on (shown in alerts)
//   detail       the server's `detail` string, if any
//   fieldErrors  { field: [messages] } from a 400 field map (keys as the server sent them; nested
//                maps are flattened to "parent.child" / "parent.0.child")
//   body         the parsed error body (or null)

const settings = {
    apiBase: '/api/v1',
    fhirBase: '/FHIR/R5',
    tokenUrl: '/o/token/',
    getToken: async () => null,
    onUnauthorized: async () => {},
};

/** Set the API bases and the hooks to the session (called once by app.js). */
export function configure(options) {
    Object.assign(settings, options);
}

export class ApiError extends Error {
    constructor({ status, message, detail = null, fieldErrors = {}, body = null }) {
        super(message);
        this.name = 'ApiError';
        this.status = status;
        this.detail = detail;
        this.fieldErrors = fieldErrors;
        this.body = body;
    }

    /** True when the error has messages for individual fields. */
    get hasFieldErrors() {
        return Object.keys(this.fieldErrors).length > 0;
    }
}

function withQuery(url, query) {
    if (!query) return url;
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
        if (value === undefined || value === null || value === '') continue;
        if (Array.isArray(value)) value.forEach((v) => params.append(key, String(v)));
        else params.append(key, String(value));
    }
    const text = params.toString();
    if (!text) return url;
    return url + (url.includes('?') ? '&' : '?') + text;
}

// Flattens a Django-REST-style error map into { "field": ["msg", ...] }.
function flattenFieldErrors(body, prefix = '', out = {}) {
    if (Array.isArray(body)) {
        body.forEach((item, index) => {
            if (typeof item === 'string') (out[prefix] ||= []).push(item);
            else if (item && typeof item === 'object') flattenFieldErrors(item, `${prefix}.${index}`, out);
        });
    } else if (body && typeof body === 'object') {
        for (const [key, value] of Object.entries(body)) {
            flattenFieldErrors(value, prefix ? `${prefix}.${key}` : key, out);
        }
    } else if (typeof body === 'string') {
        (out[prefix] ||= []).push(body);
    }
    return out;
}

function humanStatus(status) {
    switch (status) {
        case 401: return 'Your session has ended. Please sign in again.';
        case 403: return 'You are not allowed to do this.';
        case 404: return 'It was not found; it may have been deleted. Reload the page and try again.';
        case 405: return 'This action is not supported.';
        case 409: return 'This conflicts with the current state. Reload the page and try again.';
        default:
            return status >= 500
                ? `The server had a problem (HTTP ${status}). Please try again later.`
                : `The request was refused (HTTP ${status}).`;
    }
}

/** Builds an ApiError from a non-OK response and its (maybe) parsed body. */
function errorFrom(status, body) {
    let detail = null;
    let fieldErrors = {};
    if (body && typeof body === 'object' && !Array.isArray(body)) {
        if (typeof body.detail === 'string') detail = body.detail;
        else if (typeof body.error_description === 'string') detail = body.error_description;
        else if (typeof body.error === 'string') detail = body.error;
        else fieldErrors = flattenFieldErrors(body);
    } else if (Array.isArray(body)) {
        fieldErrors = flattenFieldErrors({ non_field_errors: body });
    }
    let message;
    if (detail) {
        message = detail;
    } else if (Object.keys(fieldErrors).length) {
        const generic = fieldErrors.non_field_errors || fieldErrors[''] || [];
        message = generic.length ? generic.join(' ') : 'Please correct the marked fields.';
    } else {
        message = humanStatus(status);
    }
    return new ApiError({ status, message, detail, fieldErrors, body });
}

async function parseBody(response) {
    if (response.status === 204) return null;
    const text = await response.text();
    if (!text) return null;
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

async function send(method, url, { body, headers = {}, auth = true, form = false } = {}) {
    const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin' };
    if (auth) {
        const token = await settings.getToken();
        if (token) init.headers.Authorization = `Bearer ${token}`;
    }
    if (body !== undefined && body !== null) {
        if (form) {
            init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
            init.body = body instanceof URLSearchParams ? body : new URLSearchParams(body);
        } else {
            init.headers['Content-Type'] = 'application/json';
            init.body = JSON.stringify(body);
        }
    }
    let response;
    try {
        response = await fetch(url, init);
    } catch {
        throw new ApiError({
            status: 0,
            message: 'The server could not be reached. Check your connection and try again.',
        });
    }
    const parsed = await parseBody(response);
    if (!response.ok) {
        const error = errorFrom(response.status, parsed);
        if (response.status === 401 && auth) await settings.onUnauthorized(error);
        throw error;
    }
    return parsed;
}

const apiUrl = (path, query) => withQuery(settings.apiBase + path, query);

export const get = (path, query) => send('GET', apiUrl(path, query));
export const post = (path, body, query) => send('POST', apiUrl(path, query), { body: body ?? {} });
export const patch = (path, body, query) => send('PATCH', apiUrl(path, query), { body: body ?? {} });
export const put = (path, body, query) => send('PUT', apiUrl(path, query), { body: body ?? {} });
export const del = (path, body, query) => send('DELETE', apiUrl(path, query), { body });

/** GET a FHIR path such as "/Observation?patient=40001"; resolves with the FHIR JSON. */
export const fhir = (pathAndQuery, options = {}) =>
    send('GET', settings.fhirBase + pathAndQuery, {
        headers: { Accept: 'application/fhir+json, application/json', ...(options.headers || {}) },
    });

/**
 * POST a form to the OAuth token endpoint (no bearer token is sent). `form` is an object or URLSearchParams,
 * `headers` e.g. { Authorization: 'Basic …' }. Resolves with the token response; an error keeps the
 * server's JSON in `error.body`.
 */
export const tokenRequest = (form, headers = {}) =>
    send('POST', settings.tokenUrl, { body: form, headers, auth: false, form: true });

/** Fetches every page of a paginated list (up to `limit` items) and returns the items. */
export async function getAll(path, query = {}, limit = 5000) {
    const items = [];
    let page = 1;
    for (;;) {
        const data = await get(path, { ...query, page, pageSize: 1000 });
        if (Array.isArray(data)) return data;
        items.push(...(data.results || []));
        if (!data.next || items.length >= limit) return items;
        page += 1;
    }
}

/** The object handed to screens as ctx.api. */
export const api = { get, post, patch, put, del, fhir, tokenRequest, getAll, ApiError };
export default api;
