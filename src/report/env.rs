//! What `railconn env` writes: every variable railconn reads (set, missing
//! or shadowed, its value as it may be shown, where it came from) and the
//! target each check would dial, as aligned text or one JSON document.
//! `command/env.rs` gathers them; this module only writes them.

use std::io::{self, Write};

use serde::Serialize;

use crate::i18n::{self, Lang, Message, msg};
use crate::source::Origin;

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
    fn as_str(self) -> &'static str {
        match self {
            VarState::Set => "set",
            VarState::Missing => "missing",
            VarState::Shadowed => "shadowed",
        }
    }
}

/// What one check would dial.
#[derive(Debug, Serialize)]
pub(crate) struct Target {
    pub(crate) check: &'static str,
    #[serde(rename = "target")]
    pub(crate) dialed: Message,
    pub(crate) source: String,
    /// The provider's id (`unknown` when no row matches); `null` when
    /// nothing would be dialed.
    pub(crate) provider: Option<&'static str>,
    #[serde(skip)]
    pub(crate) provider_name: Option<&'static str>,
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
        writeln!(
            out,
            "  {:<34} {:<9} {value}  {source}",
            variable.name,
            variable.state.as_str()
        )?;
    }
    writeln!(out, "\n{}", lang.render(&msg::env_targets()))?;
    for target in &report.targets {
        write!(
            out,
            "  {:<9} {}  {}",
            target.check,
            lang.render(&target.dialed),
            target.source
        )?;
        match target.provider_name {
            Some(name) => writeln!(out, "  [{name}]")?,
            None => writeln!(out)?,
        }
    }
    Ok(())
}
