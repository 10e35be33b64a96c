#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every supported data type: a valid data point of our own, and the ways it can be wrong.

use chrono::{TimeZone, Utc};
use jhe_domain::EffectiveTime;
use jhe_fhir::omh::{DataPointBody, TimeFrame, data_type, vocab};
use jhe_fhir::{
    DataPointError, ValidDataPoint, supported_scope_codes, validate_data_point, validate_data_point_value,
};
use serde_json::{Value, json};

const UUID: &str = "0f3c2a1b-7d4e-4c5a-9b8e-112233445566";

fn point(scope_code: &str, body: Value) -> Value {
    let mut parts = scope_code.split(':');
    let (namespace, name, version) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    json!({
        "header": {
            "uuid": UUID,
            "schema_id": {"namespace": namespace, "name": name, "version": version},
            "source_creation_date_time": "2025-03-10T09:15:00+01:00",
            "modality": "sensed"
        },
        "body": body
    })
}

fn check(scope_code: &str, body: Value) -> Result<ValidDataPoint, DataPointError> {
    validate_data_point_value(scope_code, point(scope_code, body))
}

/// The violations as sentences, asserting the point was refused.
fn refused(scope_code: &str, body: Value) -> Vec<String> {
    match check(scope_code, body) {
        Ok(p) => panic!("{scope_code} accepted an invalid body: {:?}", p.json),
        Err(e) => {
            assert!(!e.violations().is_empty(), "{e}");
            e.violations().iter().map(ToString::to_string).collect()
        }
    }
}

fn assert_one(violations: &[String], expected: &str) {
    assert!(
        violations.iter().any(|v| v == expected),
        "wanted {expected:?} in {violations:#?}"
    );
}

fn at(time: &str) -> Value {
    json!({"date_time": time})
}

fn interval(start: &str, end: &str) -> Value {
    json!({"time_interval": {"start_date_time": start, "end_date_time": end}})
}

/// A valid body of our own for every supported code.
fn valid_body(scope_code: &str) -> Value {
    match scope_code {
        "omh:blood-glucose:4.0" => json!({
            "blood_glucose": {"value": 104, "unit": "mg/dL"},
            "effective_time_frame": at("2025-03-10T07:05:00-05:00"),
            "specimen_source": "capillary blood",
            "temporal_relationship_to_meal": "fasting"
        }),
        "omh:blood-pressure:4.0" => json!({
            "systolic_blood_pressure": {"value": 124, "unit": "mmHg"},
            "diastolic_blood_pressure": {"value": 79, "unit": "mmHg"},
            "effective_time_frame": at("2025-03-10T07:10:00Z"),
            "body_posture": "sitting",
            "measurement_location": "left upper arm"
        }),
        "omh:body-temperature:4.0" => json!({
            "body_temperature": {"value": 36.8, "unit": "C"},
            "effective_time_frame": at("2025-03-10T07:20:00Z"),
            "measurement_location": "oral"
        }),
        "omh:heart-rate:2.0" => json!({
            "heart_rate": {"value": 58, "unit": "beats/min"},
            "effective_time_frame": at("2025-03-10T06:55:00+02:00"),
            "temporal_relationship_to_physical_activity": "at rest"
        }),
        "omh:oxygen-saturation:2.0" => json!({
            "oxygen_saturation": {"value": 97.5, "unit": "%"},
            "effective_time_frame": at("2025-03-10T07:25:00Z"),
            "system": "peripheral capillary",
            "supplemental_oxygen_flow_rate": {"value": 0, "unit": "L/min"},
            "measurement_method": "pulse oximetry"
        }),
        "omh:respiratory-rate:2.0" => json!({
            "respiratory_rate": {"value": 14, "unit": "breaths/min"},
            "effective_time_frame": at("2025-03-10T07:30:00Z")
        }),
        "omh:rr-interval:1.0" => json!({
            "rr_interval": {"value": 812, "unit": "ms"}
        }),
        "omh:body-weight:3.0" => json!({
            "body_weight": {"value": 71.4, "unit": "kg"},
            "effective_time_frame": at("2025-03-10T07:00:00Z")
        }),
        "omh:forced-vital-capacity:1.0" => json!({
            "forced_vital_capacity": {"value": 4.1, "unit": "L"},
            "measurement_quality": "acceptable",
            "effective_time_frame": at("2025-03-10T10:00:00Z")
        }),
        "omh:forced-expiratory-volume-1-second:1.0" => json!({
            "forced_expiratory_volume_1_second": {"value": 3.2, "unit": "L"},
            "effective_time_frame": at("2025-03-10T10:00:00Z"),
            "descriptive_statistic": "maximum"
        }),
        "omh:physical-activity:1.2" => json!({
            "activity_name": "cycling",
            "effective_time_frame": interval("2025-03-09T17:00:00Z", "2025-03-09T17:45:00Z"),
            "distance": {"value": 12.5, "unit": "km"},
            "kcal_burned": {"value": 310, "unit": "kcal"},
            "reported_activity_intensity": "moderate",
            "met_value": 6.8
        }),
        "omh:step-count:3.0" => json!({
            "step_count": {"value": 4210, "unit": "steps"},
            "effective_time_frame": interval("2025-03-09T00:00:00Z", "2025-03-10T00:00:00Z"),
            "descriptive_statistic": "sum",
            "descriptive_statistic_denominator": "d"
        }),
        "ieee:sleep-stage-summary:1.0" => json!({
            "sleep_stage_summary": {
                "total_sleep_time": {"value": 412, "unit": "min"},
                "sleep_efficiency_percentage": {"value": 91, "unit": "%"},
                "rem_sleep_duration": {"value": 95, "unit": "min"},
                "deep_sleep_duration": {"value": 70, "unit": "min"},
                "light_sleep_duration": {"value": 247, "unit": "min"},
                "number_of_awakenings": 3
            },
            "sleep_stage_episodes": [
                {"sleep_stage_state": "Light_sleep",
                 "sleep_stage_time_frame": interval("2025-03-09T22:40:00Z", "2025-03-09T23:30:00Z")},
                {"sleep_stage_state": "Deep_sleep",
                 "sleep_stage_time_frame": {"time_interval": {
                     "start_date_time": "2025-03-09T23:30:00Z", "duration": {"value": 70, "unit": "min"}}}}
            ],
            "effective_time_frame": interval("2025-03-09T22:40:00Z", "2025-03-10T06:10:00Z"),
            "is_main_sleep": true
        }),
        "omh:sleep-episode:1.1" => json!({
            "effective_time_frame": {"time_interval": {
                "end_date_time": "2025-03-10T06:30:00-05:00", "duration": {"value": 7.5, "unit": "h"}}},
            "latency_to_sleep_onset": {"value": 12, "unit": "min"},
            "number_of_awakenings": 2,
            "is_main_sleep": true,
            "sleep_maintenance_efficiency_percentage": {"value": 88, "unit": "%"}
        }),
        "omh:sleep-duration:2.0" => json!({
            "sleep_duration": {"value": 7.25, "unit": "h"},
            "effective_time_frame": {"time_interval": {
                "start_date_time": "2025-03-09T23:00:00Z", "duration": {"value": 8, "unit": "h"}}}
        }),
        "omh:body-mass-index:1.0" => json!({
            "body_mass_index": {"value": 23.1, "unit": "kg/m2"}
        }),
        "omh:body-mass-index:2.0" => json!({
            "body_mass_index": {"value": 23.1, "unit": "kg/m^2"},
            "effective_time_frame": {"time_interval": {"date": "2025-03-10", "part_of_day": "morning"}}
        }),
        "omh:body-mass-index:3.0" => json!({
            "body_mass_index": {"value": 23.1, "unit": "kg/m^2"},
            "effective_time_frame": at("2025-03-10T07:00:00Z")
        }),
        other => panic!("no example for {other}"),
    }
}

#[test]
fn every_supported_type_accepts_its_example() {
    assert_eq!(supported_scope_codes().len(), 18);
    for code in supported_scope_codes() {
        let valid = check(code, valid_body(code)).unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(valid.scope_code(), *code);
        assert!(valid.schema_id_matches(), "{code}");
        assert_eq!(valid.data_type.display, data_type(code).unwrap().display);
    }
}

#[test]
fn validation_from_bytes_reads_utf8_json() {
    let bytes = serde_json::to_vec(&point("omh:heart-rate:2.0", valid_body("omh:heart-rate:2.0"))).unwrap();
    let valid = validate_data_point("omh:heart-rate:2.0", &bytes).unwrap();
    assert!(matches!(valid.body, DataPointBody::HeartRate(ref hr) if hr.heart_rate.value == 58.0));

    assert_eq!(
        validate_data_point("omh:heart-rate:2.0", &[0xff, 0xfe]),
        Err(DataPointError::NotUtf8)
    );
    let not_json = validate_data_point("omh:heart-rate:2.0", b"{\"header\": ").unwrap_err();
    assert!(matches!(not_json, DataPointError::NotJson { .. }), "{not_json}");
    let unknown = validate_data_point("omh:body-height:2.0", &bytes).unwrap_err();
    assert!(
        unknown
            .to_string()
            .starts_with("no Open mHealth or IEEE 1752 data type is known for the code")
    );

    // Any UTF-8 is fine, not only ASCII.
    let mut body = valid_body("omh:physical-activity:1.2");
    body["activity_name"] = json!("randonnée à vélo");
    let bytes = serde_json::to_vec(&point("omh:physical-activity:1.2", body)).unwrap();
    assert!(validate_data_point("omh:physical-activity:1.2", &bytes).is_ok());
}

#[test]
fn a_data_point_needs_a_header_and_a_body() {
    let err = validate_data_point_value("omh:heart-rate:2.0", json!([1, 2])).unwrap_err();
    assert_eq!(err.violations()[0].path, "$");
    let err = validate_data_point_value(
        "omh:heart-rate:2.0",
        json!({"body": valid_body("omh:heart-rate:2.0")}),
    )
    .unwrap_err();
    assert_eq!(
        err.violations()[0].to_string(),
        "header: expected an object (required), found nothing"
    );
    let err =
        validate_data_point_value("omh:heart-rate:2.0", json!({"header": {}, "body": "72 bpm"})).unwrap_err();
    let v: Vec<String> = err.violations().iter().map(ToString::to_string).collect();
    assert_one(&v, "body: expected an object, found \"72 bpm\"");
    assert_one(
        &v,
        "header.uuid: expected a UUID such as \"5f0c8a3e-2b1d-4c6e-9a7f-3d2e1b0c9a8f\" (required), found nothing",
    );
}

#[test]
fn the_header_is_checked() {
    let code = "omh:heart-rate:2.0";
    let mut p = point(code, valid_body(code));
    p["header"]["uuid"] = json!("not-a-uuid");
    p["header"]["schema_id"] = json!({"namespace": "omh", "name": "heart-rate"});
    p["header"]["source_creation_date_time"] = json!("2025-03-10T09:15:00");
    p["header"]["modality"] = json!("guessed");
    p["header"]["external_datasheets"] = json!([{"datasheet_type": "manufacturer"}]);
    p["header"]["acquisition_rate"] = json!({"value": 1, "unit": "rpm"});
    let err = validate_data_point_value(code, p).unwrap_err();
    let v: Vec<String> = err.violations().iter().map(ToString::to_string).collect();
    assert_eq!(v.len(), 6, "{v:#?}");
    assert_one(
        &v,
        "header.uuid: expected a UUID such as \"5f0c8a3e-2b1d-4c6e-9a7f-3d2e1b0c9a8f\", found \"not-a-uuid\"",
    );
    assert_one(
        &v,
        "header.schema_id.version: expected a string (required), found nothing",
    );
    assert!(
        v.iter()
            .any(|s| s.starts_with("header.source_creation_date_time: expected an RFC 3339 date-time"))
    );
    assert_one(
        &v,
        "header.modality: expected one of \"sensed\", \"self-reported\", found \"guessed\"",
    );
    assert_one(
        &v,
        "header.external_datasheets[0].datasheet_reference: expected a string (required), found nothing",
    );
    assert_one(&v, "header.acquisition_rate.unit: expected \"Hz\", found \"rpm\"");
    assert!(
        err.to_string()
            .starts_with("the data point is not a valid omh:heart-rate:2.0: header.uuid")
    );
}

#[test]
fn the_header_schema_id_is_not_compared_with_the_code() {
    // As in the reference: a glucose body labelled blood-pressure in its header validates against glucose.
    let mut p = point("omh:blood-glucose:4.0", valid_body("omh:blood-glucose:4.0"));
    p["header"]["schema_id"]["name"] = json!("blood-pressure");
    let valid = validate_data_point_value("omh:blood-glucose:4.0", p).unwrap();
    assert!(!valid.schema_id_matches());
}

#[test]
fn blood_glucose() {
    let code = "omh:blood-glucose:4.0";
    let valid = check(code, valid_body(code)).unwrap();
    let DataPointBody::BloodGlucose(bg) = &valid.body else {
        panic!()
    };
    assert_eq!(
        bg.blood_glucose.unit,
        vocab::BloodGlucoseUnit::MilligramsPerDecilitre
    );
    assert_eq!(bg.specimen_source, Some(vocab::SpecimenSource::CapillaryBlood));
    assert_eq!(
        valid.effective,
        Some(EffectiveTime::Instant(
            Utc.with_ymd_and_hms(2025, 3, 10, 12, 5, 0).unwrap()
        ))
    );
    let mut body = valid_body(code);
    body["blood_glucose"] = json!({"value": 5.8, "unit": "mmol/L"});
    assert!(check(code, body).is_ok());

    let mut body = valid_body(code);
    body["blood_glucose"]["unit"] = json!("mg");
    assert_one(
        &refused(code, body),
        r#"body.blood_glucose.unit: expected one of "mg/dL", "mmol/L", found "mg""#,
    );
    let mut body = valid_body(code);
    body.as_object_mut().unwrap().remove("effective_time_frame");
    let v = refused(code, body);
    assert!(
        v[0].starts_with("body.effective_time_frame: expected a time frame"),
        "{v:?}"
    );
    assert!(v[0].ends_with("(required), found nothing"));
    // The IEEE time interval of glucose 4.0 has no date + part_of_day form.
    let mut body = valid_body(code);
    body["effective_time_frame"] = json!({"time_interval": {"date": "2025-03-10", "part_of_day": "morning"}});
    assert!(
        refused(code, body)[0]
            .starts_with("body.effective_time_frame.time_interval: expected exactly one of:")
    );
    let mut body = valid_body(code);
    body["temporal_relationship_to_meal"] = json!("at breakfast");
    assert!(
        refused(code, body)[0].starts_with("body.temporal_relationship_to_meal: expected one of \"fasting\"")
    );
}

#[test]
fn blood_pressure() {
    let code = "omh:blood-pressure:4.0";
    let valid = check(code, valid_body(code)).unwrap();
    let DataPointBody::BloodPressure(bp) = &valid.body else {
        panic!()
    };
    assert_eq!(
        (
            bp.systolic_blood_pressure.value,
            bp.diastolic_blood_pressure.value
        ),
        (124.0, 79.0)
    );

    let mut body = valid_body(code);
    body["systolic_blood_pressure"]["value"] = json!("high");
    body.as_object_mut().unwrap().remove("diastolic_blood_pressure");
    let v = refused(code, body);
    assert_eq!(v.len(), 2, "{v:#?}");
    assert_one(
        &v,
        "body.systolic_blood_pressure.value: expected a number, found \"high\"",
    );
    assert_one(
        &v,
        r#"body.diastolic_blood_pressure: expected an object {"value": <number>, "unit": "mmHg"} (required), found nothing"#,
    );
    let mut body = valid_body(code);
    body["diastolic_blood_pressure"]["unit"] = json!("kPa");
    assert_one(
        &refused(code, body),
        r#"body.diastolic_blood_pressure.unit: expected "mmHg", found "kPa""#,
    );
    let mut body = valid_body(code);
    body["body_posture"] = json!("upside down");
    assert!(refused(code, body)[0].starts_with("body.body_posture: expected one of \"sitting\""));
}

#[test]
fn heart_rate() {
    let code = "omh:heart-rate:2.0";
    assert!(check(code, valid_body(code)).is_ok());
    // The Open mHealth time interval still knows date + part_of_day.
    let mut body = valid_body(code);
    body["effective_time_frame"] = json!({"time_interval": {"date": "2025-03-10", "part_of_day": "night"}});
    let valid = check(code, body).unwrap();
    assert_eq!(
        valid.effective,
        Some(EffectiveTime::Period {
            start: Utc.with_ymd_and_hms(2025, 3, 10, 0, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2025, 3, 10, 6, 0, 0).unwrap(),
        })
    );

    let mut body = valid_body(code);
    body["heart_rate"]["unit"] = json!("bpm");
    assert_one(
        &refused(code, body),
        r#"body.heart_rate.unit: expected "beats/min", found "bpm""#,
    );
    let mut body = valid_body(code);
    body["effective_time_frame"]["time_interval"] =
        json!({"start_date_time": "2025-03-10T06:00:00Z", "end_date_time": "2025-03-10T06:05:00Z"});
    assert_one(
        &refused(code, body),
        r#"body.effective_time_frame: expected exactly one of "date_time" or "time_interval", found both"#,
    );
    let mut body = valid_body(code);
    body["heart_rate"] = json!(58);
    assert!(refused(code, body)[0].starts_with("body.heart_rate: expected an object {\"value\""));
}

#[test]
fn body_temperature() {
    let code = "omh:body-temperature:4.0";
    let valid = check(code, valid_body(code)).unwrap();
    let DataPointBody::BodyTemperature(bt) = &valid.body else {
        panic!()
    };
    assert_eq!(bt.body_temperature.unit, vocab::TemperatureUnit::Celsius);
    for unit in ["K", "F"] {
        let mut body = valid_body(code);
        body["body_temperature"]["unit"] = json!(unit);
        assert!(check(code, body).is_ok(), "{unit}");
    }
    let mut body = valid_body(code);
    body["body_temperature"]["unit"] = json!("celsius");
    assert_one(
        &refused(code, body),
        r#"body.body_temperature.unit: expected one of "K", "F", "C", found "celsius""#,
    );
    let mut body = valid_body(code);
    body["measurement_location"] = json!("ear");
    assert!(refused(code, body)[0].starts_with("body.measurement_location: expected one of \"axillary\""));
    let mut body = valid_body(code);
    body["effective_time_frame"] = at("10 March 2025");
    assert!(refused(code, body)[0].starts_with("body.effective_time_frame.date_time: expected an RFC 3339"));
}

#[test]
fn oxygen_saturation() {
    let code = "omh:oxygen-saturation:2.0";
    assert!(check(code, valid_body(code)).is_ok());
    let mut body = valid_body(code);
    body["oxygen_saturation"]["unit"] = json!("percent");
    body["measurement_method"] = json!("finger clip");
    body["supplemental_oxygen_flow_rate"]["unit"] = json!("mL/min");
    let v = refused(code, body);
    assert_eq!(v.len(), 3, "{v:#?}");
    assert_one(
        &v,
        r#"body.oxygen_saturation.unit: expected "%", found "percent""#,
    );
    assert_one(
        &v,
        r#"body.measurement_method: expected "pulse oximetry", found "finger clip""#,
    );
    assert_one(
        &v,
        r#"body.supplemental_oxygen_flow_rate.unit: expected "L/min", found "mL/min""#,
    );
}

#[test]
fn respiratory_rate() {
    let code = "omh:respiratory-rate:2.0";
    assert!(check(code, valid_body(code)).is_ok());
    let mut body = valid_body(code);
    body["respiratory_rate"] = json!({"unit": "breaths/min"});
    assert_one(
        &refused(code, body),
        "body.respiratory_rate.value: expected a number (required), found nothing",
    );
    let mut body = valid_body(code);
    body["respiratory_rate"]["unit"] = json!("bpm");
    assert_one(
        &refused(code, body),
        r#"body.respiratory_rate.unit: expected "breaths/min", found "bpm""#,
    );
}

#[test]
fn rr_interval() {
    let code = "omh:rr-interval:1.0";
    // The time frame is optional for this type.
    let valid = check(code, valid_body(code)).unwrap();
    assert_eq!(valid.effective, None);
    let mut body = valid_body(code);
    body["rr_interval"]["unit"] = json!("sec");
    assert_one(
        &refused(code, body),
        r#"body.rr_interval.unit: expected "ms", found "sec""#,
    );
    let mut body = valid_body(code);
    body["effective_time_frame"] = json!({"time_interval": {"start_date_time": "2025-03-10T06:00:00Z"}});
    assert!(
        refused(code, body)[0]
            .starts_with("body.effective_time_frame.time_interval: expected exactly one of")
    );
}

#[test]
fn step_count() {
    let code = "omh:step-count:3.0";
    let valid = check(code, valid_body(code)).unwrap();
    let DataPointBody::StepCount(steps) = &valid.body else {
        panic!()
    };
    assert_eq!(steps.step_count.value, 4210.0);
    assert!(matches!(steps.effective_time_frame, TimeFrame::Interval(_)));

    let mut body = valid_body(code);
    body["effective_time_frame"] = at("2025-03-10T00:00:00Z");
    let v = refused(code, body);
    assert!(
        v[0].starts_with("body.effective_time_frame: expected a time frame with a \"time_interval\""),
        "{v:?}"
    );
    assert!(v[0].ends_with("found a \"date_time\""));
    let mut body = valid_body(code);
    body["step_count"]["unit"] = json!("step");
    assert_one(
        &refused(code, body),
        r#"body.step_count.unit: expected "steps", found "step""#,
    );
    // Step count 3.0 still uses the first, shorter list of statistics.
    let mut body = valid_body(code);
    body["descriptive_statistic"] = json!("count");
    assert!(refused(code, body)[0].starts_with("body.descriptive_statistic: expected one of \"average\""));
}

#[test]
fn physical_activity() {
    let code = "omh:physical-activity:1.2";
    assert!(check(code, valid_body(code)).is_ok());
    assert!(check(code, json!({"activity_name": "yoga"})).is_ok());
    let mut body = valid_body(code);
    body.as_object_mut().unwrap().remove("activity_name");
    body["distance"]["unit"] = json!("furlong");
    body["met_value"] = json!("high");
    body["reported_activity_intensity"] = json!("extreme");
    let v = refused(code, body);
    assert_eq!(v.len(), 4, "{v:#?}");
    assert_one(
        &v,
        "body.activity_name: expected a string (required), found nothing",
    );
    assert!(
        v.iter()
            .any(|s| s.starts_with("body.distance.unit: expected one of \"fm\""))
    );
    assert_one(&v, "body.met_value: expected a number, found \"high\"");
    assert_one(
        &v,
        r#"body.reported_activity_intensity: expected one of "light", "moderate", "vigorous", found "extreme""#,
    );
}

#[test]
fn sleep_duration() {
    let code = "omh:sleep-duration:2.0";
    let valid = check(code, valid_body(code)).unwrap();
    assert_eq!(
        valid.effective,
        Some(EffectiveTime::Period {
            start: Utc.with_ymd_and_hms(2025, 3, 9, 23, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2025, 3, 10, 7, 0, 0).unwrap(),
        })
    );
    let mut body = valid_body(code);
    body["sleep_duration"]["unit"] = json!("d");
    assert_one(
        &refused(code, body),
        r#"body.sleep_duration.unit: expected one of "sec", "min", "h", found "d""#,
    );
    let mut body = valid_body(code);
    body["effective_time_frame"]["time_interval"]["duration"]["unit"] = json!("hours");
    assert!(
        refused(code, body)[0].starts_with("body.effective_time_frame.time_interval.duration.unit: expected")
    );
}

#[test]
fn sleep_episode() {
    let code = "omh:sleep-episode:1.1";
    let valid = check(code, valid_body(code)).unwrap();
    let DataPointBody::SleepEpisode(episode) = &valid.body else {
        panic!()
    };
    assert_eq!(episode.number_of_awakenings, Some(2));
    assert_eq!(
        valid.effective,
        Some(EffectiveTime::Period {
            start: Utc.with_ymd_and_hms(2025, 3, 10, 4, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2025, 3, 10, 11, 30, 0).unwrap(),
        })
    );
    let mut body = valid_body(code);
    body["number_of_awakenings"] = json!(1.5);
    body["is_main_sleep"] = json!("yes");
    let v = refused(code, body);
    assert_one(
        &v,
        "body.number_of_awakenings: expected a whole number, found 1.5",
    );
    assert_one(&v, "body.is_main_sleep: expected true or false, found \"yes\"");
    let mut body = valid_body(code);
    body.as_object_mut().unwrap().remove("effective_time_frame");
    assert!(refused(code, body)[0].starts_with("body.effective_time_frame: expected a time frame with"));
}

#[test]
fn body_weight() {
    let code = "omh:body-weight:3.0";
    assert!(check(code, valid_body(code)).is_ok());
    let mut body = valid_body(code);
    body["body_weight"]["unit"] = json!("kilos");
    assert!(refused(code, body)[0].starts_with(r#"body.body_weight.unit: expected one of "fg", "pg""#));
    let mut body = valid_body(code);
    body["body_weight"]["unit"] = json!("lb");
    assert!(check(code, body).is_ok());
}

#[test]
fn body_mass_index_in_three_versions() {
    assert!(check("omh:body-mass-index:1.0", valid_body("omh:body-mass-index:1.0")).is_ok());
    let mut body = valid_body("omh:body-mass-index:3.0");
    body["body_mass_index"]["unit"] = json!("kg/m2");
    assert_one(
        &refused("omh:body-mass-index:3.0", body),
        r#"body.body_mass_index.unit: expected "kg/m^2", found "kg/m2""#,
    );
    let mut body = valid_body("omh:body-mass-index:2.0");
    body.as_object_mut().unwrap().remove("effective_time_frame");
    assert!(refused("omh:body-mass-index:2.0", body)[0].starts_with("body.effective_time_frame"));
}

#[test]
fn spirometry() {
    let fvc = "omh:forced-vital-capacity:1.0";
    assert!(check(fvc, valid_body(fvc)).is_ok());
    let mut body = valid_body(fvc);
    body["forced_vital_capacity"]["unit"] = json!("mL");
    body["measurement_quality"] = json!("good");
    let v = refused(fvc, body);
    assert_one(&v, r#"body.forced_vital_capacity.unit: expected "L", found "mL""#);
    assert_one(
        &v,
        r#"body.measurement_quality: expected one of "acceptable", "usable", "rejected", found "good""#,
    );

    let fev1 = "omh:forced-expiratory-volume-1-second:1.0";
    assert!(check(fev1, valid_body(fev1)).is_ok());
    let mut body = valid_body(fev1);
    body["forced_expiratory_volume_1_second"]
        .as_object_mut()
        .unwrap()
        .remove("value");
    assert_one(
        &refused(fev1, body),
        "body.forced_expiratory_volume_1_second.value: expected a number (required), found nothing",
    );
}

#[test]
fn sleep_stage_summary() {
    let code = "ieee:sleep-stage-summary:1.0";
    let valid = check(code, valid_body(code)).unwrap();
    assert_eq!(
        data_type(code).unwrap().coding_system(),
        jhe_domain::IEEE_CODING_SYSTEM
    );
    let DataPointBody::SleepStageSummary(summary) = &valid.body else {
        panic!()
    };
    assert_eq!(summary.sleep_stage_episodes.len(), 2);
    assert_eq!(summary.sleep_stage_summary.number_of_awakenings, Some(3));

    let mut body = valid_body(code);
    body["sleep_stage_episodes"][1]["sleep_stage_state"] = json!("REM");
    body["sleep_stage_episodes"][0]["sleep_stage_time_frame"] = at("2025-03-09T22:40:00Z");
    body["sleep_stage_summary"]
        .as_object_mut()
        .unwrap()
        .remove("total_sleep_time");
    let v = refused(code, body);
    assert_eq!(v.len(), 3, "{v:#?}");
    assert!(
        v.iter()
            .any(|s| s.starts_with("body.sleep_stage_summary.total_sleep_time: expected an object"))
    );
    assert!(v.iter().any(|s| {
        s.starts_with("body.sleep_stage_episodes[0].sleep_stage_time_frame: expected a time frame with")
    }));
    assert!(v.iter().any(|s| {
        s.starts_with("body.sleep_stage_episodes[1].sleep_stage_state: expected one of \"REM_sleep\"")
    }));
}

#[test]
fn unknown_fields_are_kept_and_allowed() {
    let code = "omh:heart-rate:2.0";
    let mut body = valid_body(code);
    body["device_note"] = json!({"firmware": "3.1"});
    let valid = check(code, body).unwrap();
    assert_eq!(valid.json["body"]["device_note"]["firmware"], "3.1");
}

#[test]
fn unusual_but_valid_rfc3339_spellings_pass_end_to_end() {
    let code = "omh:heart-rate:2.0";
    for stamp in [
        "2025-03-10 09:15:00+01:00",
        "2025-03-10t09:15:00z",
        "2016-12-31T23:59:60Z",
        "2025-03-10T09:15:00.123456789-00:00",
    ] {
        let mut p = point(code, valid_body(code));
        p["header"]["source_creation_date_time"] = json!(stamp);
        p["body"]["effective_time_frame"]["date_time"] = json!(stamp);
        let valid = validate_data_point_value(code, p).unwrap_or_else(|e| panic!("{stamp}: {e}"));
        assert!(valid.effective.is_some(), "{stamp}");
    }
}
