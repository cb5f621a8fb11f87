//! Prepared statements behind a transaction pooler (issue 20, item 3).
//! PgBouncer before 1.21 (or without `max_prepared_statements`) and
//! Supavisor's transaction port hand the server connection to another
//! client after each transaction, so a statement a driver prepared on one
//! is missing on the next: `prepared statement "__asyncpg_stmt_1__" does
//! not exist` on the app's first queries, while a connect check passes.
//! Which drivers prepare, seen with the real ones behind PgBouncer 1.18:
//!
//! - asyncpg 0.32.0 prepares every query (its statement cache); the
//!   opt-out, `statement_cache_size=0`, is an argument of `connect()` /
//!   `create_pool()` and cannot be in the URL (asyncpg sends unknown query
//!   parameters to the server).
//! - SQLAlchemy's asyncpg dialect: the same, opted out with the URL's
//!   `prepared_statement_cache_size=0` (SQLAlchemy 2.1.9 docs, "Prepared
//!   Statement Cache").
//! - psycopg 3.3.9 prepares a query from its fifth run; the opt-out,
//!   `prepare_threshold=None`, is an argument of `connect()` only.
//! - postgres.js 4.2.0 connects and queries through the pooler in the
//!   matrix (its opt-out, `prepare=false`, is read from the URL:
//!   `config::reading`), psycopg2 and node-postgres never prepare: not
//!   flagged.
//!
//! The pooler and its mode come from what the host name and port say
//! (`provider::pooler::at`), without a round trip the driver does not make.

use super::refusals::{dialect, query_pairs};
use super::{Driver, Drivers, Found, Rule};
use crate::i18n::{Message, msg};
use crate::model::{
    CheckName, Code, Failure, Finding, FindingCode, ProbeOutcome, Status, StepName,
};
use crate::provider::PoolMode;
use crate::provider::pooler;
use crate::service::postgres::url::PgTarget;

/// The verdict on `target` for the app's preparing drivers: a rule that
/// fails the check when the pooler is known to run in transaction mode, a
/// warning in `findings` when its mode is unknown.
pub(super) fn judge(
    drivers: &Drivers,
    check: CheckName,
    target: &PgTarget,
    findings: &mut Vec<Finding>,
) -> Option<Rule> {
    let pooler = pooler::at(&target.host, target.port)?;
    let (found, fix) = preparing(drivers, target, findings)?;
    let name = pooler.kind.name().to_string();
    match pooler.mode {
        Some(PoolMode::Transaction) => Some(transaction(check, found, &name, fix)),
        Some(PoolMode::Session) => None,
        None => {
            let said = msg::driver_prepared_unknown_mode(found.to_string(), name, fix);
            findings.push(Finding::warn(FindingCode::Driver, said));
            None
        }
    }
}

/// The failing verdict: `found` prepares, `name` runs in transaction mode.
fn transaction(check: CheckName, found: &Found, name: &str, fix: Message) -> Rule {
    Rule {
        check,
        does: msg::driver_prepared_transaction(found.to_string(), name.to_string()),
        fails_with: vec![Code::PreparedStatements],
        cause: msg::driver_prepared_cause(found.to_string(), name.to_string()),
        fix,
    }
}

/// The app's first driver that prepares statements with no opt-out in the
/// URL, and the fix in its terms.
fn preparing<'a>(
    drivers: &'a Drivers,
    target: &PgTarget,
    findings: &[Finding],
) -> Option<(&'a Found, Message)> {
    let asyncpg = drivers.get(Driver::Asyncpg);
    if dialect(findings).as_deref() == Some("asyncpg") {
        let off =
            query_pairs(target).any(|(k, v)| k == "prepared_statement_cache_size" && v == "0");
        let found = asyncpg.or_else(|| drivers.get(Driver::Sqlalchemy))?;
        return (!off).then(|| (found, msg::driver_prepared_fix_sa_asyncpg()));
    }
    asyncpg
        .map(|f| (f, msg::driver_prepared_fix_asyncpg()))
        .or_else(|| {
            drivers
                .get(Driver::Psycopg)
                .map(|f| (f, msg::driver_prepared_fix_psycopg()))
        })
}

/// The check's query step fails as the app's second query would, when a
/// rule of `rules` says the pooler runs in transaction mode.
pub(super) fn fail_outcome(rules: &[Rule], check: CheckName, outcome: &mut ProbeOutcome) {
    let Some(rule) = rules
        .iter()
        .find(|r| r.check == check && r.fails_with == [Code::PreparedStatements])
    else {
        return;
    };
    let failure = Failure::new(Code::PreparedStatements, rule.does.clone());
    for step in &mut outcome.steps {
        if step.name == StepName::Query
            && step.status != Status::Fail
            && step.status != Status::Skip
        {
            step.status = Status::Fail;
            step.detail = None;
            step.error = Some(failure.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(list: &[Driver]) -> Drivers {
        let list: Vec<_> = list.iter().map(|d| (*d, None)).collect();
        Drivers::named(&list)
    }

    fn verdict(list: &[Driver], url: &str) -> (Option<&'static str>, Vec<&'static str>) {
        let target = PgTarget::parse(url).unwrap();
        let mut findings = Vec::new();
        let rule = judge(&with(list), CheckName::POSTGRES, &target, &mut findings);
        let warned = findings.iter().map(|f| f.message.id()).collect();
        (rule.map(|r| r.fix.id()), warned)
    }

    #[test]
    fn a_known_transaction_pooler_fails_drivers_that_prepare() {
        let supabase = "postgresql://u:p@aws-0-eu-central-1.pooler.supabase.com:6543/d";
        let fix = |id| (Some(id), Vec::new());
        assert_eq!(
            verdict(&[Driver::Asyncpg], supabase),
            fix("driver_prepared_fix_asyncpg")
        );
        assert_eq!(
            verdict(&[Driver::Psycopg], supabase),
            fix("driver_prepared_fix_psycopg")
        );
        let port = "postgresql://u:p@db.internal:6543/d";
        assert_eq!(
            verdict(&[Driver::Asyncpg], port),
            fix("driver_prepared_fix_asyncpg")
        );
        for quiet in [Driver::Psycopg2, Driver::NodePostgres, Driver::PostgresJs] {
            assert_eq!(verdict(&[quiet], supabase), (None, Vec::new()), "{quiet:?}");
        }
    }

    #[test]
    fn session_mode_passes_and_an_unknown_mode_warns() {
        let session = "postgresql://u:p@aws-0-eu-central-1.pooler.supabase.com:5432/d";
        assert_eq!(verdict(&[Driver::Asyncpg], session), (None, Vec::new()));
        let pgbouncer = "postgresql://u:p@db.internal:6432/d";
        assert_eq!(
            verdict(&[Driver::Asyncpg], pgbouncer),
            (None, vec!["driver_prepared_unknown_mode"])
        );
        let direct = "postgresql://u:p@db.internal:5432/d";
        assert_eq!(verdict(&[Driver::Asyncpg], direct), (None, Vec::new()));
    }

    #[test]
    fn the_query_step_fails_when_the_rule_says_so() {
        let target = PgTarget::parse("postgresql://u@db.internal:6543/d").unwrap();
        let rule = judge(
            &with(&[Driver::Asyncpg]),
            CheckName::POSTGRES,
            &target,
            &mut Vec::new(),
        );
        let passed = crate::model::Step {
            name: StepName::Query,
            status: Status::Pass,
            duration: None,
            detail: None,
            error: None,
        };
        let mut outcome = ProbeOutcome {
            steps: vec![passed],
            ..ProbeOutcome::default()
        };
        fail_outcome(&[rule.unwrap()], CheckName::POSTGRES, &mut outcome);
        assert_eq!(outcome.steps[0].status, Status::Fail);
        assert_eq!(
            outcome.steps[0].error.as_ref().unwrap().code,
            Code::PreparedStatements
        );
    }
}
