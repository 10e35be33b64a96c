//! Typed models of the IEEE 1752 header and of the bodies of every supported data type.
//!
//! They are read from a data point only after it passed validation, so they can be strict. Fields the schemas
//! define but these models do not name are kept in the data point's JSON, never lost: the exchange stores and
//! serves the JSON exactly as uploaded.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Value, json};

use super::rules::{FrameRule, check_time_frame};
use super::vocab::*;

/// The IEEE 1752 data-point header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The data point's own identifier (RFC 4122 UUID).
    pub uuid: String,
    /// The schema the body follows.
    pub schema_id: SchemaId,
    /// When the data point was created at its source.
    pub source_creation_date_time: DateTime<FixedOffset>,
    /// Sensed or self-reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality: Option<Modality>,
    /// The rate at which measures were acquired (an IEEE 1752 frequency), kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquisition_rate: Option<Value>,
    /// References to documentation of the devices, software or protocols involved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_datasheets: Vec<ExternalDatasheet>,
}

/// A schema identifier: `{namespace, name, version}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaId {
    /// `omh`, `ieee`, …
    pub namespace: String,
    /// `heart-rate`, …
    pub name: String,
    /// `2.0`, …
    pub version: String,
}

impl SchemaId {
    /// The scope code this identifier names: `<namespace>:<name>:<version>`.
    pub fn scope_code(&self) -> String {
        format!("{}:{}:{}", self.namespace, self.name, self.version)
    }
}

/// A reference to external documentation of a data point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalDatasheet {
    /// What the datasheet documents (`manufacturer`, `software`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasheet_type: Option<String>,
    /// Where to find it.
    pub datasheet_reference: String,
}

/// A number with its unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UnitValue<U> {
    /// The number.
    pub value: f64,
    /// Its unit.
    pub unit: U,
}

/// A length of time.
pub type DurationValue = UnitValue<DurationUnit>;

/// When a measurement applies: a point in time or an interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeFrame {
    /// `{"date_time": …}`.
    DateTime(DateTime<FixedOffset>),
    /// `{"time_interval": …}`.
    Interval(TimeInterval),
}

/// The four ways to write a time interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeInterval {
    /// `start_date_time` + `end_date_time`.
    StartEnd {
        /// The first instant.
        start: DateTime<FixedOffset>,
        /// The last instant.
        end: DateTime<FixedOffset>,
    },
    /// `start_date_time` + `duration`.
    StartDuration {
        /// The first instant.
        start: DateTime<FixedOffset>,
        /// How long it lasted.
        duration: DurationValue,
    },
    /// `end_date_time` + `duration`.
    EndDuration {
        /// The last instant.
        end: DateTime<FixedOffset>,
        /// How long it lasted.
        duration: DurationValue,
    },
    /// `date` + `part_of_day` (older Open mHealth schemas only).
    DatePartOfDay {
        /// The day.
        date: NaiveDate,
        /// Which part of it.
        part_of_day: PartOfDay,
    },
}

impl TimeFrame {
    fn to_json(self) -> Value {
        let stamp = |t: DateTime<FixedOffset>| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        let duration = |d: DurationValue| json!({"value": d.value, "unit": d.unit.as_str()});
        match self {
            TimeFrame::DateTime(t) => json!({"date_time": stamp(t)}),
            TimeFrame::Interval(TimeInterval::StartEnd { start, end }) => {
                json!({"time_interval": {"start_date_time": stamp(start), "end_date_time": stamp(end)}})
            }
            TimeFrame::Interval(TimeInterval::StartDuration { start, duration: d }) => {
                json!({"time_interval": {"start_date_time": stamp(start), "duration": duration(d)}})
            }
            TimeFrame::Interval(TimeInterval::EndDuration { end, duration: d }) => {
                json!({"time_interval": {"end_date_time": stamp(end), "duration": duration(d)}})
            }
            TimeFrame::Interval(TimeInterval::DatePartOfDay { date, part_of_day }) => json!({
                "time_interval": {"date": date.format("%Y-%m-%d").to_string(), "part_of_day": part_of_day.as_str()}
            }),
        }
    }
}

impl Serialize for TimeFrame {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for TimeFrame {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let mut violations = Vec::new();
        let rule = FrameRule {
            part_of_day: true,
            interval_only: false,
        };
        match check_time_frame(&value, rule, "", &mut violations) {
            Some(frame) if violations.is_empty() => Ok(frame),
            _ => {
                let text: Vec<String> = violations.iter().map(ToString::to_string).collect();
                Err(D::Error::custom(format!(
                    "invalid time frame: {}",
                    text.join("; ")
                )))
            }
        }
    }
}

/// Reads a whole number that JSON may spell `3` or `3.0`.
fn whole_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Some(i) = n.as_i64() {
        return Ok(Some(i));
    }
    match n.as_f64() {
        // Whole and within range, checked here.
        #[allow(clippy::cast_possible_truncation)]
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ok(Some(f as i64)),
        _ => Err(D::Error::custom(format!("{n} is not a whole number"))),
    }
}

macro_rules! body_struct {
    (
        $(#[$meta:meta])*
        $name:ident {
            $(required $req:ident: $req_ty:ty, #[doc = $req_doc:literal])*
            $(optional $opt:ident: $opt_ty:ty, #[doc = $opt_doc:literal])*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            $(
                #[doc = $req_doc]
                pub $req: $req_ty,
            )*
            $(
                #[doc = $opt_doc]
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $opt: Option<$opt_ty>,
            )*
        }
    };
}

body_struct! {
    /// `omh:blood-glucose:4.0`.
    BloodGlucose {
        required blood_glucose: UnitValue<BloodGlucoseUnit>, #[doc = "The concentration."]
        required effective_time_frame: TimeFrame, #[doc = "When it was measured."]
        optional specimen_source: SpecimenSource, #[doc = "What was sampled."]
        optional temporal_relationship_to_meal: TemporalRelationshipToMeal, #[doc = "Timing relative to a meal."]
        optional temporal_relationship_to_sleep: TemporalRelationshipToSleep, #[doc = "Timing relative to sleep."]
        optional descriptive_statistic: DescriptiveStatistic, #[doc = "The statistic the value summarises."]
    }
}

body_struct! {
    /// `omh:blood-pressure:4.0`.
    BloodPressure {
        required systolic_blood_pressure: UnitValue<PressureUnit>, #[doc = "The systolic pressure."]
        required diastolic_blood_pressure: UnitValue<PressureUnit>, #[doc = "The diastolic pressure."]
        required effective_time_frame: TimeFrame, #[doc = "When it was measured."]
        optional body_posture: BodyPosture, #[doc = "The posture during the measurement."]
        optional descriptive_statistic: DescriptiveStatistic, #[doc = "The statistic the value summarises."]
        optional measurement_location: BodyLocation, #[doc = "Where the cuff was."]
        optional temporal_relationship_to_physical_activity: TemporalRelationshipToPhysicalActivity,
            #[doc = "Timing relative to activity."]
    }
}

body_struct! {
    /// `omh:heart-rate:2.0`.
    HeartRate {
        required heart_rate: UnitValue<HeartRateUnit>, #[doc = "The rate."]
        required effective_time_frame: TimeFrame, #[doc = "When it was measured."]
        optional descriptive_statistic: DescriptiveStatistic, #[doc = "The statistic the value summarises."]
        optional temporal_relationship_to_physical_activity: TemporalRelationshipToPhysicalActivity,
            #[doc = "Timing relative to activity."]
        optional temporal_relationship_to_sleep: TemporalRelationshipToSleep, #[doc = "Timing relative to sleep."]
    }
}

body_struct! {
    /// `omh:body-temperature:4.0`.
    BodyTemperature {
        required body_temperature: UnitValue<TemperatureUnit>, #[doc = "The temperature."]
        required effective_time_frame: TimeFrame, #[doc = "When it was measured."]
        optional descriptive_statistic: DescriptiveStatistic, #[doc = "The statistic the value summarises."]
        optional measurement_location: TemperatureMeasurementLocation, #[doc = "Where it was taken."]
        optional temporal_relationship_to_sleep: TemporalRelationshipToSleep, #[doc = "Timing relative to sleep."]
    }
}

body_struct! {
    /// `omh:oxygen-saturation:2.0`.
    OxygenSaturation {
        required oxygen_saturation: UnitValue<PercentUnit>, #[doc = "The saturation."]
        required effective_time_frame: TimeFrame, #[doc = "When it was measured."]
        optional system: OxygenSaturationSystem, #[doc = "The level in the body."]
        optional supplemental_oxygen_flow_rate: UnitValue<FlowRateUnit>, #[doc = "Supplemental oxygen (0 = room air)."]
        optional oxygen_therapy_mode_of_administration: OxygenTherapyMode, #[doc = "How oxygen was given."]
        optional measurement_method: OxygenMeasurementMethod, #[doc = "How it was measured."]
        optional descriptive_statistic: DescriptiveStatistic, #[doc = "The statistic the value summarises."]
    }
}

body_struct! {
    /// `omh:respiratory-rate:2.0`.
    RespiratoryRate {
        required respiratory_rate: UnitValue<RespiratoryRateUnit>, #[doc = "The rate."]
        required effective_time_frame: TimeFrame, #[doc = "When it was measured."]
        optional descriptive_statistic: DescriptiveStatistic, #[doc = "The statistic the value summarises."]
        optional temporal_relationship_to_physical_activity: TemporalRelationshipToPhysicalActivity,
            #[doc = "Timing relative to activity."]
    }
}

body_struct! {
    /// `omh:rr-interval:1.0`.
    RrInterval {
        required rr_interval: DurationValue, #[doc = "The interval between two R waves (in `ms`)."]
        optional effective_time_frame: TimeFrame, #[doc = "When it was measured."]
        optional descriptive_statistic: DescriptiveStatistic, #[doc = "The statistic the value summarises."]
        optional temporal_relationship_to_physical_activity: TemporalRelationshipToPhysicalActivity,
            #[doc = "Timing relative to activity."]
    }
}

body_struct! {
    /// `omh:step-count:3.0`.
    StepCount {
        required step_count: UnitValue<StepUnit>, #[doc = "The number of steps."]
        required effective_time_frame: TimeFrame, #[doc = "The interval counted over."]
        optional descriptive_statistic: DescriptiveStatistic, #[doc = "The statistic the value summarises."]
        optional descriptive_statistic_denominator: String, #[doc = "Per what (`d`, `wk`, …)."]
    }
}

body_struct! {
    /// `omh:physical-activity:1.2`.
    PhysicalActivity {
        required activity_name: String, #[doc = "What was done."]
        optional effective_time_frame: TimeFrame, #[doc = "When."]
        optional distance: UnitValue<LengthUnit>, #[doc = "The distance covered."]
        optional kcal_burned: UnitValue<KcalUnit>, #[doc = "The energy burned."]
        optional reported_activity_intensity: ActivityIntensity, #[doc = "Self-reported intensity."]
        optional met_value: f64, #[doc = "Metabolic equivalent of task."]
    }
}

body_struct! {
    /// `omh:sleep-duration:2.0`.
    SleepDuration {
        required sleep_duration: DurationValue, #[doc = "Time asleep (`sec`, `min` or `h`)."]
        required effective_time_frame: TimeFrame, #[doc = "The interval it covers."]
        optional descriptive_statistic: DescriptiveStatistic, #[doc = "The statistic the value summarises."]
        optional descriptive_statistic_denominator: String, #[doc = "Per what (`d`, `wk`, …)."]
    }
}

/// `omh:sleep-episode:1.1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SleepEpisode {
    /// From sleep onset to final awakening.
    pub effective_time_frame: TimeFrame,
    /// From wanting to sleep to falling asleep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_to_sleep_onset: Option<DurationValue>,
    /// From final awakening to no longer wanting to sleep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_to_arising: Option<DurationValue>,
    /// Time asleep within the episode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_sleep_time: Option<DurationValue>,
    /// Time awake between sleep onset and final awakening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wake_after_sleep_onset: Option<DurationValue>,
    /// How many times the person woke up.
    #[serde(
        default,
        deserialize_with = "whole_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub number_of_awakenings: Option<i64>,
    /// Whether this was the main sleep of the day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_main_sleep: Option<bool>,
    /// Time asleep as a share of the episode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sleep_maintenance_efficiency_percentage: Option<UnitValue<PercentUnit>>,
}

body_struct! {
    /// `omh:body-weight:3.0`.
    BodyWeight {
        required body_weight: UnitValue<MassUnit>, #[doc = "The weight."]
        required effective_time_frame: TimeFrame, #[doc = "When it was measured."]
        optional descriptive_statistic: DescriptiveStatistic, #[doc = "The statistic the value summarises."]
    }
}

body_struct! {
    /// `omh:body-mass-index:1.0`, `2.0` and `3.0` (the time frame is optional in 1.0 only).
    BodyMassIndex {
        required body_mass_index: UnitValue<BmiUnit>, #[doc = "The index."]
        optional effective_time_frame: TimeFrame, #[doc = "When it applies."]
        optional descriptive_statistic: DescriptiveStatistic, #[doc = "The statistic the value summarises."]
    }
}

body_struct! {
    /// `omh:forced-vital-capacity:1.0`.
    ForcedVitalCapacity {
        required forced_vital_capacity: UnitValue<VolumeUnit>, #[doc = "The volume (in `L`)."]
        required effective_time_frame: TimeFrame, #[doc = "When it was measured."]
        optional measurement_quality: MeasurementQuality, #[doc = "The quality label."]
        optional descriptive_statistic: DescriptiveStatistic, #[doc = "The statistic the value summarises."]
        optional temporal_relationship_to_physical_activity: TemporalRelationshipToPhysicalActivity,
            #[doc = "Timing relative to activity."]
    }
}

body_struct! {
    /// `omh:forced-expiratory-volume-1-second:1.0` (FEV1).
    ForcedExpiratoryVolume1Second {
        required forced_expiratory_volume_1_second: UnitValue<VolumeUnit>, #[doc = "The volume (in `L`)."]
        required effective_time_frame: TimeFrame, #[doc = "When it was measured."]
        optional measurement_quality: MeasurementQuality, #[doc = "The quality label."]
        optional descriptive_statistic: DescriptiveStatistic, #[doc = "The statistic the value summarises."]
        optional temporal_relationship_to_physical_activity: TemporalRelationshipToPhysicalActivity,
            #[doc = "Timing relative to activity."]
    }
}

/// `ieee:sleep-stage-summary:1.0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SleepStageSummary {
    /// The totals of the episode.
    pub sleep_stage_summary: SleepStageTotals,
    /// The interval of the whole sleep episode.
    pub effective_time_frame: TimeFrame,
    /// The stages one after another.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sleep_stage_episodes: Vec<SleepStageEpisode>,
    /// Whether this was the main sleep of the day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_main_sleep: Option<bool>,
}

/// Durations, shares and counts of the sleep stages of one episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SleepStageTotals {
    /// Time asleep.
    pub total_sleep_time: DurationValue,
    /// Time asleep as a share of the episode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sleep_efficiency_percentage: Option<UnitValue<PercentUnit>>,
    /// From wanting to sleep to falling asleep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_to_sleep_onset: Option<DurationValue>,
    /// From final awakening to no longer wanting to sleep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_to_arising: Option<DurationValue>,
    /// Time in REM sleep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rem_sleep_duration: Option<DurationValue>,
    /// Number of REM episodes.
    #[serde(
        default,
        deserialize_with = "whole_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub rem_sleep_episode_count: Option<i64>,
    /// Share of REM sleep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rem_sleep_percentage: Option<UnitValue<PercentUnit>>,
    /// Time in light sleep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light_sleep_duration: Option<DurationValue>,
    /// Number of light-sleep episodes.
    #[serde(
        default,
        deserialize_with = "whole_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub light_sleep_episode_count: Option<i64>,
    /// Share of light sleep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light_sleep_percentage: Option<UnitValue<PercentUnit>>,
    /// Time in deep sleep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deep_sleep_duration: Option<DurationValue>,
    /// Number of deep-sleep episodes.
    #[serde(
        default,
        deserialize_with = "whole_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub deep_sleep_episode_count: Option<i64>,
    /// Share of deep sleep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deep_sleep_percentage: Option<UnitValue<PercentUnit>>,
    /// Time awake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awake_duration: Option<DurationValue>,
    /// How many times the person woke up.
    #[serde(
        default,
        deserialize_with = "whole_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub number_of_awakenings: Option<i64>,
    /// Share of time awake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awake_percentage: Option<UnitValue<PercentUnit>>,
    /// The statistic the values summarise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub descriptive_statistic: Option<DescriptiveStatistic>,
    /// Per what (`d`, `wk`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub descriptive_statistic_denominator: Option<String>,
}

/// One stretch of one sleep stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SleepStageEpisode {
    /// The stage.
    pub sleep_stage_state: SleepStageState,
    /// Its interval.
    pub sleep_stage_time_frame: TimeFrame,
}

/// The typed body of a valid data point, one variant per data type.
#[derive(Debug, Clone, PartialEq)]
pub enum DataPointBody {
    /// `omh:blood-glucose:4.0`.
    BloodGlucose(BloodGlucose),
    /// `omh:blood-pressure:4.0`.
    BloodPressure(BloodPressure),
    /// `omh:heart-rate:2.0`.
    HeartRate(HeartRate),
    /// `omh:body-temperature:4.0`.
    BodyTemperature(BodyTemperature),
    /// `omh:oxygen-saturation:2.0`.
    OxygenSaturation(OxygenSaturation),
    /// `omh:respiratory-rate:2.0`.
    RespiratoryRate(RespiratoryRate),
    /// `omh:rr-interval:1.0`.
    RrInterval(RrInterval),
    /// `omh:step-count:3.0`.
    StepCount(StepCount),
    /// `omh:physical-activity:1.2`.
    PhysicalActivity(PhysicalActivity),
    /// `omh:sleep-duration:2.0`.
    SleepDuration(SleepDuration),
    /// `omh:sleep-episode:1.1`.
    SleepEpisode(SleepEpisode),
    /// `omh:body-weight:3.0`.
    BodyWeight(BodyWeight),
    /// `omh:body-mass-index:1.0` / `2.0` / `3.0`.
    BodyMassIndex(BodyMassIndex),
    /// `omh:forced-vital-capacity:1.0`.
    ForcedVitalCapacity(ForcedVitalCapacity),
    /// `omh:forced-expiratory-volume-1-second:1.0`.
    ForcedExpiratoryVolume1Second(ForcedExpiratoryVolume1Second),
    /// `ieee:sleep-stage-summary:1.0` (boxed: it is by far the largest body).
    SleepStageSummary(Box<SleepStageSummary>),
}

impl DataPointBody {
    /// The body's effective time frame, when it has one.
    pub fn effective_time_frame(&self) -> Option<&TimeFrame> {
        match self {
            DataPointBody::BloodGlucose(b) => Some(&b.effective_time_frame),
            DataPointBody::BloodPressure(b) => Some(&b.effective_time_frame),
            DataPointBody::HeartRate(b) => Some(&b.effective_time_frame),
            DataPointBody::BodyTemperature(b) => Some(&b.effective_time_frame),
            DataPointBody::OxygenSaturation(b) => Some(&b.effective_time_frame),
            DataPointBody::RespiratoryRate(b) => Some(&b.effective_time_frame),
            DataPointBody::RrInterval(b) => b.effective_time_frame.as_ref(),
            DataPointBody::StepCount(b) => Some(&b.effective_time_frame),
            DataPointBody::PhysicalActivity(b) => b.effective_time_frame.as_ref(),
            DataPointBody::SleepDuration(b) => Some(&b.effective_time_frame),
            DataPointBody::SleepEpisode(b) => Some(&b.effective_time_frame),
            DataPointBody::BodyWeight(b) => Some(&b.effective_time_frame),
            DataPointBody::BodyMassIndex(b) => b.effective_time_frame.as_ref(),
            DataPointBody::ForcedVitalCapacity(b) => Some(&b.effective_time_frame),
            DataPointBody::ForcedExpiratoryVolume1Second(b) => Some(&b.effective_time_frame),
            DataPointBody::SleepStageSummary(b) => Some(&b.effective_time_frame),
        }
    }
}

/// Which typed body a data type is read into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    BloodGlucose,
    BloodPressure,
    HeartRate,
    BodyTemperature,
    OxygenSaturation,
    RespiratoryRate,
    RrInterval,
    StepCount,
    PhysicalActivity,
    SleepDuration,
    SleepEpisode,
    BodyWeight,
    BodyMassIndex,
    ForcedVitalCapacity,
    ForcedExpiratoryVolume1Second,
    SleepStageSummary,
}

impl BodyKind {
    pub(crate) fn read(self, body: &Value) -> Result<DataPointBody, serde_json::Error> {
        fn read<T: serde::de::DeserializeOwned>(body: &Value) -> Result<T, serde_json::Error> {
            T::deserialize(body)
        }
        Ok(match self {
            BodyKind::BloodGlucose => DataPointBody::BloodGlucose(read(body)?),
            BodyKind::BloodPressure => DataPointBody::BloodPressure(read(body)?),
            BodyKind::HeartRate => DataPointBody::HeartRate(read(body)?),
            BodyKind::BodyTemperature => DataPointBody::BodyTemperature(read(body)?),
            BodyKind::OxygenSaturation => DataPointBody::OxygenSaturation(read(body)?),
            BodyKind::RespiratoryRate => DataPointBody::RespiratoryRate(read(body)?),
            BodyKind::RrInterval => DataPointBody::RrInterval(read(body)?),
            BodyKind::StepCount => DataPointBody::StepCount(read(body)?),
            BodyKind::PhysicalActivity => DataPointBody::PhysicalActivity(read(body)?),
            BodyKind::SleepDuration => DataPointBody::SleepDuration(read(body)?),
            BodyKind::SleepEpisode => DataPointBody::SleepEpisode(read(body)?),
            BodyKind::BodyWeight => DataPointBody::BodyWeight(read(body)?),
            BodyKind::BodyMassIndex => DataPointBody::BodyMassIndex(read(body)?),
            BodyKind::ForcedVitalCapacity => DataPointBody::ForcedVitalCapacity(read(body)?),
            BodyKind::ForcedExpiratoryVolume1Second => {
                DataPointBody::ForcedExpiratoryVolume1Second(read(body)?)
            }
            BodyKind::SleepStageSummary => DataPointBody::SleepStageSummary(Box::new(read(body)?)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_frames_round_trip_through_json() {
        let frames = [
            json!({"date_time": "2025-02-03T04:05:06-07:00"}),
            json!({"time_interval": {"start_date_time": "2025-02-03T04:05:06Z", "end_date_time": "2025-02-03T05:05:06Z"}}),
            json!({"time_interval": {"start_date_time": "2025-02-03T04:05:06Z", "duration": {"value": 3.0, "unit": "h"}}}),
            json!({"time_interval": {"end_date_time": "2025-02-03T04:05:06Z", "duration": {"value": 2.5, "unit": "d"}}}),
            json!({"time_interval": {"date": "2025-02-03", "part_of_day": "evening"}}),
        ];
        for frame in frames {
            let typed: TimeFrame = serde_json::from_value(frame.clone()).unwrap();
            assert_eq!(serde_json::to_value(typed).unwrap(), frame);
        }
        assert!(serde_json::from_value::<TimeFrame>(json!({"date_time": "today"})).is_err());
    }

    #[test]
    fn whole_numbers_accept_integral_floats() {
        let episode: SleepStageEpisode = serde_json::from_value(json!({
            "sleep_stage_state": "Awake",
            "sleep_stage_time_frame": {"time_interval": {"date": "2025-02-03", "part_of_day": "night"}}
        }))
        .unwrap();
        assert_eq!(episode.sleep_stage_state, SleepStageState::Awake);
        let totals: SleepStageTotals = serde_json::from_value(json!({
            "total_sleep_time": {"value": 400, "unit": "min"}, "number_of_awakenings": 3.0
        }))
        .unwrap();
        assert_eq!(totals.number_of_awakenings, Some(3));
        let bad = serde_json::from_value::<SleepStageTotals>(json!({
            "total_sleep_time": {"value": 400, "unit": "min"}, "number_of_awakenings": 3.5
        }));
        assert!(bad.is_err());
    }

    #[test]
    fn schema_ids_name_their_scope_code() {
        let id = SchemaId {
            namespace: "omh".into(),
            name: "step-count".into(),
            version: "3.0".into(),
        };
        assert_eq!(id.scope_code(), "omh:step-count:3.0");
    }
}
