//! What `railconn env` writes: every variable railconn reads (set, missing
//! or shadowed, its value as it may be shown, where it came from) and the
//! target each check would dial, as aligned text or one JSON document.
//! `command/env.rs` gathers them; this module only writes them.

use std::io::{self, Write};

use serde::Serialize;

use super::term::display_width;
use crate::i18n::{self, Lang, Message, msg};
use crate::model::{Database, NotChecked, Origin, Parts, Provenance};
use crate::source::url::escape_controls;

/// The formats `env` can write; `--format` accepts only these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Debug, Serialize)]
pub(crate) struct EnvReport {
    pub(crate) variables: Vec<Variable>,
    pub(crate) targets: Vec<Target>,
    /// URLs of kinds railconn does not check.
    pub(crate) not_checked: Vec<NotChecked>,
}

/// One variable railconn reads.
#[derive(Debug, Serialize)]
pub(crate) struct Variable {
    pub(crate) name: &'static str,
    pub(crate) state: VarState,
    /// As it may be shown: never a secret, never key material.
    pub(crate) value: Option<Message>,
    pub(crate) source: Option<Origin>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum VarState {
    Set,
    Missing,
    /// An earlier variable of its group wins.
    Shadowed,
}

impl VarState {
    /// The state in the run's words (JSON keeps the English keys).
    fn message(self) -> Message {
        match self {
            VarState::Set => msg::env_state_set(),
            VarState::Missing => msg::env_state_missing(),
            VarState::Shadowed => msg::env_state_shadowed(),
        }
    }
}

/// What one check would dial.
#[derive(Debug, Serialize)]
pub(crate) struct Target {
    pub(crate) check: String,
    #[serde(rename = "target")]
    pub(crate) dialed: Message,
    /// Empty when nothing is set.
    #[serde(serialize_with = "or_empty")]
    pub(crate) source: Option<Provenance>,
    /// The provider's id (`unknown` when no row matches); `null` when
    /// nothing would be dialed.
    pub(crate) provider: Option<&'static str>,
    /// What the probe will dial, part by part; `null` when nothing is.
    pub(crate) parts: Option<Parts>,
}

impl Parts {
    /// `host=… port=…`, each value escaped, for the text report.
    fn line(&self) -> String {
        let mut pairs = vec![("host", self.host.clone())];
        if let Some(addr) = &self.hostaddr {
            pairs.push(("hostaddr", addr.clone()));
        }
        pairs.push(("port", self.port.to_string()));
        if let Some(user) = &self.user {
            pairs.push(("user", user.clone()));
        }
        match &self.database {
            Some(Database::Name(name)) => pairs.push(("database", name.clone())),
            Some(Database::Number(n)) => pairs.push(("database", n.to_string())),
            None => {}
        }
        pairs.push(("tls", self.tls.to_string()));
        pairs.extend(self.options.iter().map(|(k, v)| (*k, v.clone())));
        if !self.resolve.is_empty() {
            pairs.push(("resolve", self.resolve.join(",")));
        }
        if !self.ignored.is_empty() {
            pairs.push(("ignored", self.ignored.join(",")));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", escape_controls(v)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[expect(
    clippy::ref_option,
    reason = "serde's serialize_with passes a reference to the field"
)]
fn or_empty<S: serde::Serializer>(
    source: &Option<Provenance>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match source {
        Some(source) => source.serialize(serializer),
        None => serializer.serialize_str(""),
    }
}

/// Writes `report` in `format`, its words in `lang`.
pub(crate) fn render(
    report: &EnvReport,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Json => {
            i18n::serialize_in(lang, || serde_json::to_writer_pretty(&mut *out, report))?;
            writeln!(out)
        }
        Format::Text => text(report, lang, out),
    }
}

fn text(report: &EnvReport, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", lang.render(&msg::env_variables()))?;
    // The state column is as wide as its longest word in this language.
    let states = [VarState::Set, VarState::Missing, VarState::Shadowed];
    let state_width = states
        .iter()
        .map(|s| display_width(&lang.render(&s.message())))
        .fold(9, usize::max);
    for variable in &report.variables {
        let value = variable
            .value
            .as_ref()
            .map_or_else(|| "-".to_string(), |v| lang.render(v));
        let source = variable
            .source
            .as_ref()
            .map(|o| lang.render(&o.message()))
            .unwrap_or_default();
        let state = lang.render(&variable.state.message());
        let pad = " ".repeat(state_width + 1 - display_width(&state));
        let line = format!("  {:<34} {state}{pad}{value}  {source}", variable.name);
        // Padding is for the columns, never for the end of a line.
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out, "\n{}", lang.render(&msg::env_targets()))?;
    // One column for every check name, a discovered CELERY_BROKER_URL too,
    // so each URL and its parts line up.
    let width = report
        .targets
        .iter()
        .map(|t| t.check.chars().count())
        .max()
        .unwrap_or(0)
        .max(9);
    for target in &report.targets {
        let mut line = format!(
            "  {:<width$} {}  {}",
            target.check,
            lang.render(&target.dialed),
            target
                .source
                .as_ref()
                .map(|s| lang.render(&s.message()))
                .unwrap_or_default()
        );
        // The provider's name in the report's language (the catalogs name
        // table rows by id); nothing for an unknown one.
        if let Some(id) = target
            .provider
            .filter(|id| *id != crate::provider::UNKNOWN.id)
        {
            line = format!("{line}  [{}]", lang.render(&msg::provider_name(id)));
        }
        writeln!(out, "{}", line.trim_end())?;
        if let Some(parts) = &target.parts {
            writeln!(out, "  {:<width$} {}", "", parts.line())?;
        }
    }
    if !report.not_checked.is_empty() {
        writeln!(out, "\n{}:", lang.render(&msg::label_not_checked()))?;
    }
    for url in &report.not_checked {
        let line = msg::not_checked(
            url.variable.clone(),
            url.scheme.clone(),
            url.origin.message(),
        );
        writeln!(out, "  {}", lang.render(&line))?;
    }
    Ok(())
}
