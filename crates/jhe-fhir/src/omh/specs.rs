//! The rules of every supported data type, written from the Open mHealth and IEEE 1752 schemas they are named
//! after: required fields, units, coded values and the kind of time frame.
//!
//! Two families of time frame exist. Schemas that refer to the IEEE 1752 time frame (blood glucose 4.0, blood
//! pressure 4.0, body temperature 4.0, body weight 3.0, BMI 3.0, spirometry, sleep stage summary) know only
//! start/end/duration intervals; those that still use the Open mHealth one also accept `date` + `part_of_day`.

use super::model::BodyKind;
use super::rules::{Field, FrameRule, Rule, opt, req};
use super::vocab::*;

const IEEE_FRAME: Rule = Rule::TimeFrame(FrameRule {
    part_of_day: false,
    interval_only: false,
});
const IEEE_INTERVAL: Rule = Rule::TimeFrame(FrameRule {
    part_of_day: false,
    interval_only: true,
});
const OMH_FRAME: Rule = Rule::TimeFrame(FrameRule {
    part_of_day: true,
    interval_only: false,
});
const OMH_INTERVAL: Rule = Rule::TimeFrame(FrameRule {
    part_of_day: true,
    interval_only: true,
});
const STATISTIC: Rule = Rule::Enum(DescriptiveStatistic::VALUES);
const DURATION: Rule = Rule::UnitValue(DurationUnit::VALUES);
const PERCENT: Rule = Rule::UnitValue(PercentUnit::VALUES);
const ACTIVITY_TIMING: Rule = Rule::Enum(TemporalRelationshipToPhysicalActivity::VALUES);
const SLEEP_TIMING: Rule = Rule::Enum(TemporalRelationshipToSleep::VALUES);
/// The schemas allow either a denominator code or any other string, which together is any string.
const DENOMINATOR: Rule = Rule::Text;

/// One supported data type: its scope code, how it is displayed and the rules of its body.
#[derive(Debug)]
pub struct DataType {
    /// The scope code, `<namespace>:<name>:<version>`.
    pub scope_code: &'static str,
    /// `omh` or `ieee`.
    pub namespace: &'static str,
    /// The schema name (`heart-rate`).
    pub name: &'static str,
    /// The schema version (`2.0`).
    pub version: &'static str,
    /// A human-readable name, as the exchange's vocabulary labels it.
    pub display: &'static str,
    pub(crate) fields: &'static [Field],
    pub(crate) kind: BodyKind,
}

impl PartialEq for DataType {
    fn eq(&self, other: &Self) -> bool {
        self.scope_code == other.scope_code
    }
}

impl Eq for DataType {}

impl DataType {
    /// The FHIR coding system of this type's scope code: the Open mHealth or the IEEE 1752 one.
    pub fn coding_system(&self) -> &'static str {
        if self.namespace == "ieee" {
            jhe_domain::IEEE_CODING_SYSTEM
        } else {
            jhe_domain::OMH_CODING_SYSTEM
        }
    }
}

const BLOOD_GLUCOSE: &[Field] = &[
    req("blood_glucose", Rule::UnitValue(BloodGlucoseUnit::VALUES)),
    req("effective_time_frame", IEEE_FRAME),
    opt("specimen_source", Rule::Enum(SpecimenSource::VALUES)),
    opt(
        "temporal_relationship_to_meal",
        Rule::Enum(TemporalRelationshipToMeal::VALUES),
    ),
    opt("temporal_relationship_to_sleep", SLEEP_TIMING),
    opt("descriptive_statistic", STATISTIC),
];

const BLOOD_PRESSURE: &[Field] = &[
    req("systolic_blood_pressure", Rule::UnitValue(PressureUnit::VALUES)),
    req("diastolic_blood_pressure", Rule::UnitValue(PressureUnit::VALUES)),
    req("effective_time_frame", IEEE_FRAME),
    opt("body_posture", Rule::Enum(BodyPosture::VALUES)),
    opt("descriptive_statistic", STATISTIC),
    opt("measurement_location", Rule::Enum(BodyLocation::VALUES)),
    opt("temporal_relationship_to_physical_activity", ACTIVITY_TIMING),
];

const HEART_RATE: &[Field] = &[
    req("heart_rate", Rule::UnitValue(HeartRateUnit::VALUES)),
    req("effective_time_frame", OMH_FRAME),
    opt("descriptive_statistic", STATISTIC),
    opt("temporal_relationship_to_physical_activity", ACTIVITY_TIMING),
    opt("temporal_relationship_to_sleep", SLEEP_TIMING),
];

const BODY_TEMPERATURE: &[Field] = &[
    req("body_temperature", Rule::UnitValue(TemperatureUnit::VALUES)),
    req("effective_time_frame", IEEE_FRAME),
    opt("descriptive_statistic", STATISTIC),
    opt(
        "measurement_location",
        Rule::Enum(TemperatureMeasurementLocation::VALUES),
    ),
    opt("temporal_relationship_to_sleep", SLEEP_TIMING),
];

const OXYGEN_SATURATION: &[Field] = &[
    req("oxygen_saturation", PERCENT),
    req("effective_time_frame", OMH_FRAME),
    opt("system", Rule::Enum(OxygenSaturationSystem::VALUES)),
    opt(
        "supplemental_oxygen_flow_rate",
        Rule::UnitValue(FlowRateUnit::VALUES),
    ),
    opt(
        "oxygen_therapy_mode_of_administration",
        Rule::Enum(OxygenTherapyMode::VALUES),
    ),
    opt("measurement_method", Rule::Enum(OxygenMeasurementMethod::VALUES)),
    opt("descriptive_statistic", STATISTIC),
];

const RESPIRATORY_RATE: &[Field] = &[
    req("respiratory_rate", Rule::UnitValue(RespiratoryRateUnit::VALUES)),
    req("effective_time_frame", OMH_FRAME),
    opt("descriptive_statistic", STATISTIC),
    opt("temporal_relationship_to_physical_activity", ACTIVITY_TIMING),
];

const RR_INTERVAL: &[Field] = &[
    req("rr_interval", Rule::UnitValue(&["ms"])),
    opt("effective_time_frame", OMH_FRAME),
    opt("descriptive_statistic", STATISTIC),
    opt("temporal_relationship_to_physical_activity", ACTIVITY_TIMING),
];

const STEP_COUNT: &[Field] = &[
    req("step_count", Rule::UnitValue(StepUnit::VALUES)),
    req("effective_time_frame", OMH_INTERVAL),
    opt("descriptive_statistic", Rule::Enum(DESCRIPTIVE_STATISTIC_V1)),
    opt("descriptive_statistic_denominator", DENOMINATOR),
];

const PHYSICAL_ACTIVITY: &[Field] = &[
    req("activity_name", Rule::Text),
    opt("effective_time_frame", OMH_FRAME),
    opt("distance", Rule::UnitValue(LengthUnit::VALUES)),
    opt("kcal_burned", Rule::UnitValue(KcalUnit::VALUES)),
    opt(
        "reported_activity_intensity",
        Rule::Enum(ActivityIntensity::VALUES),
    ),
    opt("met_value", Rule::Number),
];

const SLEEP_DURATION: &[Field] = &[
    req("sleep_duration", Rule::UnitValue(&["sec", "min", "h"])),
    req("effective_time_frame", OMH_INTERVAL),
    opt("descriptive_statistic", STATISTIC),
    opt("descriptive_statistic_denominator", DENOMINATOR),
];

const SLEEP_EPISODE: &[Field] = &[
    opt("latency_to_sleep_onset", DURATION),
    opt("latency_to_arising", DURATION),
    opt("total_sleep_time", DURATION),
    opt("wake_after_sleep_onset", DURATION),
    opt("number_of_awakenings", Rule::Integer),
    opt("is_main_sleep", Rule::Boolean),
    req("effective_time_frame", OMH_INTERVAL),
    opt("sleep_maintenance_efficiency_percentage", PERCENT),
];

const BODY_WEIGHT: &[Field] = &[
    req("body_weight", Rule::UnitValue(MassUnit::VALUES)),
    req("effective_time_frame", IEEE_FRAME),
    opt("descriptive_statistic", STATISTIC),
];

const BODY_MASS_INDEX_1: &[Field] = &[
    req("body_mass_index", Rule::UnitValue(&["kg/m2"])),
    opt("effective_time_frame", OMH_FRAME),
    opt("descriptive_statistic", STATISTIC),
];

const BODY_MASS_INDEX_2: &[Field] = &[
    req("body_mass_index", Rule::UnitValue(&["kg/m^2"])),
    req("effective_time_frame", OMH_FRAME),
    opt("descriptive_statistic", STATISTIC),
];

const BODY_MASS_INDEX_3: &[Field] = &[
    req("body_mass_index", Rule::UnitValue(&["kg/m^2"])),
    req("effective_time_frame", IEEE_FRAME),
    opt("descriptive_statistic", STATISTIC),
];

const FORCED_VITAL_CAPACITY: &[Field] = &[
    req("forced_vital_capacity", Rule::UnitValue(&["L"])),
    opt("measurement_quality", Rule::Enum(MeasurementQuality::VALUES)),
    req("effective_time_frame", IEEE_FRAME),
    opt("descriptive_statistic", STATISTIC),
    opt("temporal_relationship_to_physical_activity", ACTIVITY_TIMING),
];

const FORCED_EXPIRATORY_VOLUME_1_SECOND: &[Field] = &[
    req("forced_expiratory_volume_1_second", Rule::UnitValue(&["L"])),
    opt("measurement_quality", Rule::Enum(MeasurementQuality::VALUES)),
    req("effective_time_frame", IEEE_FRAME),
    opt("descriptive_statistic", STATISTIC),
    opt("temporal_relationship_to_physical_activity", ACTIVITY_TIMING),
];

const SLEEP_STAGE_TOTALS: &[Field] = &[
    req("total_sleep_time", DURATION),
    opt("sleep_efficiency_percentage", PERCENT),
    opt("latency_to_sleep_onset", DURATION),
    opt("latency_to_arising", DURATION),
    opt("rem_sleep_duration", DURATION),
    opt("rem_sleep_episode_count", Rule::Integer),
    opt("rem_sleep_percentage", PERCENT),
    opt("light_sleep_duration", DURATION),
    opt("light_sleep_episode_count", Rule::Integer),
    opt("light_sleep_percentage", PERCENT),
    opt("deep_sleep_duration", DURATION),
    opt("deep_sleep_episode_count", Rule::Integer),
    opt("deep_sleep_percentage", PERCENT),
    opt("awake_duration", DURATION),
    opt("number_of_awakenings", Rule::Integer),
    opt("awake_percentage", PERCENT),
    opt("descriptive_statistic", STATISTIC),
    opt("descriptive_statistic_denominator", DENOMINATOR),
];

const SLEEP_STAGE_EPISODE: &[Field] = &[
    req("sleep_stage_state", Rule::Enum(SleepStageState::VALUES)),
    req("sleep_stage_time_frame", IEEE_INTERVAL),
];

const SLEEP_STAGE_SUMMARY: &[Field] = &[
    req("sleep_stage_summary", Rule::Object(SLEEP_STAGE_TOTALS)),
    opt(
        "sleep_stage_episodes",
        Rule::Array(&Rule::Object(SLEEP_STAGE_EPISODE)),
    ),
    req("effective_time_frame", IEEE_INTERVAL),
    opt("is_main_sleep", Rule::Boolean),
];

const SCHEMA_ID: &[Field] = &[
    req("namespace", Rule::Text),
    req("name", Rule::Text),
    req("version", Rule::Text),
];

const EXTERNAL_DATASHEET: &[Field] = &[
    opt("datasheet_type", Rule::Text),
    req("datasheet_reference", Rule::Text),
];

/// The IEEE 1752 `header` 1.0.
pub(crate) const HEADER: &[Field] = &[
    req("uuid", Rule::Uuid),
    req("schema_id", Rule::Object(SCHEMA_ID)),
    req("source_creation_date_time", Rule::DateTime),
    opt("modality", Rule::Enum(Modality::VALUES)),
    opt("acquisition_rate", Rule::Frequency),
    opt(
        "external_datasheets",
        Rule::Array(&Rule::Object(EXTERNAL_DATASHEET)),
    ),
];

macro_rules! data_type {
    ($code:literal, $ns:literal, $name:literal, $version:literal, $display:literal, $fields:expr, $kind:ident) => {
        DataType {
            scope_code: $code,
            namespace: $ns,
            name: $name,
            version: $version,
            display: $display,
            fields: $fields,
            kind: BodyKind::$kind,
        }
    };
}

/// Every supported data type, in the order of the exchange's vocabulary.
pub(crate) static DATA_TYPES: &[DataType] = &[
    data_type!(
        "omh:blood-glucose:4.0",
        "omh",
        "blood-glucose",
        "4.0",
        "Blood glucose",
        BLOOD_GLUCOSE,
        BloodGlucose
    ),
    data_type!(
        "omh:blood-pressure:4.0",
        "omh",
        "blood-pressure",
        "4.0",
        "Blood pressure",
        BLOOD_PRESSURE,
        BloodPressure
    ),
    data_type!(
        "omh:body-temperature:4.0",
        "omh",
        "body-temperature",
        "4.0",
        "Body temperature",
        BODY_TEMPERATURE,
        BodyTemperature
    ),
    data_type!(
        "omh:heart-rate:2.0",
        "omh",
        "heart-rate",
        "2.0",
        "Heart Rate",
        HEART_RATE,
        HeartRate
    ),
    data_type!(
        "omh:oxygen-saturation:2.0",
        "omh",
        "oxygen-saturation",
        "2.0",
        "Oxygen saturation",
        OXYGEN_SATURATION,
        OxygenSaturation
    ),
    data_type!(
        "omh:respiratory-rate:2.0",
        "omh",
        "respiratory-rate",
        "2.0",
        "Respiratory rate",
        RESPIRATORY_RATE,
        RespiratoryRate
    ),
    data_type!(
        "omh:rr-interval:1.0",
        "omh",
        "rr-interval",
        "1.0",
        "RR Interval",
        RR_INTERVAL,
        RrInterval
    ),
    data_type!(
        "omh:body-weight:3.0",
        "omh",
        "body-weight",
        "3.0",
        "Body weight",
        BODY_WEIGHT,
        BodyWeight
    ),
    data_type!(
        "omh:forced-vital-capacity:1.0",
        "omh",
        "forced-vital-capacity",
        "1.0",
        "Forced vital capacity",
        FORCED_VITAL_CAPACITY,
        ForcedVitalCapacity
    ),
    data_type!(
        "omh:forced-expiratory-volume-1-second:1.0",
        "omh",
        "forced-expiratory-volume-1-second",
        "1.0",
        "Forced expiratory volume 1 second",
        FORCED_EXPIRATORY_VOLUME_1_SECOND,
        ForcedExpiratoryVolume1Second
    ),
    data_type!(
        "omh:physical-activity:1.2",
        "omh",
        "physical-activity",
        "1.2",
        "Physical activity",
        PHYSICAL_ACTIVITY,
        PhysicalActivity
    ),
    data_type!(
        "omh:step-count:3.0",
        "omh",
        "step-count",
        "3.0",
        "Step count",
        STEP_COUNT,
        StepCount
    ),
    data_type!(
        "ieee:sleep-stage-summary:1.0",
        "ieee",
        "sleep-stage-summary",
        "1.0",
        "Sleep stage summary",
        SLEEP_STAGE_SUMMARY,
        SleepStageSummary
    ),
    data_type!(
        "omh:sleep-episode:1.1",
        "omh",
        "sleep-episode",
        "1.1",
        "Sleep episode",
        SLEEP_EPISODE,
        SleepEpisode
    ),
    data_type!(
        "omh:sleep-duration:2.0",
        "omh",
        "sleep-duration",
        "2.0",
        "Sleep duration",
        SLEEP_DURATION,
        SleepDuration
    ),
    data_type!(
        "omh:body-mass-index:1.0",
        "omh",
        "body-mass-index",
        "1.0",
        "Body mass index",
        BODY_MASS_INDEX_1,
        BodyMassIndex
    ),
    data_type!(
        "omh:body-mass-index:2.0",
        "omh",
        "body-mass-index",
        "2.0",
        "Body mass index",
        BODY_MASS_INDEX_2,
        BodyMassIndex
    ),
    data_type!(
        "omh:body-mass-index:3.0",
        "omh",
        "body-mass-index",
        "3.0",
        "Body mass index",
        BODY_MASS_INDEX_3,
        BodyMassIndex
    ),
];

/// The scope codes of [`DATA_TYPES`], in the same order.
pub(crate) static SCOPE_CODES: &[&str] = &[
    "omh:blood-glucose:4.0",
    "omh:blood-pressure:4.0",
    "omh:body-temperature:4.0",
    "omh:heart-rate:2.0",
    "omh:oxygen-saturation:2.0",
    "omh:respiratory-rate:2.0",
    "omh:rr-interval:1.0",
    "omh:body-weight:3.0",
    "omh:forced-vital-capacity:1.0",
    "omh:forced-expiratory-volume-1-second:1.0",
    "omh:physical-activity:1.2",
    "omh:step-count:3.0",
    "ieee:sleep-stage-summary:1.0",
    "omh:sleep-episode:1.1",
    "omh:sleep-duration:2.0",
    "omh:body-mass-index:1.0",
    "omh:body-mass-index:2.0",
    "omh:body-mass-index:3.0",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_list_matches_the_table() {
        let from_table: Vec<&str> = DATA_TYPES.iter().map(|t| t.scope_code).collect();
        assert_eq!(from_table, SCOPE_CODES);
        for t in DATA_TYPES {
            assert_eq!(t.scope_code, format!("{}:{}:{}", t.namespace, t.name, t.version));
        }
    }
}
