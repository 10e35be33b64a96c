//! The organization tree, practitioner memberships and patient links.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::{DbConnection, write_transaction};
use crate::error::{StoreError, StoreResult};
use crate::rows::*;
use crate::schema::{organizations, patient_organizations, practitioner_organizations};

#[derive(Insertable)]
#[diesel(table_name = organizations)]
struct InsertOrganization<'a> {
    id: Option<i64>,
    name: &'a str,
    org_type: &'a str,
    part_of_id: Option<i64>,
    last_updated: chrono::NaiveDateTime,
}

/// Creates an organization.
pub fn create_organization(
    conn: &mut DbConnection,
    new: &NewOrganization,
    now: DateTime<Utc>,
) -> StoreResult<Organization> {
    let row = InsertOrganization {
        id: new.id.map(OrganizationId::get),
        name: &new.name,
        org_type: new.org_type.as_str(),
        part_of_id: new.part_of.map(OrganizationId::get),
        last_updated: to_db_time(now),
    };
    diesel::insert_into(organizations::table)
        .values(&row)
        .returning(organizations::all_columns)
        .get_result::<OrganizationRow>(conn)?
        .try_into()
}

/// Reads one organization.
pub fn get_organization(conn: &mut DbConnection, id: OrganizationId) -> StoreResult<Organization> {
    organizations::table
        .find(id.get())
        .select(OrganizationRow::as_select())
        .first(conn)?
        .try_into()
}

/// Renames or re-types an organization.
pub fn update_organization(
    conn: &mut DbConnection,
    id: OrganizationId,
    name: &str,
    org_type: OrganizationType,
    now: DateTime<Utc>,
) -> StoreResult<Organization> {
    diesel::update(organizations::table.find(id.get()))
        .set((
            organizations::name.eq(name),
            organizations::org_type.eq(org_type.as_str()),
            organizations::last_updated.eq(to_db_time(now)),
        ))
        .returning(organizations::all_columns)
        .get_result::<OrganizationRow>(conn)?
        .try_into()
}

/// The direct children of an organization, by id.
pub fn child_organizations(
    conn: &mut DbConnection,
    parent: OrganizationId,
) -> StoreResult<Vec<Organization>> {
    organizations::table
        .filter(organizations::part_of_id.eq(parent.get()))
        .order(organizations::id)
        .select(OrganizationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Organization::try_from)
        .collect()
}

/// Every organization, by id.
pub fn all_organizations(conn: &mut DbConnection) -> StoreResult<Vec<Organization>> {
    organizations::table
        .order(organizations::id)
        .select(OrganizationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Organization::try_from)
        .collect()
}

/// Deletes an organization with its whole subtree, its studies and its links.
pub fn delete_organization(conn: &mut DbConnection, id: OrganizationId) -> StoreResult<()> {
    let n = diesel::delete(organizations::table.find(id.get())).execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Gives a practitioner a role in an organization, replacing any role they had there.
pub fn set_membership(conn: &mut DbConnection, membership: Membership) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        let updated = diesel::update(
            practitioner_organizations::table
                .filter(practitioner_organizations::practitioner_id.eq(membership.practitioner_id.get()))
                .filter(practitioner_organizations::organization_id.eq(membership.organization_id.get())),
        )
        .set(practitioner_organizations::role.eq(membership.role.as_str()))
        .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(practitioner_organizations::table)
                .values((
                    practitioner_organizations::practitioner_id.eq(membership.practitioner_id.get()),
                    practitioner_organizations::organization_id.eq(membership.organization_id.get()),
                    practitioner_organizations::role.eq(membership.role.as_str()),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Removes a practitioner from an organization.
pub fn remove_membership(
    conn: &mut DbConnection,
    practitioner: PractitionerId,
    organization: OrganizationId,
) -> StoreResult<()> {
    let n = diesel::delete(
        practitioner_organizations::table
            .filter(practitioner_organizations::practitioner_id.eq(practitioner.get()))
            .filter(practitioner_organizations::organization_id.eq(organization.get())),
    )
    .execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// A practitioner's direct memberships, by organization id.
pub fn memberships_of_practitioner(
    conn: &mut DbConnection,
    practitioner: PractitionerId,
) -> StoreResult<Vec<Membership>> {
    practitioner_organizations::table
        .filter(practitioner_organizations::practitioner_id.eq(practitioner.get()))
        .order(practitioner_organizations::organization_id)
        .select(MembershipRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Membership::try_from)
        .collect()
}

/// The direct members of an organization, by practitioner id.
pub fn memberships_of_organization(
    conn: &mut DbConnection,
    organization: OrganizationId,
) -> StoreResult<Vec<Membership>> {
    practitioner_organizations::table
        .filter(practitioner_organizations::organization_id.eq(organization.get()))
        .order(practitioner_organizations::practitioner_id)
        .select(MembershipRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Membership::try_from)
        .collect()
}

/// Links a patient to an organization.
pub fn link_patient(conn: &mut DbConnection, link: PatientOrganization) -> StoreResult<()> {
    diesel::insert_into(patient_organizations::table)
        .values((
            patient_organizations::patient_id.eq(link.patient_id.get()),
            patient_organizations::organization_id.eq(link.organization_id.get()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes a patient's link to an organization.
pub fn unlink_patient(conn: &mut DbConnection, link: PatientOrganization) -> StoreResult<()> {
    let n = diesel::delete(
        patient_organizations::table
            .filter(patient_organizations::patient_id.eq(link.patient_id.get()))
            .filter(patient_organizations::organization_id.eq(link.organization_id.get())),
    )
    .execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// The organizations a patient is linked to, by id.
pub fn organizations_of_patient(
    conn: &mut DbConnection,
    patient: PatientId,
) -> StoreResult<Vec<OrganizationId>> {
    Ok(patient_organizations::table
        .filter(patient_organizations::patient_id.eq(patient.get()))
        .order(patient_organizations::organization_id)
        .select(patient_organizations::organization_id)
        .load::<i64>(conn)?
        .into_iter()
        .map(OrganizationId)
        .collect())
}
