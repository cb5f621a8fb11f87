//! `serve`'s stderr (issue 22): the start-up lines, then every check's
//! state after the first round and one line per change after that, so
//! `railway logs` shows an outage and its end. Plain lines in the run's
//! language, or with `--log-format json` one JSON object per line
//! (`time`, `level`, `message`, and for a check its fields), which Railway
//! and most log platforms parse into fields. A line holds names, codes,
//! steps and durations, never a URL or a secret.

use std::io::Write;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::history::Change;
use crate::i18n::{Message, msg, say};
use crate::model::Status;

/// How stderr lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// Sentences in the run's language.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// How much a line matters, as log platforms name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

impl LogFormat {
    /// Writes one line on stderr. A closed stderr is no reason to stop
    /// checking: the error is dropped.
    pub(crate) fn say(self, level: Level, message: &Message) {
        let line = self.line(level, message, None, SystemTime::now());
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }

    /// The error that stops serve before it runs, as `main` would write it
    /// (in the run's language, URLs redacted) but as a JSON line. Whether
    /// it wrote one: in text format `main` writes the error.
    pub(crate) fn fatal(self, error: Message) -> bool {
        if self == LogFormat::Text {
            return false;
        }
        let text = crate::exit::redact_urls(&say(&msg::error_prefix(error)));
        let line = self.line(Level::Error, &msg::verbatim(text), None, SystemTime::now());
        let _ = writeln!(std::io::stderr().lock(), "{line}");
        true
    }

    /// One line per state change of a round.
    pub(crate) fn changes(self, changes: &[Change]) {
        let now = SystemTime::now();
        let mut stderr = std::io::stderr().lock();
        for change in changes {
            let (level, message) = describe(change);
            let line = self.line(level, &message, Some(change), now);
            let _ = writeln!(stderr, "{line}");
        }
    }

    fn line(
        self,
        level: Level,
        message: &Message,
        change: Option<&Change>,
        at: SystemTime,
    ) -> String {
        let text = say(message);
        match self {
            LogFormat::Text => text,
            LogFormat::Json => {
                let mut object = json!({
                    "time": super::metrics::rfc3339(at),
                    "level": level.as_str(),
                    "message": text,
                });
                if let (Some(change), Value::Object(fields)) = (change, &mut object) {
                    fields.extend(change_fields(change));
                }
                object.to_string()
            }
        }
    }
}

/// A change's own fields in a JSON line.
fn change_fields(change: &Change) -> serde_json::Map<String, Value> {
    let mut fields = serde_json::Map::new();
    fields.insert("check".into(), change.check.as_str().into());
    fields.insert("status".into(), change.status.as_str().into());
    if let Some(was) = change.was {
        fields.insert("previous".into(), was.as_str().into());
    }
    if let Some((step, code)) = change.failure {
        fields.insert("step".into(), step.as_str().into());
        fields.insert("code".into(), code.as_str().into());
    }
    fields.insert("duration_ms".into(), json!(change.duration_ms));
    fields
}

/// The sentence and level of a change.
fn describe(change: &Change) -> (Level, Message) {
    let check = change.check.as_str();
    let took = Duration::from_secs_f64(change.duration_ms.max(0.0) / 1000.0);
    match (change.status, change.failure) {
        (Status::Fail, Some((step, code))) => (
            Level::Error,
            msg::log_fail(check, code.as_str(), step.as_str(), took),
        ),
        (Status::Warn, Some((step, code))) => (
            Level::Warn,
            msg::log_warn_failed(check, code.as_str(), step.as_str(), took),
        ),
        (Status::Warn | Status::Fail, None) => (Level::Warn, msg::log_warn(check, took)),
        (Status::Pass | Status::Skip, _) => (Level::Info, msg::log_pass(check, took)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CheckName, Code, StepName};

    fn down() -> Change {
        Change {
            check: CheckName::REDIS,
            status: Status::Fail,
            failure: Some((StepName::Tcp, Code::ConnectionRefused)),
            duration_ms: 1.5,
            was: Some(Status::Pass),
        }
    }

    #[test]
    fn a_json_line_is_one_object_with_the_change() {
        let (level, message) = describe(&down());
        let line = LogFormat::Json.line(level, &message, Some(&down()), SystemTime::UNIX_EPOCH);
        assert!(!line.contains('\n'), "{line}");
        let json: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(json["time"], "1970-01-01T00:00:00Z");
        assert_eq!(json["level"], "error");
        assert_eq!(json["check"], "redis");
        assert_eq!(json["code"], "connection_refused");
        assert_eq!(json["step"], "tcp");
        assert_eq!(json["previous"], "pass");
        assert!(
            json["message"]
                .as_str()
                .unwrap()
                .contains("connection_refused"),
            "{json}"
        );
    }

    #[test]
    fn a_text_line_names_check_code_step_and_time() {
        let (_, message) = describe(&down());
        let line = crate::i18n::Lang::En.render(&message);
        for part in ["redis", "connection_refused", "tcp", "1.5 ms"] {
            assert!(line.contains(part), "{line}");
        }
        let russian = crate::i18n::Lang::Ru.render(&message);
        assert!(russian.contains("на шаге tcp"), "{russian}");
    }
}
