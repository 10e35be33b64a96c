//! Log output through env_logger: readable lines by default, one JSON object per line with `JHE_LOG_FORMAT=json`.
//!
//! Structured fields that a log call attaches (the access log's `request_id`, `method`, `route`, `status`,
//! `duration_ms`) are their own members of a JSON line, so a collector can filter on them without parsing messages.
//! A readable line shows them as `key=value` after its message, except those the access log's message already
//! says (`GET /health 200 0.4ms request_id=…`).

use std::io::Write;

use log::kv::{Key, Value, VisitSource};

use crate::settings::LogFormat;

/// Installs the process's logger. `filter` has been checked by the settings.
pub fn init(filter: &str, format: LogFormat) {
    let mut builder = env_logger::Builder::new();
    builder.parse_filters(filter).format_timestamp_millis();
    match format {
        LogFormat::Text => {
            builder.format_key_values(|buf, fields| {
                let mut text = TextFields(String::new());
                // A field that cannot be rendered is dropped rather than losing the whole line.
                let _ = fields.visit(&mut text);
                buf.write_all(text.0.as_bytes())
            });
        }
        LogFormat::Json => {
            builder.format(|buf, record| {
                let mut line = serde_json::Map::new();
                line.insert("ts".into(), buf.timestamp_millis().to_string().into());
                line.insert("level".into(), record.level().as_str().into());
                line.insert("target".into(), record.target().into());
                line.insert("msg".into(), record.args().to_string().into());
                let _ = record.key_values().visit(&mut JsonFields(&mut line));
                writeln!(buf, "{}", serde_json::Value::Object(line))
            });
        }
    }
    // A second logger (a test that calls this twice) is not an error worth stopping for.
    let _ = builder.try_init();
}

struct JsonFields<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl<'kvs> VisitSource<'kvs> for JsonFields<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), log::kv::Error> {
        let json = if let Some(n) = value.to_u64() {
            n.into()
        } else if let Some(n) = value.to_i64() {
            n.into()
        } else if let Some(x) = value.to_f64() {
            x.into()
        } else if let Some(b) = value.to_bool() {
            b.into()
        } else {
            value.to_string().into()
        };
        // The fixed members win: a field named like one of them cannot overwrite it.
        self.0.entry(key.as_str().to_owned()).or_insert(json);
        Ok(())
    }
}

/// Fields a readable access-log line shows in its message already.
const IN_THE_MESSAGE: [&str; 4] = ["method", "route", "status", "duration_ms"];

struct TextFields(String);

impl<'kvs> VisitSource<'kvs> for TextFields {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), log::kv::Error> {
        if !IN_THE_MESSAGE.contains(&key.as_str()) {
            self.0.push_str(&format!(" {key}={value}"));
        }
        Ok(())
    }
}
