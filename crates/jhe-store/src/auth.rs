//! The authorization server's shared state: browser sessions, authorization codes, access and refresh tokens,
//! signing keys and login-failure counters. Secrets are looked up by their SHA-256 hash; the plain values never
//! reach the database.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::{DbConnection, write_transaction};
use crate::error::{StoreError, StoreResult};
use crate::rows::{from_db_time, to_db_time};
use crate::schema::{
    access_tokens, authorization_codes, browser_sessions, login_failures, refresh_tokens, signing_keys,
};

type Ts = chrono::NaiveDateTime;

// ----- browser sessions -------------------------------------------------------------------------------------------

/// Starts a browser session.
pub fn create_session(
    conn: &mut DbConnection,
    token_hash: &str,
    user: UserId,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<BrowserSession> {
    let (id, token_hash, user_id, created_at, expires_at): (i64, String, i64, Ts, Ts) =
        diesel::insert_into(browser_sessions::table)
            .values((
                browser_sessions::token_hash.eq(token_hash),
                browser_sessions::user_id.eq(user.get()),
                browser_sessions::created_at.eq(to_db_time(now)),
                browser_sessions::expires_at.eq(to_db_time(expires_at)),
            ))
            .returning(browser_sessions::all_columns)
            .get_result(conn)?;
    Ok(BrowserSession {
        id,
        token_hash,
        user_id: UserId(user_id),
        created_at: from_db_time(created_at),
        expires_at: from_db_time(expires_at),
    })
}

/// The user of a live session, if the cookie's hash names one that has not expired.
pub fn session_user(
    conn: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<UserId>> {
    Ok(browser_sessions::table
        .filter(browser_sessions::token_hash.eq(token_hash))
        .filter(browser_sessions::expires_at.gt(to_db_time(now)))
        .select(browser_sessions::user_id)
        .first::<i64>(conn)
        .optional()?
        .map(UserId))
}

/// Ends a session (logout). Ending an unknown session is not an error.
pub fn delete_session(conn: &mut DbConnection, token_hash: &str) -> StoreResult<()> {
    diesel::delete(browser_sessions::table.filter(browser_sessions::token_hash.eq(token_hash)))
        .execute(conn)?;
    Ok(())
}

// ----- authorization codes ----------------------------------------------------------------------------------------

/// What is stored when a code is issued.
#[derive(Debug, Clone)]
pub struct NewAuthorizationCode<'a> {
    pub code_hash: &'a str,
    pub client_id: ClientId,
    pub user_id: UserId,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub code_challenge: &'a str,
    pub nonce: Option<&'a str>,
    pub family: &'a str,
    pub auth_time: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

type CodeRow = (
    i64,
    String,
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    Ts,
    Ts,
    Ts,
    Option<Ts>,
);

fn code_from_row(r: CodeRow) -> AuthorizationCode {
    AuthorizationCode {
        id: r.0,
        code_hash: r.1,
        client_id: ClientId(r.2),
        user_id: UserId(r.3),
        redirect_uri: r.4,
        scope: r.5,
        code_challenge: r.6,
        nonce: r.7,
        family: r.8,
        auth_time: from_db_time(r.9),
        created_at: from_db_time(r.10),
        expires_at: from_db_time(r.11),
        consumed_at: r.12.map(from_db_time),
    }
}

/// Stores a newly issued code.
pub fn create_authorization_code(conn: &mut DbConnection, new: &NewAuthorizationCode<'_>) -> StoreResult<()> {
    diesel::insert_into(authorization_codes::table)
        .values((
            authorization_codes::code_hash.eq(new.code_hash),
            authorization_codes::client_id.eq(new.client_id.get()),
            authorization_codes::user_id.eq(new.user_id.get()),
            authorization_codes::redirect_uri.eq(new.redirect_uri),
            authorization_codes::scope.eq(new.scope),
            authorization_codes::code_challenge.eq(new.code_challenge),
            authorization_codes::nonce.eq(new.nonce),
            authorization_codes::family.eq(new.family),
            authorization_codes::auth_time.eq(to_db_time(new.auth_time)),
            authorization_codes::created_at.eq(to_db_time(new.created_at)),
            authorization_codes::expires_at.eq(to_db_time(new.expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Finds a code by its hash, consumed or not.
pub fn find_authorization_code(
    conn: &mut DbConnection,
    code_hash: &str,
) -> StoreResult<Option<AuthorizationCode>> {
    Ok(authorization_codes::table
        .filter(authorization_codes::code_hash.eq(code_hash))
        .select(authorization_codes::all_columns)
        .first::<CodeRow>(conn)
        .optional()?
        .map(code_from_row))
}

/// Marks a code used. Returns false when it was already used (a concurrent redemption lost the race).
pub fn consume_authorization_code(conn: &mut DbConnection, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
    let n = diesel::update(
        authorization_codes::table
            .filter(authorization_codes::id.eq(id))
            .filter(authorization_codes::consumed_at.is_null()),
    )
    .set(authorization_codes::consumed_at.eq(to_db_time(now)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes the unused codes of a user at a client (a re-redeemed invitation replaces its earlier code).
pub fn delete_unused_codes(conn: &mut DbConnection, user: UserId, client: ClientId) -> StoreResult<()> {
    diesel::delete(
        authorization_codes::table
            .filter(authorization_codes::user_id.eq(user.get()))
            .filter(authorization_codes::client_id.eq(client.get()))
            .filter(authorization_codes::consumed_at.is_null()),
    )
    .execute(conn)?;
    Ok(())
}

// ----- tokens -----------------------------------------------------------------------------------------------------

type AccessRow = (i64, String, i64, i64, String, String, Ts, Ts, Option<Ts>);

fn access_from_row(r: AccessRow) -> AccessToken {
    AccessToken {
        id: r.0,
        token_hash: r.1,
        client_id: ClientId(r.2),
        user_id: UserId(r.3),
        scope: r.4,
        family: r.5,
        created_at: from_db_time(r.6),
        expires_at: from_db_time(r.7),
        revoked_at: r.8.map(from_db_time),
    }
}

/// What is stored when an access token is issued.
#[derive(Debug, Clone)]
pub struct NewAccessToken<'a> {
    pub token_hash: &'a str,
    pub client_id: ClientId,
    pub user_id: UserId,
    pub scope: &'a str,
    pub family: &'a str,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Stores an issued access token.
pub fn create_access_token(conn: &mut DbConnection, new: &NewAccessToken<'_>) -> StoreResult<()> {
    diesel::insert_into(access_tokens::table)
        .values((
            access_tokens::token_hash.eq(new.token_hash),
            access_tokens::client_id.eq(new.client_id.get()),
            access_tokens::user_id.eq(new.user_id.get()),
            access_tokens::scope.eq(new.scope),
            access_tokens::family.eq(new.family),
            access_tokens::created_at.eq(to_db_time(new.created_at)),
            access_tokens::expires_at.eq(to_db_time(new.expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Finds an access token by hash, whatever its state; callers check expiry and revocation.
pub fn find_access_token(conn: &mut DbConnection, token_hash: &str) -> StoreResult<Option<AccessToken>> {
    Ok(access_tokens::table
        .filter(access_tokens::token_hash.eq(token_hash))
        .select(access_tokens::all_columns)
        .first::<AccessRow>(conn)
        .optional()?
        .map(access_from_row))
}

/// Revokes one access token.
pub fn revoke_access_token(conn: &mut DbConnection, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
    diesel::update(
        access_tokens::table
            .filter(access_tokens::id.eq(id))
            .filter(access_tokens::revoked_at.is_null()),
    )
    .set(access_tokens::revoked_at.eq(to_db_time(now)))
    .execute(conn)?;
    Ok(())
}

type RefreshRow = (
    i64,
    String,
    i64,
    i64,
    String,
    String,
    Option<String>,
    Ts,
    Ts,
    Option<Ts>,
    Option<Ts>,
    Option<Ts>,
);

fn refresh_from_row(r: RefreshRow) -> RefreshToken {
    RefreshToken {
        id: r.0,
        token_hash: r.1,
        client_id: ClientId(r.2),
        user_id: UserId(r.3),
        scope: r.4,
        family: r.5,
        nonce: r.6,
        auth_time: from_db_time(r.7),
        created_at: from_db_time(r.8),
        expires_at: r.9.map(from_db_time),
        rotated_at: r.10.map(from_db_time),
        revoked_at: r.11.map(from_db_time),
    }
}

/// What is stored when a refresh token is issued.
#[derive(Debug, Clone)]
pub struct NewRefreshToken<'a> {
    pub token_hash: &'a str,
    pub client_id: ClientId,
    pub user_id: UserId,
    pub scope: &'a str,
    pub family: &'a str,
    pub nonce: Option<&'a str>,
    pub auth_time: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Stores an issued refresh token.
pub fn create_refresh_token(conn: &mut DbConnection, new: &NewRefreshToken<'_>) -> StoreResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(new.token_hash),
            refresh_tokens::client_id.eq(new.client_id.get()),
            refresh_tokens::user_id.eq(new.user_id.get()),
            refresh_tokens::scope.eq(new.scope),
            refresh_tokens::family.eq(new.family),
            refresh_tokens::nonce.eq(new.nonce),
            refresh_tokens::auth_time.eq(to_db_time(new.auth_time)),
            refresh_tokens::created_at.eq(to_db_time(new.created_at)),
            refresh_tokens::expires_at.eq(new.expires_at.map(to_db_time)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Finds a refresh token by hash, whatever its state.
pub fn find_refresh_token(conn: &mut DbConnection, token_hash: &str) -> StoreResult<Option<RefreshToken>> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(refresh_tokens::all_columns)
        .first::<RefreshRow>(conn)
        .optional()?
        .map(refresh_from_row))
}

/// Marks a refresh token as used up by rotation. Returns false when it was already rotated or revoked (a concurrent
/// use lost the race, which is treated as reuse).
pub fn rotate_refresh_token(conn: &mut DbConnection, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
    let n = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::rotated_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(to_db_time(now)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes every access and refresh token of a grant family. Returns how many tokens were revoked.
pub fn revoke_family(conn: &mut DbConnection, family: &str, now: DateTime<Utc>) -> StoreResult<usize> {
    let at = to_db_time(now);
    let a = diesel::update(
        access_tokens::table
            .filter(access_tokens::family.eq(family))
            .filter(access_tokens::revoked_at.is_null()),
    )
    .set(access_tokens::revoked_at.eq(at))
    .execute(conn)?;
    let r = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(at))
    .execute(conn)?;
    Ok(a + r)
}

// ----- signing keys -----------------------------------------------------------------------------------------------

type KeyRow = (i64, String, String, bool, Ts, Option<Ts>);

fn key_from_row(r: KeyRow) -> SigningKeyRecord {
    SigningKeyRecord {
        id: r.0,
        kid: r.1,
        private_key: r.2,
        encrypted: r.3,
        created_at: from_db_time(r.4),
        retired_at: r.5.map(from_db_time),
    }
}

/// Stores a new signing key and makes it the active one: every earlier key is retired (and stays published).
pub fn add_signing_key(
    conn: &mut DbConnection,
    kid: &str,
    private_key: &str,
    encrypted: bool,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        diesel::update(signing_keys::table.filter(signing_keys::retired_at.is_null()))
            .set(signing_keys::retired_at.eq(to_db_time(now)))
            .execute(conn)?;
        diesel::insert_into(signing_keys::table)
            .values((
                signing_keys::kid.eq(kid),
                signing_keys::private_key.eq(private_key),
                signing_keys::encrypted.eq(encrypted),
                signing_keys::created_at.eq(to_db_time(now)),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Every stored key, newest first; the active one (not retired) comes first.
pub fn signing_keys(conn: &mut DbConnection) -> StoreResult<Vec<SigningKeyRecord>> {
    Ok(signing_keys::table
        .order(signing_keys::id.desc())
        .select(signing_keys::all_columns)
        .load::<KeyRow>(conn)?
        .into_iter()
        .map(key_from_row)
        .collect())
}

/// Removes keys retired before `before`: they are no longer published, so tokens they signed stop verifying.
pub fn prune_retired_keys(conn: &mut DbConnection, before: DateTime<Utc>) -> StoreResult<usize> {
    Ok(
        diesel::delete(signing_keys::table.filter(signing_keys::retired_at.lt(to_db_time(before))))
            .execute(conn)?,
    )
}

// ----- login throttling -------------------------------------------------------------------------------------------

/// Records a failed login.
pub fn record_login_failure(
    conn: &mut DbConnection,
    account: &str,
    client_addr: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::account.eq(account),
            login_failures::client_addr.eq(client_addr),
            login_failures::occurred_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Failed logins since `since`: (for this account, from this address), and the oldest of each within the window,
/// from which the caller computes when the window frees up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCounts {
    pub account: i64,
    pub client_addr: i64,
    pub oldest_account: Option<DateTime<Utc>>,
    pub oldest_client_addr: Option<DateTime<Utc>>,
}

/// Counts failed logins within the window.
pub fn login_failures_since(
    conn: &mut DbConnection,
    account: &str,
    client_addr: &str,
    since: DateTime<Utc>,
) -> StoreResult<FailureCounts> {
    let since = to_db_time(since);
    let by_account = login_failures::table
        .filter(login_failures::account.eq(account))
        .filter(login_failures::occurred_at.ge(since));
    let by_addr = login_failures::table
        .filter(login_failures::client_addr.eq(client_addr))
        .filter(login_failures::occurred_at.ge(since));
    Ok(FailureCounts {
        account: by_account.count().get_result(conn)?,
        client_addr: by_addr.count().get_result(conn)?,
        oldest_account: by_account
            .select(diesel::dsl::min(login_failures::occurred_at))
            .first::<Option<Ts>>(conn)?
            .map(from_db_time),
        oldest_client_addr: by_addr
            .select(diesel::dsl::min(login_failures::occurred_at))
            .first::<Option<Ts>>(conn)?
            .map(from_db_time),
    })
}

/// Forgets an account's failures after a successful login.
pub fn clear_login_failures(conn: &mut DbConnection, account: &str) -> StoreResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::account.eq(account))).execute(conn)?;
    Ok(())
}

/// Removes failures older than `before` (housekeeping).
pub fn prune_login_failures(conn: &mut DbConnection, before: DateTime<Utc>) -> StoreResult<usize> {
    Ok(
        diesel::delete(login_failures::table.filter(login_failures::occurred_at.lt(to_db_time(before))))
            .execute(conn)?,
    )
}

/// Sets a user's last-login time.
pub fn touch_last_login(conn: &mut DbConnection, user: UserId, now: DateTime<Utc>) -> StoreResult<()> {
    use crate::schema::users;
    let n = diesel::update(users::table.find(user.get()))
        .set(users::last_login.eq(Some(to_db_time(now))))
        .execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// An access token with everything a request needs to know about its holder, read in one query.
#[derive(Debug, Clone)]
pub struct ResolvedToken {
    pub token: AccessToken,
    pub user: User,
    pub practitioner: Option<PractitionerId>,
    pub patient: Option<PatientId>,
    /// The public `client_id` of the client the token was issued to.
    pub client_id: String,
}

/// Finds an access token by hash with its user, client and profiles, whatever its state (callers check expiry,
/// revocation and whether the account is active). One query: this runs on every API request.
pub fn resolve_access_token(conn: &mut DbConnection, token_hash: &str) -> StoreResult<Option<ResolvedToken>> {
    use crate::rows::UserRow;
    use crate::schema::{oauth_clients, patients, practitioners, users};
    let row = access_tokens::table
        .inner_join(users::table)
        .inner_join(oauth_clients::table)
        .left_join(practitioners::table.on(practitioners::user_id.eq(users::id)))
        .left_join(patients::table.on(patients::user_id.eq(users::id.nullable())))
        .filter(access_tokens::token_hash.eq(token_hash))
        .select((
            access_tokens::all_columns,
            UserRow::as_select(),
            oauth_clients::client_id,
            practitioners::id.nullable(),
            patients::id.nullable(),
        ))
        .first::<(AccessRow, UserRow, String, Option<i64>, Option<i64>)>(conn)
        .optional()?;
    row.map(|(token, user, client_id, practitioner, patient)| {
        Ok(ResolvedToken {
            token: access_from_row(token),
            user: User::try_from(user)?,
            practitioner: practitioner.map(PractitionerId),
            patient: patient.map(PatientId),
            client_id,
        })
    })
    .transpose()
}
