#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Observation and Patient search parameters, as clients send them.

use chrono::{DateTime, TimeZone, Utc};
use jhe_domain::{
    EffectiveTime, ObservationId, ObservationStatus, OrganizationId, PatientId, ScopeCodeId, StudyId,
};
use jhe_fhir::search::{
    DatePrefix, PageRequest, SearchCursor, SortField, SortKey, SourceSelector, Summary, TokenParam,
    parse_observation_search, parse_patient_search, parse_query_string,
};
use jhe_fhir::{SearchError, SearchMode};

fn q(query: &str) -> Vec<(String, String)> {
    parse_query_string(query)
}

fn observations(query: &str) -> Result<jhe_fhir::search::ObservationSearch, SearchError> {
    parse_observation_search(&q(query), SearchMode::Lenient)
}

fn utc(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap()
}

#[test]
fn no_parameters_mean_the_first_page_newest_first() {
    let search = observations("").unwrap();
    assert!(search.patients.is_unconstrained());
    assert_eq!(search.summary, Summary::Full);
    assert_eq!(search.primary_sort(), SortKey::NEWEST_UPDATED_FIRST);
    assert_eq!(
        (search.paging.count, search.paging.page.clone()),
        (20, PageRequest::Number(1))
    );
    assert_eq!(search.paging.offset(), 0);
    assert!(!search.matches_nothing());
}

#[test]
fn patients_subjects_studies_and_organizations() {
    let search = observations(
        "patient=41001,Patient/41002&subject=Patient/41001&patient._has%3AGroup%3Amember%3A_id=31001\
         &patient.organization=21003",
    )
    .unwrap();
    assert_eq!(
        search.patients.groups(),
        [vec![PatientId(41001), PatientId(41002)], vec![PatientId(41001)]]
    );
    assert!(search.patients.matches(|p| *p == PatientId(41001)));
    assert!(!search.patients.matches(|p| *p == PatientId(41002)));
    assert_eq!(search.studies.groups(), [vec![StudyId(31001)]]);
    assert_eq!(search.organizations.groups(), [vec![OrganizationId(21003)]]);
    // Every id to authorize up front:
    assert_eq!(search.patients.values().count(), 3);
}

#[test]
fn the_study_filter_has_two_spellings() {
    for name in ["patient._has:Group:member:_id", "patient._has:_group:member:_id"] {
        let search =
            parse_observation_search(&[(name.to_owned(), "31002".to_owned())], SearchMode::Strict).unwrap();
        assert_eq!(search.studies.groups(), [vec![StudyId(31002)]], "{name}");
    }
}

#[test]
fn bad_references_are_refused_with_a_hint() {
    let err = observations("patient=pia").unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(
        err.to_string(),
        "Invalid patient value: 'pia'. Use a patient id such as 40001 or Patient/40001."
    );
    let err = observations("subject=Group/31001").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Invalid subject value: 'Group/31001'."),
        "{err}"
    );
    assert!(observations("patient._has:Group:member:_id=Group/31001").is_ok());
    assert!(observations("patient.organization=lab").is_err());
}

#[test]
fn codes_are_tokens() {
    let search = observations(
        "code=https%3A%2F%2Fw3id.org%2Fopenmhealth%7Comh%3Aheart-rate%3A2.0,omh:blood-pressure:4.0",
    )
    .unwrap();
    let group = &search.codes.groups()[0];
    assert_eq!(
        group[0],
        TokenParam {
            system: Some("https://w3id.org/openmhealth".into()),
            code: Some("omh:heart-rate:2.0".into())
        }
    );
    // A bare code matches that code in any system (the reference matched nothing).
    assert_eq!(
        group[1],
        TokenParam {
            system: None,
            code: Some("omh:blood-pressure:4.0".into())
        }
    );
    assert!(
        search
            .codes
            .matches(|t| t.matches(Some("https://w3id.org/openmhealth"), "omh:blood-pressure:4.0"))
    );
    let whole_system = observations("code=https://w3id.org/openmhealth|").unwrap();
    assert!(
        whole_system
            .codes
            .matches(|t| t.matches(Some("https://w3id.org/openmhealth"), "anything"))
    );
}

#[test]
fn dates_take_prefixes_partial_values_and_repeat_as_and() {
    let search = observations("date=ge2025-01&date=lt2025-02-15T12:00:00Z").unwrap();
    let groups = search.dates.groups();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0][0].prefix, DatePrefix::Ge);
    assert_eq!(groups[0][0].start, utc(2025, 1, 1, 0));
    assert_eq!(groups[1][0].prefix, DatePrefix::Lt);
    assert!(search.dates.matches(|d| d.matches(utc(2025, 2, 1, 0))));
    assert!(!search.dates.matches(|d| d.matches(utc(2024, 12, 31, 23))));
    assert!(!search.dates.matches(|d| d.matches(utc(2025, 2, 15, 12))));

    let year = observations("date=2025").unwrap();
    assert!(year.dates.matches(|d| d.matches(utc(2025, 12, 31, 23))));
    assert!(!year.dates.matches(|d| d.matches(utc(2026, 1, 1, 0))));

    let err = observations("date=last-week").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Invalid date value: 'last-week'. Use an optional prefix"),
        "{err}"
    );
    assert!(observations("date=ne2025").is_err());
}

#[test]
fn last_updated_has_two_spellings_and_the_reference_message() {
    for name in ["_lastUpdated", "_last_updated"] {
        let search = observations(&format!("{name}=gt2025-03-01")).unwrap();
        assert_eq!(
            search.last_updated.groups()[0][0].prefix,
            DatePrefix::Gt,
            "{name}"
        );
    }
    let err = observations("_lastUpdated=soon").unwrap_err();
    assert_eq!(err.to_string(), "Invalid _lastUpdated value: 'soon'.");
}

#[test]
fn identifiers_are_patient_identifiers() {
    let search = observations("identifier=urn%3Aoid%3A1.2.3%7CMRN-7731").unwrap();
    assert_eq!(
        search.patient_identifiers.groups()[0][0],
        TokenParam {
            system: Some("urn:oid:1.2.3".into()),
            code: Some("MRN-7731".into())
        }
    );
    let value_only = observations("patient.identifier=%7CMRN-7731").unwrap();
    assert_eq!(
        value_only.patient_identifiers.groups()[0][0].code.as_deref(),
        Some("MRN-7731")
    );
}

#[test]
fn ids_of_the_wrong_shape_match_nothing() {
    let search = observations("_id=61007,61008").unwrap();
    assert_eq!(
        search.ids.groups(),
        [vec![ObservationId(61007), ObservationId(61008)]]
    );
    let nothing = observations("_id=8f14e45f-ceea-467f-a0e6-7f5b1e2a3c4d").unwrap();
    assert!(nothing.ids.matches_nothing());
    assert!(nothing.matches_nothing());
}

#[test]
fn status_matches_stored_statuses() {
    let search = observations("status=final,amended").unwrap();
    assert_eq!(
        search.statuses.groups(),
        [vec![ObservationStatus::Final, ObservationStatus::Amended]]
    );
    assert!(observations("status=done").unwrap().matches_nothing());
}

#[test]
fn summary_sort_count_and_page() {
    let search = observations("_summary=count&_sort=-date,_lastUpdated&_count=5000&_page=3").unwrap();
    assert_eq!(search.summary, Summary::Count);
    assert_eq!(
        search.sort,
        [
            SortKey {
                field: SortField::Date,
                descending: true
            },
            SortKey {
                field: SortField::LastUpdated,
                descending: false
            }
        ]
    );
    assert_eq!(search.paging.count, 1000);
    assert_eq!(search.paging.page, PageRequest::Number(3));
    assert_eq!(search.paging.offset(), 2000);

    assert_eq!(observations("_count=0").unwrap().paging.count, 20);
    assert_eq!(observations("_count=ten").unwrap().paging.count, 20);
    assert_eq!(observations("_sort=color").unwrap().sort, []);
    let err = observations("_page=0").unwrap_err();
    assert_eq!((err.status(), err.to_string().as_str()), (404, "Invalid page."));
    assert!(observations("_summary=maybe").is_err());
    assert_eq!(observations("_summary=false").unwrap().summary, Summary::Full);
}

#[test]
fn a_cursor_continues_its_own_order() {
    let sort = SortKey {
        field: SortField::Date,
        descending: true,
    };
    let cursor = SearchCursor::after(sort, Some(utc(2025, 1, 1, 16)), 61010);
    let search = observations(&format!("_sort=-date&_count=50&_cursor={}", cursor.encode())).unwrap();
    assert_eq!(search.paging.page, PageRequest::After(cursor.clone()));
    assert_eq!(search.paging.offset(), 0);
    assert_eq!(search.paging.count, 50);

    assert_eq!(
        observations(&format!("_sort=date&_cursor={}", cursor.encode())).unwrap_err(),
        SearchError::CursorMismatch
    );
    assert_eq!(
        observations(&format!("_sort=-date&_page=2&_cursor={}", cursor.encode())).unwrap_err(),
        SearchError::ConflictingPaging
    );
    assert!(
        observations("_cursor=garbage")
            .unwrap_err()
            .to_string()
            .starts_with("Invalid _cursor value")
    );
    // The default order takes a default-order cursor.
    let default = SearchCursor::after(SortKey::NEWEST_UPDATED_FIRST, Some(utc(2025, 1, 1, 0)), 5);
    assert!(observations(&format!("_cursor={}", default.encode())).is_ok());
}

#[test]
fn unknown_parameters_are_ignored_unless_strict() {
    let search = observations("patient=41001&color=blue&_elements=id").unwrap();
    assert_eq!(search.ignored, ["color", "_elements"]);
    let err = parse_observation_search(&q("color=blue"), SearchMode::Strict).unwrap_err();
    assert_eq!(err.to_string(), "Unknown search parameter 'color'.");
    // _format and _pretty are known and change nothing.
    assert!(parse_observation_search(&q("_format=json&_pretty=true"), SearchMode::Strict).is_ok());
    // Empty values are ignored.
    assert!(
        observations("patient=&date=")
            .unwrap()
            .patients
            .is_unconstrained()
    );
}

#[test]
fn unsupported_modifiers_are_refused() {
    let err = observations("code:text=heart").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Unsupported modifier ':text' on search parameter 'code'."
    );
    assert!(observations("_source:below=https://jupyterhealth.org/fhir/fhir-source/").is_ok());
}

#[test]
fn sources_other_than_the_exchange_match_nothing_here() {
    assert_eq!(
        observations("_source=https://jupyterhealth.org/jhe")
            .unwrap()
            .source,
        SourceSelector::Native
    );
    let imported = observations("_source:below=https://jupyterhealth.org/fhir/fhir-source/").unwrap();
    assert_eq!(imported.source, SourceSelector::AllImported);
    assert!(imported.matches_nothing());
}

#[test]
fn the_row_predicate_defines_the_simple_filters() {
    let row = jhe_domain::Observation {
        id: ObservationId(61007),
        patient_id: PatientId(41001),
        scope_code_id: ScopeCodeId(51004),
        data_source_id: None,
        omh_data: "{}".into(),
        status: ObservationStatus::Final,
        effective: Some(EffectiveTime::Period {
            start: utc(2025, 3, 9, 22),
            end: utc(2025, 3, 10, 6),
        }),
        last_updated: utc(2025, 3, 10, 7),
        identifiers: Vec::new(),
    };
    let omh = "https://w3id.org/openmhealth";
    let hits = |query: &str| {
        observations(query)
            .unwrap()
            .matches_row(&row, omh, "omh:sleep-duration:2.0")
    };
    assert!(hits(
        "patient=41001&code=omh:sleep-duration:2.0&date=2025-03-09&status=final"
    ));
    assert!(hits("date=ge2025-03-09T22:00:00Z&_lastUpdated=2025-03-10"));
    assert!(!hits("date=2025-03-10"), "the period's start decides");
    assert!(!hits("patient=41002"));
    assert!(!hits("code=http://loinc.org|"));
    assert!(!hits("_id=1"));
}

#[test]
fn patient_searches() {
    let search = parse_patient_search(
        &q(
            "_id=41001&identifier=urn%3Aoid%3A1.2.3%7CMRN-7731&organization=21003&family=oka&name=pi,qu\
            &birthdate=ge1980&_count=2&_page=2&_sort=-_lastUpdated",
        ),
        SearchMode::Strict,
    )
    .unwrap();
    assert_eq!(search.ids.groups(), [vec![PatientId(41001)]]);
    assert_eq!(
        search.identifiers.groups()[0][0].code.as_deref(),
        Some("MRN-7731")
    );
    assert_eq!(search.organizations.groups(), [vec![OrganizationId(21003)]]);
    assert_eq!(search.family.groups(), [vec!["oka".to_owned()]]);
    assert_eq!(search.name.groups(), [vec!["pi".to_owned(), "qu".to_owned()]]);
    assert!(search.birthdate.matches(|d| d.matches(utc(1988, 4, 23, 0))));
    assert_eq!(search.paging.offset(), 2);
    assert_eq!(
        search.sort,
        [SortKey {
            field: SortField::LastUpdated,
            descending: true
        }]
    );

    let by_org =
        parse_patient_search(&q("patient.organization=21003&patient=41002"), SearchMode::Strict).unwrap();
    assert_eq!(by_org.organizations.groups(), [vec![OrganizationId(21003)]]);
    assert_eq!(by_org.patients.groups(), [vec![PatientId(41002)]]);
    let study = parse_patient_search(&q("patient._has:_group:member:_id=31001"), SearchMode::Strict).unwrap();
    assert_eq!(study.studies.groups(), [vec![StudyId(31001)]]);

    // Patients have no keyset paging and no date sort.
    let lenient = parse_patient_search(&q("_cursor=abc&_sort=date"), SearchMode::Lenient).unwrap();
    assert_eq!(lenient.ignored, ["_cursor"]);
    assert!(lenient.sort.is_empty());
    assert!(parse_patient_search(&q("birthdate=1988-02-30"), SearchMode::Lenient).is_err());
}
