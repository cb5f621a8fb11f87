//! Diagnosis: probe outcomes → the report. Decides each check's status,
//! names the decisive failure with its cause and fix (the provider's
//! tip, `provider::provider_tip`, before the kind's own advice), adds findings that span checks (the JWT revocation list
//! falling back to memory when Redis is unusable), and the verdict.

use crate::i18n::{Advice, Message, msg};
use std::time::Duration;

use crate::config::select::Allowed;
use crate::config::{Config, DATABASE_URL_VARS, REDIS_URL_VARS};
use crate::driver;
use crate::exit::Shutdown;
use crate::model::{CheckName, Finding, Readings, Severity, Status, Step};
use crate::model::{Code, FindingCode, Provenance};
use crate::provider::{self, Pooler, Provider, ProviderReport};
use crate::report::{
    CheckReport, DriversReport, ErrorReport, FoundDriver, Report, SCHEMA_VERSION, StepReport,
    Unreadable, millis,
};
use crate::runner::Ran;
use crate::service::Kind;

mod scrub;

use self::scrub::Scrubber;

/// `shutdown` says which signal ended the round, when one did.
pub(crate) fn report(
    mut runs: Vec<Ran>,
    config: &Config,
    duration: Duration,
    shutdown: &Shutdown,
) -> Report {
    let rules = judge_by_drivers(&mut runs, config);
    add_memory_fallback(&mut runs);
    add_config_notes(&mut runs, config);
    let scrubber = Scrubber::new(config);
    for ran in &mut runs {
        scrubber.clean_outcome(&mut ran.outcome);
    }
    let strict = config.strict;
    let interrupted = runs.iter().any(|r| r.unfinished);
    let signal = shutdown.signal();
    let checks: Vec<CheckReport> = runs
        .iter()
        .map(|r| check_report(r, config, signal, &rules))
        .collect();
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        version: env!("CARGO_PKG_VERSION"),
        ready: false,
        status: Status::Pass,
        strict,
        interrupted,
        signal,
        duration_ms: millis(duration),
        checks,
        not_checked: config.unchecked.clone(),
        drivers: drivers_report(&config.drivers),
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

/// The report's record of the app's drivers: what was found, and the
/// manifests that could not be read.
fn drivers_report(drivers: &driver::Drivers) -> DriversReport {
    DriversReport {
        found: drivers
            .found
            .iter()
            .map(|found| FoundDriver {
                id: found.driver.id(),
                version: found.version.clone(),
                file: found.file.clone(),
                lockfile: found.lockfile.clone(),
                label: found.to_string(),
            })
            .collect(),
        unreadable: drivers
            .unreadable
            .iter()
            .map(|(file, reason)| Unreadable {
                file: file.clone(),
                reason: reason.clone(),
            })
            .collect(),
    }
}

/// The app's drivers judge what the probes saw (an IPv6-only name and an
/// IPv4-only driver); the rules they judged by, those of the configuration
/// included.
fn judge_by_drivers(runs: &mut [Ran], config: &Config) -> Vec<driver::Rule> {
    let mut rules = config.drivers.rules.clone();
    for ran in runs
        .iter_mut()
        .filter(|r| r.selected.is_some() && !r.unfinished)
    {
        let url = config.redis_url_of(ran.name);
        rules.extend(driver::judge_outcome(
            &config.drivers,
            (ran.name, ran.kind),
            &mut ran.outcome,
            url,
        ));
    }
    rules
}

/// `signal` is what interrupted the round, if anything did.
fn check_report(ran: &Ran, config: &Config, signal: &str, rules: &[driver::Rule]) -> CheckReport {
    let Some(selected) = &ran.selected else {
        // Skipped by a flag, or by railconn itself with a note saying why
        // (a Redis the app's manifests do not use), listed among the
        // limitations.
        let notes = &ran.outcome.findings;
        let why = notes
            .first()
            .map_or_else(msg::skipped_by_flag, |n| n.message.clone());
        let mut report = skipped(ran.name, ran.kind, why);
        report.findings.clone_from(notes);
        return report;
    };
    if ran.unfinished {
        let mut report = skipped(ran.name, ran.kind, msg::interrupted(signal));
        report.required = selected.required;
        return report;
    }
    let kind = ran.kind;
    let mut error = decisive(&ran.outcome.steps);
    let located = locate(
        kind,
        config.endpoint(ran.name),
        config.hints,
        error.as_ref(),
    );
    let (place, pooler) = located.unwrap_or((&provider::UNKNOWN, None));
    let rules: Vec<&driver::Rule> = rules.iter().filter(|r| r.check == ran.name).collect();
    // The driver that fails says why, in its own terms.
    let failed_by = error
        .as_ref()
        .and_then(|e| rules.iter().find(|r| r.fails_with.contains(&e.code)));
    let mut advice = match failed_by {
        Some(rule) => Some(Advice {
            cause: rule.cause.clone(),
            fix: rule.fix.clone(),
        }),
        None => error
            .as_ref()
            .and_then(|e| advise(kind, e, place, pooler))
            .map(|a| {
                let source = ran.outcome.source.as_ref();
                a.naming(own_variable(ran.name, source, config))
            }),
    };
    let mut findings = ran.outcome.findings.clone();
    if place.tls_only {
        insist_on_tls(&mut findings, place, kind);
    }
    // What each driver does, once: one behaviour may carry a rule per
    // failure it explains (node-postgres's verify-full: a certificate
    // refused, or a server without TLS).
    let mut said: Vec<&Message> = Vec::new();
    for rule in &rules {
        let explains = failed_by.is_some_and(|f| f.does == rule.does);
        if !explains && !said.contains(&&rule.does) {
            said.push(&rule.does);
        }
    }
    findings.extend(
        said.into_iter()
            .map(|does| Finding::info(FindingCode::Driver, does.clone())),
    );
    if let Some(pooler) = pooler {
        findings.push(Finding::info(FindingCode::Pooler, pooler_note(pooler)));
    }
    let selection = &config.selection;
    let allowed = error
        .take_if(|e| selection.allows(ran.name, Allowed::Failure(e.code)))
        .map(|e| {
            advice = None;
            let note = msg::allowed(e.code.as_str().to_string(), e.message);
            Finding::info(FindingCode::Allowed, note)
        });
    for finding in &mut findings {
        if selection.allows(ran.name, Allowed::Finding(finding.code)) {
            finding.severity = Severity::Info;
            let said = std::mem::take(&mut finding.message);
            finding.message = msg::allowed(finding.code.as_str().to_string(), said);
        }
    }
    findings.extend(allowed);
    CheckReport {
        name: ran.name,
        kind: kind.as_str(),
        required: selected.required,
        target: ran.outcome.target.clone(),
        source: ran.outcome.source.clone(),
        status: check_status(&ran.outcome.steps, &findings, error.is_some()),
        duration_ms: millis(ran.duration),
        steps: ran.outcome.steps.iter().map(step_report).collect(),
        cause: advice.as_ref().map(|a| a.cause.clone()),
        fix: advice.as_ref().map(|a| a.fix.clone()),
        error,
        findings,
        parts: config.parts(ran.name),
        provider: located.map(|(place, pooler)| ProviderReport::new(place, pooler)),
        readings: ran.outcome.readings.clone(),
    }
}

/// The provider of a check's target and the pooler in front of it (told by
/// the provider's rules, a pooler's conventional port, or the pooler's own
/// error). `None` for checks that dial nothing (jwt, SQLite, a target that
/// is missing or invalid).
fn locate(
    kind: Kind,
    endpoint: Option<(&str, u16)>,
    hints: provider::Hints,
    error: Option<&ErrorReport>,
) -> Option<(&'static Provider, Option<Pooler>)> {
    let (host, port) = endpoint?;
    let place = provider::identify(host, hints);
    let pooler = (kind == Kind::Postgresql)
        .then(|| {
            error
                .and_then(|e| provider::pooler::from_message(&e.message))
                .or_else(|| place.pooler_at(host, port))
                .or_else(|| provider::pooler::conventional(port))
        })
        .flatten();
    Some((place, pooler))
}

/// The variable the app reads this check's URL from, which its advice
/// names: the one it was read from (`CELERY_BROKER_URL`), else the
/// default's (`DATABASE_URL` for a `--database-url`), else the check's own
/// name (`--target NAME`).
fn own_variable<'a>(name: CheckName, source: Option<&'a Provenance>, config: &Config) -> &'a str {
    match source {
        Some(Provenance::Variables(variables)) if !variables.is_empty() => &variables[0].variable,
        // Not set: the first variable it was looked for in, which
        // `--public` makes DATABASE_PUBLIC_URL / REDIS_PUBLIC_URL.
        _ => config.missing_from(name).unwrap_or_else(|| match name {
            CheckName::POSTGRES => DATABASE_URL_VARS[0],
            CheckName::REDIS => REDIS_URL_VARS[0],
            _ => name.as_str(),
        }),
    }
}

/// The provider's own words first, then a pooler's (only when its own
/// error said it was there: a server on a pooler-like port is still a
/// server), then the generic ones.
fn advise(
    kind: Kind,
    error: &ErrorReport,
    place: &Provider,
    pooler: Option<Pooler>,
) -> Option<Advice> {
    place
        .tip(kind, error.code)
        .or_else(|| pooler.and_then(|p| p.tip(error.code)))
        .map(crate::provider::provider_tip)
        .or_else(|| kind.advise(error.step, error.code, &error.message))
}

/// At a provider that accepts only TLS (Upstash, Neon), an unencrypted URL
/// is not "fine on a private network": it names the provider and the fix
/// (walkthrough of 2026-12-02: a redis:// Upstash URL got the generic note).
fn insist_on_tls(findings: &mut [Finding], place: &Provider, kind: Kind) {
    for finding in findings
        .iter_mut()
        .filter(|f| f.code == FindingCode::Unencrypted)
    {
        finding.severity = Severity::Warn;
        finding.message = match kind {
            Kind::Redis => msg::provider_tls_only_redis(msg::provider_name(place.id)),
            Kind::Mysql => msg::provider_tls_only_mysql(msg::provider_name(place.id)),
            _ => msg::provider_tls_only_pg(msg::provider_name(place.id)),
        };
    }
}

fn pooler_note(pooler: Pooler) -> Message {
    let evidence = match pooler.evidence {
        provider::Evidence::Port => msg::pooler_by_port(),
        provider::Evidence::Host => msg::pooler_by_host(),
        provider::Evidence::Error => msg::pooler_by_error(),
    };
    let name = pooler.kind.name();
    match pooler.mode {
        Some(provider::PoolMode::Transaction) => msg::pooler_transaction(name, evidence),
        Some(provider::PoolMode::Session) => msg::pooler_session(name, evidence),
        None => msg::pooler_unknown_mode(name, evidence),
    }
}

fn skipped(name: CheckName, kind: Kind, why: Message) -> CheckReport {
    CheckReport {
        name,
        kind: kind.as_str(),
        required: false,
        target: why,
        source: None,
        status: Status::Skip,
        duration_ms: 0.0,
        steps: Vec::new(),
        error: None,
        cause: None,
        fix: None,
        findings: Vec::new(),
        parts: None,
        provider: None,
        readings: Readings::default(),
    }
}

/// A check fails exactly when it has a decisive error (`--allow` may have
/// accepted the failed step's); otherwise it warns when a step or a
/// finding does.
fn check_status(steps: &[Step], findings: &[Finding], failed: bool) -> Status {
    let step_warned = steps.iter().any(|s| s.status == Status::Warn);
    let warned = findings.iter().any(|f| f.severity == Severity::Warn);
    if failed {
        Status::Fail
    } else if warned || step_warned {
        Status::Warn
    } else {
        Status::Pass
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
    // A skipped check keeps its notes too: they say why railconn skipped
    // it (a Redis the app's manifests do not use).
    for ran in runs.iter_mut().filter(|r| !r.unfinished) {
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
        .find(|r| r.name == CheckName::REDIS && r.selected.is_some())
        .and_then(|r| decisive(&r.outcome.steps))
        .map(|e| e.code);
    let Some(code) = redis_failure else { return };
    if let Some(jwt) = runs
        .iter_mut()
        .find(|r| r.name == CheckName::JWT && r.selected.is_some())
    {
        let message = memory_fallback(code != Code::MissingConfig);
        jwt.outcome
            .findings
            .push(Finding::warn(FindingCode::MemoryFallback, message));
    }
}

fn memory_fallback(redis_configured: bool) -> Message {
    msg::memory_fallback(if redis_configured { "failing" } else { "unset" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    /// `text` as a message argument, cleaned, in English.
    fn cleaned(s: &Scrubber, text: &str) -> String {
        let mut message = msg::verbatim(text.to_string());
        s.clean_message(&mut message);
        Lang::En.render(&message)
    }

    fn withheld() -> String {
        Lang::En.render(&msg::message_withheld())
    }
    use crate::config::{Overrides, Selection};
    use crate::source::EnvSource;

    fn scrubber(pairs: &[(&str, &str)]) -> Scrubber {
        let env = EnvSource::from_pairs(pairs.iter().copied());
        let config = Config::resolve(
            &Overrides::default(),
            &env,
            Selection::default(),
            Duration::ZERO,
            Duration::ZERO,
        );
        Scrubber::new(&config)
    }

    #[test]
    fn control_characters_are_flattened() {
        let s = scrubber(&[("REDIS_URL", "redis://:hunter2pw@h")]);
        assert_eq!(cleaned(&s, "bad \u{1b}[31m reply"), "bad  [31m reply");
    }

    #[test]
    fn echoed_arguments_are_cut_off_whatever_the_password() {
        for password in [
            "a",
            "ab",
            "127",
            "tab\there",
            "new\nline",
            "1234567\u{e9}x",
            "hunter2",
        ] {
            let url = format!(
                "redis://:{}@h",
                percent_encoding::utf8_percent_encode(password, percent_encoding::NON_ALPHANUMERIC)
            );
            let s = scrubber(&[("REDIS_URL", &url)]);
            let echoed = format!(
                "ERR unknown command 'AUTH', with args beginning with: '{}' ",
                password.replace(['\n', '\r'], " ")
            );
            let clean = cleaned(&s, &echoed);
            assert!(
                !clean.contains(&format!("'{password}'")),
                "{password:?}: {clean}"
            );
            assert!(clean.starts_with("ERR unknown command 'AUTH', with args beginning with:"));
        }
    }

    #[test]
    fn a_message_holding_a_secret_is_withheld_not_masked() {
        let s = scrubber(&[
            ("REDIS_URL", "redis://:hunter2@h"),
            ("JWT_SECRET", "hunter2-Redis-Tail-77"),
        ]);
        let withheld = withheld();
        assert_eq!(cleaned(&s, "peer said hunter2-Redis-Tail-77 !"), withheld);
        assert_eq!(cleaned(&s, "peer said hunter2 !"), withheld);
        assert_eq!(cleaned(&s, "peer said hunter2-Redis !"), withheld);
        assert_eq!(cleaned(&s, "nothing here"), "nothing here");
    }

    #[test]
    fn a_truncated_echo_of_a_long_secret_is_found() {
        let secret = "a".repeat(40) + "Z";
        let s = scrubber(&[("REDIS_URL", &format!("redis://:{secret}@h"))]);
        let echoed = format!("said: '{}'", &secret[..30]);
        assert_eq!(cleaned(&s, &echoed), withheld());
        let multibyte = "1234567\u{e9}tail-of-it";
        let s = scrubber(&[("JWT_SECRET", multibyte)]);
        assert_eq!(cleaned(&s, "said: 1234567\u{e9}t"), withheld());
    }

    #[test]
    fn common_word_passwords_do_not_garble_unrelated_text() {
        let s = scrubber(&[("REDIS_URL", "redis://127:127@127.0.0.1:6379")]);
        let text = "connected to 127.0.0.1:6379 in 1270 ms";
        assert_eq!(cleaned(&s, text), text);
        let s = scrubber(&[("DATABASE_URL", "postgresql://app:app@db.example/app")]);
        let text = "password authentication failed for user \"app\"";
        assert_eq!(cleaned(&s, text), text);
        assert_eq!(cleaned(&s, "said 'app' back"), "said 'app' back");
    }

    /// A MySQL URL at a TLS-only provider gets MySQL's words (ssl-mode),
    /// not PostgreSQL's sslmode.
    #[test]
    fn tls_only_words_follow_the_kind() {
        let place = provider::identify("aws.connect.psdb.cloud", provider::Hints::default());
        let words = |kind| {
            let mut findings = [Finding::info(
                FindingCode::Unencrypted,
                msg::verbatim(String::new()),
            )];
            insist_on_tls(&mut findings, place, kind);
            assert_eq!(findings[0].severity, Severity::Warn);
            Lang::En.render(&findings[0].message)
        };
        let mysql = words(Kind::Mysql);
        assert!(
            mysql.contains("PlanetScale") && mysql.contains("ssl-mode=REQUIRED"),
            "{mysql}"
        );
        assert!(words(Kind::Postgresql).contains("sslmode=require"));
    }
}
