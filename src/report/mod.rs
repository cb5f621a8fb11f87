//! The report: a serde model of one run (schema version 1, documented in
//! `schema/report.schema.json`), built from probe outcomes by
//! `diagnose.rs`, and written by one renderer per format to a writer it is
//! given. Renderers never print on their own.

pub(crate) mod env;
pub(crate) mod github;
pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod markdown;
pub(crate) mod term;
pub(crate) mod text;
pub(crate) mod watch;

#[cfg(test)]
mod golden;

use std::io::Write;

use serde::Serialize;

use crate::i18n::{Lang, Message};
use crate::model::Code;
use crate::model::{
    CheckName, Failure, Finding, FindingCode, NotChecked, Provenance, Readings, Status, StepName,
};
use crate::provider::ProviderReport;

pub(crate) const SCHEMA_VERSION: u32 = 1;

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    pub schema_version: u32,
    pub version: &'static str,
    pub ready: bool,
    pub status: Status,
    pub strict: bool,
    /// Ctrl-C or SIGTERM ended the run before every check finished.
    pub interrupted: bool,
    /// What interrupted it, `SIGINT` or `SIGTERM`, as the catalogs select
    /// on it (SIGTERM's texts do not say Ctrl-C).
    #[serde(skip)]
    pub signal: &'static str,
    pub duration_ms: f64,
    pub checks: Vec<CheckReport>,
    /// Variables holding URLs of kinds railconn does not check (`mysql://`,
    /// `mongodb://`…): listed, never silently dropped.
    pub not_checked: Vec<NotChecked>,
    /// The app's drivers the checks were judged by (issue 11).
    pub(crate) drivers: DriversReport,
}

/// The drivers found in the app's manifests (or given with `--driver`);
/// none means libpq, redis-rs, kombu and PyJWT semantics.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct DriversReport {
    pub(crate) found: Vec<FoundDriver>,
    /// Manifests present but unreadable or malformed.
    pub(crate) unreadable: Vec<Unreadable>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Unreadable {
    pub(crate) file: String,
    pub(crate) reason: Message,
}

/// A driver the app uses, as the report names it: its stable id, the
/// version when a lockfile (or `--driver NAME@VERSION`) says, the file
/// that named it and the lockfile the version came from. The report keeps
/// its own record, built by the diagnosis, so that rendering needs nothing
/// of the room that reads manifests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct FoundDriver {
    pub(crate) id: &'static str,
    pub(crate) version: Option<String>,
    pub(crate) file: String,
    pub(crate) lockfile: Option<String>,
    /// "node-postgres 8.23.1 (package-lock.json)": the driver as the text
    /// report names it (the JSON has the parts).
    #[serde(skip)]
    pub(crate) label: String,
}

/// One check: a default (postgres, redis, jwt) or another target.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CheckReport {
    pub name: CheckName,
    pub kind: &'static str,
    pub required: bool,
    /// The redacted URL or what was checked, or why nothing was.
    pub target: Message,
    /// The variable or flag the target came from, e.g. `DATABASE_URL (.env)`.
    pub source: Option<Provenance>,
    pub status: Status,
    pub duration_ms: f64,
    pub steps: Vec<StepReport>,
    pub error: Option<ErrorReport>,
    pub cause: Option<Message>,
    pub fix: Option<Message>,
    pub findings: Vec<Finding>,
    /// What the probe dialed, part by part (`null` for checks that dial
    /// nothing): the same as `railconn env` shows.
    pub parts: Option<crate::model::Parts>,
    /// Where the target lives (`null` for checks that dial nothing).
    pub provider: Option<ProviderReport>,
    /// Numbers read on the way, for `serve`'s metrics (not in the JSON
    /// schema).
    #[serde(skip)]
    pub readings: Readings,
}

impl CheckReport {
    /// The failure `--allow` accepted, when one was: such a check passes the
    /// gate but does not work, so the human formats show it apart.
    pub(crate) fn allowed_failure(&self) -> Option<&Finding> {
        self.findings
            .iter()
            .find(|f| f.code == FindingCode::Allowed)
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct StepReport {
    pub name: StepName,
    pub status: Status,
    pub duration_ms: Option<f64>,
    pub detail: Option<Message>,
    pub error: Option<Failure>,
}

/// The decisive failure of a check.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ErrorReport {
    pub step: StepName,
    pub code: Code,
    pub message: Message,
}

impl Report {
    /// Whether `check` is one of the reasons the gate fails: a required
    /// failure; under `--strict` also a warning or an optional failure; and
    /// a required check that Ctrl-C left unfinished. CI formats mark exactly
    /// these as failures, so they agree with the exit code.
    pub(crate) fn fails_gate(&self, check: &CheckReport) -> bool {
        match check.status {
            Status::Fail => check.required || self.strict,
            Status::Warn => self.strict,
            Status::Skip => self.interrupted && check.required,
            Status::Pass => false,
        }
    }

    /// Warnings that count against `--strict`: warned checks and failed
    /// optional checks.
    pub(crate) fn warnings(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Warn || (c.status == Status::Fail && !c.required))
            .count()
    }

    /// What the "Limitations" section lists, in every format: each failed
    /// optional check and each finding except an accepted failure (said on
    /// its check's own line). The verdict counts these, not the checks
    /// that have them: «есть 2 ограничения» over a list of 3 (issue 23).
    pub(crate) fn limitations(&self) -> usize {
        self.checks
            .iter()
            .map(|c| {
                let optional_failure = usize::from(c.error.is_some() && !c.required);
                let findings = c.findings.iter().filter(|f| f.code != FindingCode::Allowed);
                optional_failure + findings.count()
            })
            .sum()
    }

    /// Required checks that failed.
    pub(crate) fn critical(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Fail && c.required)
            .count()
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
    Junit,
    Github,
    /// Also `md`, as `--output x.md` already chooses it.
    #[value(alias = "md")]
    Markdown,
}

impl Format {
    /// The format a file name asks for: `.json`, `.xml` (JUnit), `.md`.
    pub(crate) fn for_path(path: &std::path::Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            Some("xml") => Format::Junit,
            Some("md") => Format::Markdown,
            _ => Format::Text,
        }
    }
}

/// How a report is written: colour, verbosity and the width prose wraps
/// at (text; `None`: unwrapped) and the language of its words (every
/// format).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TextStyle {
    pub color: bool,
    pub quiet: bool,
    pub lang: Lang,
    pub width: Option<usize>,
}

/// Writes `report` in `format` to `out`.
pub(crate) fn render(
    report: &Report,
    format: Format,
    style: TextStyle,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::render(report, style, out),
        Format::Json => json::render(report, style.lang, out),
        Format::Junit => junit::render(report, style.lang, out),
        Format::Github => github::render(report, style.lang, out),
        Format::Markdown => markdown::render(report, style.lang, out),
    }
}

/// Milliseconds with microsecond precision, for JSON.
pub(crate) fn millis(duration: std::time::Duration) -> f64 {
    (duration.as_secs_f64() * 1_000_000.0).round() / 1000.0
}
