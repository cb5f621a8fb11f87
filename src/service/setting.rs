//! A URL-based target as configuration hands it to its service: missing,
//! invalid, or ready with where it came from. The service's `config` step
//! is read from it.

use crate::i18n::{Message, msg};
use std::time::Instant;

use crate::model::{Code, Failure, Finding, Ladder, Provenance, StepName, Variable};
use crate::source::url::UrlError;

/// A URL-based target: where it came from and whether it parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Setting<T> {
    /// None of `vars` (nor the flag) is set.
    Missing {
        vars: &'static [&'static str],
        flag: &'static str,
    },
    /// Set, but not a usable URL.
    Invalid {
        source: Provenance,
        error: UrlError,
        findings: Vec<Finding>,
    },
    /// Set and valid.
    Ready {
        source: Provenance,
        target: T,
        findings: Vec<Finding>,
    },
}

impl<T> Setting<T> {
    /// The target, when the setting is usable.
    pub(crate) fn target(&self) -> Option<&T> {
        match self {
            Setting::Ready { target, .. } => Some(target),
            _ => None,
        }
    }

    /// Names one more variable holding the same value (`REDIS_URL (.env),
    /// CACHE_URL (.env)`): identical values are one check.
    pub(crate) fn add_source(&mut self, also: Variable) {
        if let Setting::Ready { source, .. } | Setting::Invalid { source, .. } = self {
            source.also(also);
        }
    }

    /// A ready setting that the app's driver refuses before it dials:
    /// invalid with `error`, keeping where it came from and its findings.
    pub(crate) fn refuse(&mut self, error: UrlError) {
        if let Setting::Ready {
            source, findings, ..
        } = self
        {
            *self = Setting::Invalid {
                source: source.clone(),
                error,
                findings: std::mem::take(findings),
            };
        }
    }

    /// The variable or flag the value came from (`DATABASE_URL (.env)`).
    pub(crate) fn source(&self) -> Option<&Provenance> {
        match self {
            Setting::Ready { source, .. } | Setting::Invalid { source, .. } => Some(source),
            Setting::Missing { .. } => None,
        }
    }
}

/// The config step for a URL target: passes with the source, or fails with
/// `missing_config` / `invalid_url` / `unsupported_scheme`.
pub(crate) fn accept_setting<'a, T>(
    setting: &'a Setting<T>,
    ladder: &mut Ladder,
) -> Option<(&'a T, Provenance)> {
    let started = Instant::now();
    match setting {
        Setting::Ready {
            source,
            target,
            findings,
        } => {
            ladder.findings(findings);
            ladder.pass(StepName::Config, started, config_from(source));
            Some((target, source.clone()))
        }
        Setting::Missing { vars, flag } => {
            let failure = Failure::new(Code::MissingConfig, config_missing(vars, flag));
            ladder.fail(StepName::Config, Some(started), failure);
            None
        }
        Setting::Invalid {
            source,
            error,
            findings,
        } => {
            ladder.findings(findings);
            let failure = Failure::new(error.code, config_invalid(source, &error.message));
            ladder.fail(StepName::Config, Some(started), failure);
            None
        }
    }
}

/// The report's `target` for a setting that cannot be dialed. The raw
/// value is never shown: an invalid URL may still hold a password.
pub(crate) fn unusable_target<T>(setting: &Setting<T>) -> Message {
    match setting {
        Setting::Missing { vars, .. } => target_missing(vars),
        Setting::Invalid { source, .. } => target_invalid(source),
        Setting::Ready { .. } => Message::default(),
    }
}

pub(crate) fn config_from(source: &Provenance) -> Message {
    msg::config_from(source.message())
}

pub(crate) fn config_missing(vars: &[&str], flag: &str) -> Message {
    msg::config_missing(vars.join(", "), vars.len(), flag)
}

pub(crate) fn config_invalid(source: &Provenance, message: &Message) -> Message {
    msg::config_invalid(source.message(), message.clone())
}

pub(crate) fn target_missing(vars: &[&str]) -> Message {
    msg::target_missing(vars.join(", "))
}

pub(crate) fn target_invalid(source: &Provenance) -> Message {
    msg::target_invalid(source.message())
}
