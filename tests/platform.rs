//! The platform traps of issue 4, against real servers: URL forms other
//! clients produce (SQLAlchemy, Prisma, quoted values), variables Railway
//! and libpq use, capacity headroom, and TLS facts.

use crate::harness::{assert_failure, assert_passed, check, check_json};
use crate::support::{pg_tls, railconn};

fn finding_codes(report: &serde_json::Value, name: &str) -> Vec<String> {
    check(report, name)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn sqlalchemy_prisma_and_quoted_urls_are_checked_with_findings() {
    let url = pg_tls().url(
        "app",
        "app-secret-pw-1",
        "appdb",
        "schema=public&pgbouncer=true",
    );
    let sqlalchemy = url.replace("postgresql://", "postgresql+asyncpg://");
    let mut run = railconn();
    run.env("DATABASE_URL", format!("\"{sqlalchemy}\"\r\n"));
    let (r, _) = check_json(&mut run, &["--only", "postgres"]);
    assert_passed(&r, "postgres");
    let codes = finding_codes(&r, "postgres");
    for code in ["trimmed", "sqlalchemy_driver", "prisma_parameter"] {
        assert!(
            codes.iter().any(|c| c == code),
            "{code} missing in {codes:?}"
        );
    }
    assert_eq!(check(&r, "postgres")["status"], "warn");
}

#[test]
fn postgres_scheme_draws_the_sqlalchemy_warning() {
    let url = pg_tls()
        .url("app", "app-secret-pw-1", "appdb", "")
        .replace("postgresql://", "postgres://");
    let (r, _) = check_json(
        &mut railconn(),
        &["--only", "postgres", "--database-url", &url],
    );
    assert!(finding_codes(&r, "postgres").contains(&"sqlalchemy_scheme".to_string()));
}

#[test]
fn an_empty_host_from_a_broken_reference_is_named() {
    let (r, _) = check_json(
        &mut railconn(),
        &[
            "--only",
            "postgres",
            "--database-url",
            "postgresql://postgres:pw@:5432/railway",
        ],
    );
    assert_failure(&r, "postgres", "config", "invalid_url");
    assert!(
        check(&r, "postgres")["error"]["message"]
            .as_str()
            .unwrap()
            .contains("reference"),
        "{r:#}"
    );
}
