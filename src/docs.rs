//! The generated reference pages (issue 23): `docs/environment.md` from
//! the declared variables (`source::vars`) and `docs/codes.md` from the
//! codes (`command::explain`). Like the golden files, a committed page that
//! differs from what the code generates fails a test;
//! `UPDATE_DOCS=1 cargo test docs` rewrites them.

/// Compares (or, with `UPDATE_DOCS` set, rewrites) the committed page.
fn current(page: &str, generated: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(page);
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{page} is stale: run `UPDATE_DOCS=1 cargo test docs` and commit it"
    );
}

#[test]
fn environment_page_is_current() {
    current("docs/environment.md", &crate::source::vars::markdown());
}

#[test]
fn codes_page_is_current() {
    current("docs/codes.md", &crate::command::explain::codes_markdown());
}

/// docs/monitoring.md's metrics table names every gauge a kind declares.
#[test]
fn monitoring_page_lists_every_kinds_gauge() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/monitoring.md");
    let page = std::fs::read_to_string(path).unwrap();
    for kind in crate::service::Kind::ALL {
        for gauge in kind.description().gauges {
            let row = format!("| `railconn_{}` | `check` |", gauge.name);
            assert!(
                page.contains(&row),
                "docs/monitoring.md lacks the row {row}"
            );
        }
    }
}
