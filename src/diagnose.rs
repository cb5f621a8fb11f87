//! Diagnosis: probe outcomes → the report. Decides each check's status,
//! names the decisive failure with its cause and fix (words from
//! `words.rs`), adds findings that span checks (the JWT revocation list
//! falling back to memory when Redis is unusable), and the verdict.

use std::time::Duration;

use crate::config::{Config, Selected};
use crate::i18n::Message;
use crate::model::{CheckName, Finding, ProbeOutcome, Severity, Status, Step};
use crate::model::{Code, FindingCode};
use crate::report::{CheckReport, ErrorReport, Report, SCHEMA_VERSION, StepReport, millis};
use crate::service::Kind;
use crate::words;

/// One check's result as the runner hands it over.
#[derive(Debug, Clone)]
pub struct Ran {
    pub name: CheckName,
    pub kind: Kind,
    /// `None` when the check was not selected.
    pub selected: Option<Selected>,
    pub outcome: ProbeOutcome,
    pub duration: Duration,
    /// Selected, but the round was interrupted before it finished.
    pub unfinished: bool,
}

pub fn report(mut runs: Vec<Ran>, config: &Config, duration: Duration) -> Report {
    add_memory_fallback(&mut runs);
    add_config_notes(&mut runs, config);
    let scrubber = Scrubber::new(config);
    for ran in &mut runs {
        scrubber.clean_outcome(&mut ran.outcome);
    }
    let strict = config.strict;
    let interrupted = runs.iter().any(|r| r.unfinished);
    let checks: Vec<CheckReport> = runs.iter().map(check_report).collect();
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        version: env!("CARGO_PKG_VERSION"),
        ready: false,
        status: Status::Pass,
        strict,
        interrupted,
        duration_ms: millis(duration),
        checks,
    };
    let (critical, warnings) = (report.critical(), report.warnings());
    report.status = match (critical, warnings) {
        _ if interrupted => Status::Fail,
        (0, 0) => Status::Pass,
        (0, _) => Status::Warn,
        _ => Status::Fail,
    };
    // An unfinished check proves nothing: an interrupted run is never ready.
    report.ready = critical == 0 && !(strict && warnings > 0) && !interrupted;
    report
}

fn check_report(ran: &Ran) -> CheckReport {
    let Some(selected) = &ran.selected else {
        return skipped(ran.name, words::SKIPPED_BY_FLAG);
    };
    if ran.unfinished {
        let mut report = skipped(ran.name, words::INTERRUPTED);
        report.required = selected.required;
        return report;
    }
    let kind = ran.kind;
    let error = decisive(&ran.outcome.steps);
    let advice = error
        .as_ref()
        .and_then(|e| kind.advise(e.step, e.code, &ran.outcome.host));
    CheckReport {
        name: ran.name,
        kind: kind.as_str(),
        required: selected.required,
        target: Message::from(ran.outcome.target.clone()),
        source: ran.outcome.source.clone(),
        status: check_status(&ran.outcome),
        duration_ms: millis(ran.duration),
        steps: ran.outcome.steps.iter().map(step_report).collect(),
        cause: advice.as_ref().map(|a| Message::from(a.cause)),
        fix: advice.as_ref().map(|a| Message::from(a.fix)),
        error,
        findings: ran.outcome.findings.clone(),
    }
}

fn skipped(name: CheckName, why: &str) -> CheckReport {
    CheckReport {
        name,
        kind: name.kind(),
        required: false,
        target: Message::from(why),
        source: None,
        status: Status::Skip,
        duration_ms: 0.0,
        steps: Vec::new(),
        error: None,
        cause: None,
        fix: None,
        findings: Vec::new(),
    }
}

fn check_status(outcome: &ProbeOutcome) -> Status {
    let worst_step = outcome
        .steps
        .iter()
        .map(|s| s.status)
        .max()
        .unwrap_or(Status::Skip);
    let warned = outcome
        .findings
        .iter()
        .any(|f| f.severity == Severity::Warn);
    match worst_step {
        Status::Fail => Status::Fail,
        _ if warned => Status::Warn,
        Status::Warn => Status::Warn,
        _ => Status::Pass,
    }
}

fn decisive(steps: &[Step]) -> Option<ErrorReport> {
    steps.iter().find_map(|step| {
        step.error.as_ref().map(|failure| ErrorReport {
            step: step.name,
            code: failure.code,
            message: failure.message.clone(),
        })
    })
}

fn step_report(step: &Step) -> StepReport {
    StepReport {
        name: step.name,
        status: step.status,
        duration_ms: step.duration.map(millis),
        detail: step.detail.clone(),
        error: step.error.clone(),
    }
}

fn add_config_notes(runs: &mut [Ran], config: &Config) {
    for ran in runs
        .iter_mut()
        .filter(|r| r.selected.is_some() && !r.unfinished)
    {
        let notes = config.notes.iter().filter(|(check, _)| *check == ran.name);
        ran.outcome
            .findings
            .extend(notes.map(|(_, finding)| finding.clone()));
    }
}

/// Without a working Redis, apps keep revoked tokens and
/// their cache in process memory. Only said when the Redis check ran.
fn add_memory_fallback(runs: &mut [Ran]) {
    let redis_failure = runs
        .iter()
        .find(|r| r.name == CheckName::Redis && r.selected.is_some())
        .and_then(|r| decisive(&r.outcome.steps))
        .map(|e| e.code);
    let Some(code) = redis_failure else { return };
    if let Some(jwt) = runs
        .iter_mut()
        .find(|r| r.name == CheckName::Jwt && r.selected.is_some())
    {
        let message = words::memory_fallback(code != Code::MissingConfig);
        jwt.outcome
            .findings
            .push(Finding::warn(FindingCode::MemoryFallback, message));
    }
}

/// The last line of defence for what peers and libraries say: every
/// configured secret is masked wherever it appears (a Redis without AUTH
/// echoes the arguments of the unknown command, password included),
/// control characters cannot reach a terminal or a CI log, and no message
/// is longer than a screen line or two.
struct Scrubber {
    secrets: Vec<String>,
}

const MAX_MESSAGE: usize = 600;

impl Scrubber {
    fn new(config: &Config) -> Self {
        let secrets = config
            .secrets()
            .into_iter()
            .filter(|s| s.chars().count() >= 3)
            .map(str::to_string)
            .collect();
        Self { secrets }
    }

    /// Cleans the arguments of every message: the catalogs hold no
    /// secrets, what a server echoed does.
    fn clean_outcome(&self, outcome: &mut ProbeOutcome) {
        let clean = &mut |text: &str| self.clean(text);
        for step in &mut outcome.steps {
            if let Some(detail) = &mut step.detail {
                detail.map_text(clean);
            }
            if let Some(error) = &mut step.error {
                error.message.map_text(clean);
            }
        }
        for finding in &mut outcome.findings {
            finding.message.map_text(clean);
        }
    }

    fn clean(&self, text: &str) -> String {
        let mut clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        for secret in &self.secrets {
            clean = mask(&clean, secret);
        }
        clean.chars().take(MAX_MESSAGE).collect()
    }
}

/// The shortest piece of a secret worth masking when only part of it is
/// echoed (Redis cuts each argument of an unknown command at 128 bytes).
const MIN_SECRET_PREFIX: usize = 8;

/// Masks `secret` in `text`, and also any run of 8 or more of its leading
/// characters (a truncated echo). Masking happens before truncation, so a
/// cut can never leave a fragment behind.
fn mask(text: &str, secret: &str) -> String {
    let masked = text.replace(secret, "***");
    let Some(prefix) = secret.get(..MIN_SECRET_PREFIX) else {
        return masked;
    };
    let mut out = String::with_capacity(masked.len());
    let mut rest = masked.as_str();
    while let Some(at) = rest.find(prefix) {
        out.push_str(&rest[..at]);
        let matched = rest[at..]
            .char_indices()
            .zip(secret.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, c), _)| i + c.len_utf8());
        out.push_str("***");
        rest = &rest[at + matched.max(prefix.len())..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, Selection};
    use crate::source::EnvSource;

    #[test]
    fn secrets_and_control_characters_are_scrubbed() {
        let env = EnvSource::from_pairs([
            ("REDIS_URL", "redis://:hunter2pw@h"),
            ("JWT_SECRET", "jwt-secret-value"),
        ]);
        let config = Config::resolve(
            &Overrides::default(),
            &env,
            Selection::default(),
            Duration::ZERO,
            Duration::ZERO,
        );
        let scrubber = Scrubber::new(&config);
        let echoed = "ERR unknown command 'AUTH', with args beginning with: 'hunter2pw' \u{1b}[31m jwt-secret-value";
        assert_eq!(
            scrubber.clean(echoed),
            "ERR unknown command 'AUTH', with args beginning with: '***'  [31m ***"
        );
    }

    #[test]
    fn a_truncated_echo_of_a_long_secret_is_masked_too() {
        let secret = "a".repeat(40) + "Z";
        let echoed = format!("with args beginning with: '{}'", &secret[..30]);
        assert_eq!(mask(&echoed, &secret), "with args beginning with: '***'");
        assert_eq!(mask("nothing here", &secret), "nothing here");
    }
}
