//! The closed value sets of the Open mHealth and IEEE 1752 schemas: units and coded values. Each enum has one
//! wire string per variant, as the schemas spell it.

use std::fmt;
use std::str::FromStr;

use jhe_domain::UnknownValue;
use serde::{Deserialize, Serialize};

macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident ($kind:literal) {
            $($variant:ident => $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(
                #[doc = concat!("`", $text, "`")]
                #[serde(rename = $text)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the order the schema lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The wire strings, in the order the schema lists them.
            pub const VALUES: &'static [&'static str] = &[$($text),+];

            /// The wire string.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }
    };
}

vocabulary! {
    /// A unit of time (IEEE 1752 `duration-unit-value`).
    DurationUnit ("duration unit") {
        Picoseconds => "ps",
        Nanoseconds => "ns",
        Microseconds => "us",
        Milliseconds => "ms",
        Seconds => "sec",
        Minutes => "min",
        Hours => "h",
        Days => "d",
        Weeks => "wk",
        Months => "Mo",
        Years => "yr",
    }
}

vocabulary! {
    /// A part of a day, for a `date` + `part_of_day` time interval.
    PartOfDay ("part of day") {
        Morning => "morning",
        Afternoon => "afternoon",
        Evening => "evening",
        Night => "night",
    }
}

impl PartOfDay {
    /// The window of the day this part stands for, in UTC: (first hour, number of hours).
    pub const fn utc_window(self) -> (i64, i64) {
        match self {
            PartOfDay::Night => (0, 6),
            PartOfDay::Morning => (6, 6),
            PartOfDay::Afternoon => (12, 6),
            PartOfDay::Evening => (18, 6),
        }
    }
}

vocabulary! {
    /// How a measure was obtained (IEEE 1752 header `modality`).
    Modality ("modality") {
        Sensed => "sensed",
        SelfReported => "self-reported",
    }
}

vocabulary! {
    /// Units of a blood glucose concentration.
    BloodGlucoseUnit ("blood glucose unit") {
        MilligramsPerDecilitre => "mg/dL",
        MillimolesPerLitre => "mmol/L",
    }
}

vocabulary! {
    /// Units of a blood pressure.
    PressureUnit ("pressure unit") {
        MillimetresOfMercury => "mmHg",
    }
}

vocabulary! {
    /// Units of a heart rate.
    HeartRateUnit ("heart rate unit") {
        BeatsPerMinute => "beats/min",
    }
}

vocabulary! {
    /// Units of a temperature.
    TemperatureUnit ("temperature unit") {
        Kelvin => "K",
        Fahrenheit => "F",
        Celsius => "C",
    }
}

vocabulary! {
    /// The percent unit.
    PercentUnit ("percent unit") {
        Percent => "%",
    }
}

vocabulary! {
    /// Units of a gas flow rate.
    FlowRateUnit ("flow rate unit") {
        LitresPerMinute => "L/min",
    }
}

vocabulary! {
    /// Units of a respiratory rate.
    RespiratoryRateUnit ("respiratory rate unit") {
        BreathsPerMinute => "breaths/min",
    }
}

vocabulary! {
    /// Units of a step count.
    StepUnit ("step unit") {
        Steps => "steps",
    }
}

vocabulary! {
    /// Units of length.
    LengthUnit ("length unit") {
        Femtometres => "fm",
        Picometres => "pm",
        Nanometres => "nm",
        Micrometres => "um",
        Millimetres => "mm",
        Centimetres => "cm",
        Metres => "m",
        Kilometres => "km",
        Inches => "in",
        Feet => "ft",
        Yards => "yd",
        Miles => "mi",
    }
}

vocabulary! {
    /// Units of energy burned.
    KcalUnit ("energy unit") {
        Kilocalories => "kcal",
    }
}

vocabulary! {
    /// Units of mass.
    MassUnit ("mass unit") {
        Femtograms => "fg",
        Picograms => "pg",
        Nanograms => "ng",
        Micrograms => "ug",
        Milligrams => "mg",
        Grams => "g",
        Kilograms => "kg",
        MetricTons => "Metric Ton",
        Grains => "gr",
        Ounces => "oz",
        Pounds => "lb",
        Tons => "Ton",
    }
}

vocabulary! {
    /// Units of a body mass index. Version 1.0 of the schema spells it `kg/m2`, later versions `kg/m^2`.
    BmiUnit ("body mass index unit") {
        KilogramsPerSquareMetre => "kg/m^2",
        KilogramsPerSquareMetreV1 => "kg/m2",
    }
}

vocabulary! {
    /// Units of volume.
    VolumeUnit ("volume unit") {
        Femtolitres => "fL",
        Picolitres => "pL",
        Nanolitres => "nL",
        Microlitres => "uL",
        Millilitres => "mL",
        Centilitres => "cL",
        Decilitres => "dL",
        Litres => "L",
        Kilolitres => "kL",
        FluidOunces => "fl oz",
        Cups => "Cup",
        CubicInches => "in^3",
        Pints => "pt",
        Quarts => "qt",
        Gallons => "gal",
        Teaspoons => "tsp",
        Tablespoons => "tbsp",
    }
}

vocabulary! {
    /// The statistic a value summarises (IEEE 1752 `descriptive-statistic`).
    DescriptiveStatistic ("descriptive statistic") {
        Average => "average",
        Count => "count",
        Maximum => "maximum",
        Median => "median",
        Minimum => "minimum",
        StandardDeviation => "standard deviation",
        Sum => "sum",
        Variance => "variance",
        Percentile20 => "20th percentile",
        Percentile80 => "80th percentile",
        LowerQuartile => "lower quartile",
        UpperQuartile => "upper quartile",
        QuartileDeviation => "quartile deviation",
        Quintile1 => "1st quintile",
        Quintile2 => "2nd quintile",
        Quintile3 => "3rd quintile",
        Quintile4 => "4th quintile",
    }
}

/// The smaller set of descriptive statistics of the first Open mHealth version, which step count 3.0 still uses.
pub const DESCRIPTIVE_STATISTIC_V1: &[&str] = &[
    "average",
    "maximum",
    "minimum",
    "standard deviation",
    "variance",
    "sum",
    "median",
];

vocabulary! {
    /// Where a specimen came from.
    SpecimenSource ("specimen source") {
        Breath => "breath",
        CapillaryBlood => "capillary blood",
        InterstitialFluid => "interstitial fluid",
        Saliva => "saliva",
        Sweat => "sweat",
        Tears => "tears",
        Urine => "urine",
    }
}

vocabulary! {
    /// When a measurement was taken relative to a meal.
    TemporalRelationshipToMeal ("temporal relationship to meal") {
        Fasting => "fasting",
        NotFasting => "not fasting",
        BeforeMeal => "before meal",
        AfterMeal => "after meal",
        BeforeBreakfast => "before breakfast",
        AfterBreakfast => "after breakfast",
        BeforeLunch => "before lunch",
        AfterLunch => "after lunch",
        BeforeDinner => "before dinner",
        AfterDinner => "after dinner",
        TwoHoursPostprandial => "2 hours postprandial",
        WithMeal => "with meal",
        WithFood => "with food",
    }
}

vocabulary! {
    /// When a measurement was taken relative to sleep.
    TemporalRelationshipToSleep ("temporal relationship to sleep") {
        BeforeSleeping => "before sleeping",
        DuringSleep => "during sleep",
        OnWaking => "on waking",
    }
}

vocabulary! {
    /// When a measurement was taken relative to physical activity.
    TemporalRelationshipToPhysicalActivity ("temporal relationship to physical activity") {
        AtRest => "at rest",
        Active => "active",
        BeforeExercise => "before exercise",
        AfterExercise => "after exercise",
        DuringExercise => "during exercise",
    }
}

vocabulary! {
    /// The body posture during a measurement.
    BodyPosture ("body posture") {
        Sitting => "sitting",
        LyingDown => "lying down",
        Standing => "standing",
        SemiRecumbent => "semi-recumbent",
    }
}

vocabulary! {
    /// Where on the body a device was placed.
    BodyLocation ("body location") {
        LeftAnkle => "left ankle",
        RightAnkle => "right ankle",
        LeftHip => "left hip",
        RightHip => "right hip",
        LeftThigh => "left thigh",
        RightThigh => "right thigh",
        LeftThorax => "left thorax",
        MiddleLeftThorax => "middle left thorax",
        LeftUpperArm => "left upper arm",
        RightUpperArm => "right upper arm",
        LeftWrist => "left wrist",
        RightWrist => "right wrist",
    }
}

vocabulary! {
    /// Where a body temperature was taken.
    TemperatureMeasurementLocation ("temperature measurement location") {
        Axillary => "axillary",
        Finger => "finger",
        Forehead => "forehead",
        Oral => "oral",
        Rectal => "rectal",
        TemporalArtery => "temporal artery",
        Toe => "toe",
        Tympanic => "tympanic",
        Wrist => "wrist",
        Vagina => "vagina",
    }
}

vocabulary! {
    /// The level in the body an oxygen saturation was measured at.
    OxygenSaturationSystem ("oxygen saturation system") {
        PeripheralCapillary => "peripheral capillary",
    }
}

vocabulary! {
    /// How supplemental oxygen was given.
    OxygenTherapyMode ("oxygen therapy mode of administration") {
        NasalCannula => "nasal cannula",
    }
}

vocabulary! {
    /// How an oxygen saturation was measured.
    OxygenMeasurementMethod ("oxygen saturation measurement method") {
        PulseOximetry => "pulse oximetry",
    }
}

vocabulary! {
    /// Self-reported intensity of a physical activity.
    ActivityIntensity ("activity intensity") {
        Light => "light",
        Moderate => "moderate",
        Vigorous => "vigorous",
    }
}

vocabulary! {
    /// The quality label of a spirometry measurement.
    MeasurementQuality ("measurement quality") {
        Acceptable => "acceptable",
        Usable => "usable",
        Rejected => "rejected",
    }
}

vocabulary! {
    /// A sleep stage (IEEE 1752 sleep stage summary).
    SleepStageState ("sleep stage") {
        Rem => "REM_sleep",
        Light => "Light_sleep",
        Deep => "Deep_sleep",
        Unknown => "Unknown_sleep",
        Awake => "Awake",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_round_trip() {
        for unit in DurationUnit::ALL {
            assert_eq!(unit.as_str().parse::<DurationUnit>(), Ok(*unit));
        }
        assert_eq!(DurationUnit::VALUES.len(), 11);
        assert_eq!(MassUnit::MetricTons.to_string(), "Metric Ton");
        let json = serde_json::to_string(&SleepStageState::Rem).unwrap();
        assert_eq!(json, "\"REM_sleep\"");
    }

    #[test]
    fn unknown_strings_list_the_accepted_ones() {
        let err = "kg".parse::<BloodGlucoseUnit>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"kg\" is not a valid blood glucose unit; expected one of: mg/dL, mmol/L"
        );
    }
}
