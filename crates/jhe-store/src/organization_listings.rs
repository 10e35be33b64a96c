//! What the Admin API's organization endpoints read: visible organizations page by page, a visible subtree, the
//! members of an organization with their accounts, its visible studies, and membership upserts that report whether
//! they created a row. Every list is one query (two with its count) whatever its length.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use jhe_consent::{OrganizationVisibility, StudyVisibility};
use jhe_domain::*;

use crate::connection::{DbConnection, write_transaction};
use crate::error::StoreResult;
use crate::rows::*;
use crate::schema::{organizations, practitioner_organizations, practitioners, studies, users};
use crate::visibility::{Condition, organization_condition, study_condition};

/// Which organizations a list shows, besides visibility.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrganizationFilter {
    /// Only the direct children of this organization (`?part_of=0`: the top-level ones).
    pub part_of: Option<OrganizationId>,
}

fn filtered(
    visibility: &OrganizationVisibility,
    filter: &OrganizationFilter,
) -> organizations::BoxedQuery<'static, crate::connection::DbBackend> {
    let mut query = organizations::table
        .filter(organization_condition(visibility))
        .into_boxed();
    if let Some(parent) = filter.part_of {
        query = query.filter(organizations::part_of_id.eq(parent.get()));
    }
    query
}

/// The organizations in `visibility` matching `filter`, by name (then id), one page at a time, with the total count.
/// Two queries.
pub fn list_visible_organizations(
    conn: &mut DbConnection,
    visibility: &OrganizationVisibility,
    filter: &OrganizationFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<(i64, Vec<Organization>)> {
    let total: i64 = filtered(visibility, filter).count().get_result(conn)?;
    let rows = filtered(visibility, filter)
        .order((organizations::name, organizations::id))
        .offset(offset)
        .limit(limit)
        .select(OrganizationRow::as_select())
        .load(conn)?;
    Ok((
        total,
        rows.into_iter()
            .map(Organization::try_from)
            .collect::<StoreResult<_>>()?,
    ))
}

/// `organizations.id` is `root` or below it.
fn in_subtree_of(root: OrganizationId) -> Condition<organizations::table> {
    Box::new(
        sql::<Bool>(
            "organizations.id IN (WITH RECURSIVE subtree(id) AS (SELECT o.id FROM organizations o WHERE o.id = ",
        )
        .bind::<BigInt, _>(root.get())
        // UNION, not UNION ALL: terminates even on a corrupt tree.
        .sql(" UNION SELECT o.id FROM organizations o JOIN subtree s ON o.part_of_id = s.id) SELECT subtree.id FROM subtree)"),
    )
}

/// `root` and every organization below it that `visibility` admits, by name (then id). One query; the caller
/// assembles the tree from `part_of`.
pub fn visible_subtree(
    conn: &mut DbConnection,
    root: OrganizationId,
    visibility: &OrganizationVisibility,
) -> StoreResult<Vec<Organization>> {
    organizations::table
        .filter(in_subtree_of(root))
        .filter(organization_condition(visibility))
        .order((organizations::name, organizations::id))
        .select(OrganizationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Organization::try_from)
        .collect()
}

/// The organizations a practitioner holds a membership in (directly, not by inheritance), by id.
pub fn organizations_of_practitioner(
    conn: &mut DbConnection,
    practitioner: PractitionerId,
) -> StoreResult<Vec<Organization>> {
    organizations::table
        .inner_join(practitioner_organizations::table)
        .filter(practitioner_organizations::practitioner_id.eq(practitioner.get()))
        .order(organizations::id)
        .select(OrganizationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Organization::try_from)
        .collect()
}

/// A practitioner holding a role in an organization, with their login account.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationMember {
    pub user: User,
    pub practitioner_id: PractitionerId,
    pub role: Role,
}

/// The practitioners holding a role directly in `organization`, by family name (then user id). One query.
pub fn members_of_organization(
    conn: &mut DbConnection,
    organization: OrganizationId,
) -> StoreResult<Vec<OrganizationMember>> {
    let rows: Vec<(UserRow, i64, String)> = practitioner_organizations::table
        .inner_join(practitioners::table.inner_join(users::table))
        .filter(practitioner_organizations::organization_id.eq(organization.get()))
        .order((users::last_name, users::id))
        .select((
            UserRow::as_select(),
            practitioners::id,
            practitioner_organizations::role,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(user, practitioner, role)| {
            Ok(OrganizationMember {
                user: user.try_into()?,
                practitioner_id: PractitionerId(practitioner),
                role: parse_enum(&role)?,
            })
        })
        .collect()
}

/// The studies owned by `organization` that `visibility` admits, by name (then id). One query.
pub fn visible_studies_of_organization(
    conn: &mut DbConnection,
    organization: OrganizationId,
    visibility: &StudyVisibility,
) -> StoreResult<Vec<Study>> {
    Ok(studies::table
        .filter(studies::organization_id.eq(organization.get()))
        .filter(study_condition(visibility))
        .order((studies::name, studies::id))
        .select(StudyRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Study::from)
        .collect())
}

/// A membership row as the Admin API shows it after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MembershipRecord {
    /// The row id.
    pub id: i64,
    pub membership: Membership,
    /// Whether the call created the row (rather than changing the role of an existing one).
    pub created: bool,
}

/// Gives a practitioner a role in an organization, replacing any role they had there, and says whether the row is
/// new. Run it inside a transaction when the answer must match what is stored.
pub fn upsert_membership(conn: &mut DbConnection, membership: Membership) -> StoreResult<MembershipRecord> {
    let existing: Option<i64> = practitioner_organizations::table
        .filter(practitioner_organizations::practitioner_id.eq(membership.practitioner_id.get()))
        .filter(practitioner_organizations::organization_id.eq(membership.organization_id.get()))
        .select(practitioner_organizations::id)
        .first(conn)
        .optional()?;
    let (id, created) = match existing {
        Some(id) => {
            diesel::update(practitioner_organizations::table.find(id))
                .set(practitioner_organizations::role.eq(membership.role.as_str()))
                .execute(conn)?;
            (id, false)
        }
        None => {
            let id = diesel::insert_into(practitioner_organizations::table)
                .values((
                    practitioner_organizations::practitioner_id.eq(membership.practitioner_id.get()),
                    practitioner_organizations::organization_id.eq(membership.organization_id.get()),
                    practitioner_organizations::role.eq(membership.role.as_str()),
                ))
                .returning(practitioner_organizations::id)
                .get_result(conn)?;
            (id, true)
        }
    };
    Ok(MembershipRecord {
        id,
        membership,
        created,
    })
}

/// Deletes an organization with its whole subtree and everything hanging off it (studies, enrolments, consents,
/// memberships, patient links), in one transaction. Every consent that goes with it gets a history entry by `actor`
/// (to pending), so the history still shows when the answers stopped counting. [`crate::StoreError::NotFound`]
/// for an unknown organization.
pub fn delete_organization_subtree(
    conn: &mut DbConnection,
    organization: OrganizationId,
    actor: Option<UserId>,
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    use crate::schema::{consent_history, consents, study_patients};
    write_transaction(conn, |conn| {
        let subtree: Vec<i64> = organizations::table
            .filter(in_subtree_of(organization))
            .select(organizations::id)
            .load(conn)?;
        let ending: Vec<(i64, i64, i64, String)> = consents::table
            .inner_join(study_patients::table.inner_join(studies::table))
            .filter(studies::organization_id.eq_any(&subtree))
            .order(consents::id)
            .select((
                studies::id,
                study_patients::patient_id,
                consents::scope_code_id,
                consents::state,
            ))
            .load(conn)?;
        for (study, patient, scope, state) in ending {
            diesel::insert_into(consent_history::table)
                .values((
                    consent_history::study_id.eq(study),
                    consent_history::patient_id.eq(patient),
                    consent_history::scope_code_id.eq(scope),
                    consent_history::from_state.eq(Some(parse_enum::<ConsentState>(&state)?.as_str())),
                    consent_history::to_state.eq(None::<&str>),
                    consent_history::actor_user_id.eq(actor.map(UserId::get)),
                    consent_history::occurred_at.eq(to_db_time(now)),
                ))
                .execute(conn)?;
        }
        crate::organizations::delete_organization(conn, organization)
    })
}
