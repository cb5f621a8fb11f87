//! The JSON report: one pretty-printed document on the writer, nothing
//! else. Field meanings are in `schema/report.schema.json`.

use std::io::Write;

use super::Report;
use crate::i18n::{self, Lang};

/// Keys, codes and statuses are the same in every language; message
/// fields (`detail`, `message`, `cause`, `fix`, `target`) are in `lang`.
pub(crate) fn render(report: &Report, lang: Lang, out: &mut dyn Write) -> std::io::Result<()> {
    i18n::serialize_in(lang, || serde_json::to_writer_pretty(&mut *out, report))?;
    writeln!(out)
}
