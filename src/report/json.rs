//! The JSON report: one pretty-printed document on the writer, nothing
//! else. Field meanings are in `schema/report.schema.json`.

use std::io::Write;

use super::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
