//! `railconn explain CODE`: a code looked up as `rustc --explain` and
//! `ruff rule` do (issue 23). The words are the catalogs' own: a one-line
//! meaning per code (`explain_<code>`), and for an error code the causes and
//! fixes the report would give, asked of each kind's advice
//! (`Kind::advise`) rather than copied. Every code of `Code::ALL` and
//! `FindingCode::ALL` has an entry here: the matches below are exhaustive,
//! so a new code does not compile until it is explained.

use crate::report::term::wrap;
use std::fmt::Write as _;
use std::process::ExitCode;

use serde::Serialize;

use crate::cli::{ExplainArgs, ExplainFormat};
use crate::error::AppError;
use crate::exit;
use crate::i18n::{Lang, Message, msg};
use crate::model::{Code, FindingCode, StepName};
use crate::service::Kind;

/// One code of either list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Error(Code),
    Finding(FindingCode),
}

impl Entry {
    /// Every code: the error codes, then the finding codes.
    fn all() -> impl Iterator<Item = Entry> {
        let errors = Code::ALL.iter().copied().map(Entry::Error);
        errors.chain(FindingCode::ALL.iter().copied().map(Entry::Finding))
    }

    fn name(self) -> &'static str {
        match self {
            Entry::Error(code) => code.as_str(),
            Entry::Finding(code) => code.as_str(),
        }
    }

    /// The code with this wire name (as the report writes it).
    fn find(name: &str) -> Option<Entry> {
        Entry::all().find(|entry| entry.name() == name)
    }

    fn meaning(self) -> Message {
        match self {
            Entry::Error(code) => error_meaning(code),
            Entry::Finding(code) => finding_meaning(code),
        }
    }
}

/// Runs `explain`: one code, the list, or the whole catalog as JSON.
pub(crate) fn run(args: &ExplainArgs) -> Result<ExitCode, AppError> {
    let lang = Lang::for_run();
    let json = args.format == Some(ExplainFormat::Json);
    let Some(name) = args.code.as_deref() else {
        let text = if json {
            to_json(&Catalog::new(lang))
        } else {
            list(lang, crate::report::term::stdout_width())
        };
        return super::write_stdout(text.as_bytes()).map(|()| exit::READY.into());
    };
    let Some(entry) = Entry::find(name.trim()) else {
        let error = msg::error_prefix(unknown(name));
        exit::stderr_line(&lang.render(&error));
        return Ok(exit::COULD_NOT_RUN.into());
    };
    let text = if json {
        to_json(&Explained::new(entry, lang))
    } else {
        page(entry, lang, crate::report::term::stdout_width())
    };
    super::write_stdout(text.as_bytes()).map(|()| exit::READY.into())
}

/// An unknown code, with the nearest known one when it is close (a typo,
/// or a code written with dashes or capitals).
fn unknown(name: &str) -> Message {
    // A value with other characters than a code's may be anything pasted
    // by mistake, a URL with its password included: it is not quoted back.
    let shown = if name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
    {
        name.to_string()
    } else {
        crate::i18n::say(&msg::url_not_shown())
    };
    let wanted = shown.to_ascii_lowercase().replace('-', "_");
    let near = Entry::all()
        .map(|entry| (strsim::jaro_winkler(&wanted, entry.name()), entry.name()))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match near {
        Some((_, near)) => msg::explain_unknown_near(shown, near),
        None => msg::explain_unknown(shown),
    }
}

/// `explain --list`: every code with its one-line meaning, in two groups,
/// wrapped to `width` (a terminal's) under the meaning's column.
fn list(lang: Lang, width: Option<usize>) -> String {
    let names = Entry::all().map(|e| e.name().len()).max().unwrap_or(0);
    let mut out = String::new();
    let groups = [
        (msg::explain_list_errors(), Code::ALL.len()),
        (msg::explain_list_findings(), FindingCode::ALL.len()),
    ];
    let mut entries = Entry::all();
    for (heading, count) in groups {
        let _ = writeln!(out, "{}", lang.render(&heading));
        for entry in entries.by_ref().take(count) {
            let meaning = lang.render(&entry.meaning());
            let prefix = format!("  {:names$}  ", entry.name());
            let _ = writeln!(out, "{}", wrap(&prefix, &meaning, names + 4, width));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", lang.render(&msg::explain_list_more()));
    out
}

/// The text page of one code, wrapped to `width` (a terminal's) as the
/// check's report is.
fn page(entry: Entry, lang: Lang, width: Option<usize>) -> String {
    let explained = Explained::new(entry, lang);
    let mut out = format!("{}\n\n", wrap("", &explained.heading, 0, width));
    if let Some(steps) = &explained.steps_line {
        let _ = writeln!(out, "{}", wrap("", steps, 0, width));
    }
    for line in explained.note.lines() {
        let _ = writeln!(out, "{}", wrap("", line, 0, width));
    }
    for advice in &explained.advice {
        let _ = writeln!(out, "\n{}", advice.kinds.join(", "));
        out.push_str(&labelled(lang, &msg::label_cause(), &advice.cause, width));
        out.push_str(&labelled(lang, &msg::label_fix(), &advice.fix, width));
    }
    if let Some(example) = &explained.example {
        let heading = lang.render(&msg::explain_example());
        let _ = writeln!(out, "\n{heading}\n{}", wrap("  ", example, 4, width));
    }
    out
}

/// `  cause  text`, the labels padded to one width as in the text report,
/// the text wrapped under itself.
fn labelled(lang: Lang, label: &Message, text: &str, width: Option<usize>) -> String {
    let labels = [msg::label_cause(), msg::label_fix()]
        .iter()
        .map(|l| lang.render(l).chars().count())
        .max()
        .unwrap_or(0);
    let label = lang.render(label);
    let prefix = format!("  {label:labels$}  ");
    format!("{}\n", wrap(&prefix, text, labels + 4, width))
}

/// The whole catalog, for `--format json`.
#[derive(Serialize)]
struct Catalog {
    lang: &'static str,
    codes: Vec<Explained>,
}

impl Catalog {
    fn new(lang: Lang) -> Self {
        Catalog {
            lang: lang.tag(),
            codes: Entry::all().map(|e| Explained::new(e, lang)).collect(),
        }
    }
}

/// One code, rendered in a language: the JSON entry, and what the text
/// page prints.
#[derive(Serialize)]
struct Explained {
    code: &'static str,
    /// `error` (a check fails) or `finding` (a warning or a note).
    #[serde(rename = "type")]
    kind: &'static str,
    meaning: String,
    /// The layers an error code occurs at; empty for a finding.
    steps: Vec<&'static str>,
    /// Whether `wait` keeps trying after this failure; null for a finding.
    can_heal: Option<bool>,
    advice: Vec<KindAdvice>,
    /// The error line of the text report; null for a finding.
    example: Option<String>,
    #[serde(skip)]
    heading: String,
    #[serde(skip)]
    steps_line: Option<String>,
    #[serde(skip)]
    note: String,
}

/// Cause and fix shared by some kinds (at some steps).
#[derive(Serialize)]
struct KindAdvice {
    /// The kinds, each with its steps when its advice differs by step.
    kinds: Vec<String>,
    cause: String,
    fix: String,
}

impl Explained {
    fn new(entry: Entry, lang: Lang) -> Self {
        let meaning = entry.meaning();
        let heading = lang.render(&msg::explain_heading(entry.name(), meaning.clone()));
        let meaning = lang.render(&meaning);
        match entry {
            Entry::Error(code) => Self::error(code, lang, meaning, heading),
            Entry::Finding(code) => Explained {
                code: code.as_str(),
                kind: "finding",
                meaning,
                steps: Vec::new(),
                can_heal: None,
                advice: Vec::new(),
                example: None,
                heading,
                steps_line: None,
                note: lang.render(&msg::explain_finding_note(code.as_str())),
            },
        }
    }

    fn error(code: Code, lang: Lang, meaning: String, heading: String) -> Self {
        let steps: Vec<&'static str> = steps(code).iter().map(|s| s.as_str()).collect();
        let heals = if code.can_heal() {
            msg::explain_heals()
        } else {
            msg::explain_does_not_heal()
        };
        let allow = lang.render(&msg::explain_allow_error(code.as_str()));
        Explained {
            code: code.as_str(),
            kind: "error",
            meaning,
            steps_line: Some(lang.render(&msg::explain_steps(steps.join(", ")))),
            steps,
            can_heal: Some(code.can_heal()),
            advice: advice(code, lang),
            example: Some(example(code, lang)),
            heading,
            note: format!("{}\n{allow}", lang.render(&heals)),
        }
    }
}

/// The error line of the text report for `code` at its first step.
fn example(code: Code, lang: Lang) -> String {
    let step = steps(code).first().map_or("config", |s| s.as_str());
    let line = msg::error_at_step(code.as_str().to_string(), step, msg::explain_said());
    format!(
        "{}  {}",
        lang.render(&msg::label_error()),
        lang.render(&line)
    )
}

/// The variable a kind's advice names (`$variable`): the one the default
/// check reads first.
fn variable(kind: Kind) -> &'static str {
    match kind {
        Kind::Postgresql | Kind::Sqlite => crate::source::vars::DATABASE_URL.name,
        Kind::Redis => crate::source::vars::REDIS_URL.name,
        Kind::Mysql => crate::source::vars::MYSQL_URL.name,
        // A Celery app's broker: the AMQP check users meet first.
        Kind::Amqp => crate::source::vars::CELERY_BROKER_URL.name,
        Kind::Jwt => crate::source::vars::JWT_SECRET_KEY.name,
    }
}

/// The kinds' causes and fixes for `code` in `lang`, equal words grouped: a
/// kind is asked at every step of its ladder where the code occurs. A
/// SQLite `DATABASE_URL` takes PostgreSQL's advice (`Kind::advise`), so it
/// is not listed again.
fn advice(code: Code, lang: Lang) -> Vec<KindAdvice> {
    let said = msg::verbatim(String::new());
    let mut asked: Vec<(Kind, StepName, Words)> = Vec::new();
    let kinds = Kind::ALL.into_iter().filter(|k| *k != Kind::Sqlite);
    for kind in kinds.filter(|k| where_(code).includes(*k)) {
        for &step in steps(code).iter().filter(|s| kind.steps().contains(s)) {
            if let Some(advice) = kind.advise(step, code, &said) {
                let advice = advice.naming(variable(kind));
                let words = (lang.render(&advice.cause), lang.render(&advice.fix));
                asked.push((kind, step, words));
            }
        }
    }
    group(&asked)
}

/// A cause and a fix, rendered.
type Words = (String, String);

/// Groups equal words; a kind whose words differ by step is named with
/// its steps, `postgresql (tls)`.
fn group(asked: &[(Kind, StepName, Words)]) -> Vec<KindAdvice> {
    let mut groups: Vec<(&Words, Vec<(Kind, StepName)>)> = Vec::new();
    for (kind, step, words) in asked {
        match groups.iter_mut().find(|(w, _)| *w == words) {
            Some((_, places)) => places.push((*kind, *step)),
            None => groups.push((words, vec![(*kind, *step)])),
        }
    }
    let split = |kind: Kind| {
        let in_groups = groups
            .iter()
            .filter(|(_, p)| p.iter().any(|(k, _)| *k == kind));
        in_groups.count() > 1
    };
    groups
        .iter()
        .map(|((cause, fix), places)| KindAdvice {
            kinds: label(places, &split),
            cause: cause.clone(),
            fix: fix.clone(),
        })
        .collect()
}

/// `postgresql`, or `postgresql (tls, auth)` when `split` says so.
fn label(places: &[(Kind, StepName)], split: &dyn Fn(Kind) -> bool) -> Vec<String> {
    let mut kinds: Vec<Kind> = places.iter().map(|(k, _)| *k).collect();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|kind| {
            if !split(kind) {
                return kind.as_str().to_string();
            }
            let steps: Vec<&str> = places
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, s)| s.as_str())
                .collect();
            format!("{} ({})", kind.as_str(), steps.join(", "))
        })
        .collect()
}

/// Which checks a code belongs to.
#[derive(Clone, Copy)]
enum Services {
    /// PostgreSQL and Redis (URLs and the network).
    Urls,
    Jwt,
    Both,
}

impl Services {
    fn includes(self, kind: Kind) -> bool {
        match self {
            Services::Urls => kind != Kind::Jwt,
            Services::Jwt => kind == Kind::Jwt,
            Services::Both => true,
        }
    }
}

/// The services a code occurs for (docs/checks.md "Error codes").
fn where_(code: Code) -> Services {
    use Code::*;
    match code {
        MissingConfig | InvalidValue => Services::Both,
        WeakSecret | InvalidKey | UnsupportedAlgorithm | RoundtripFailed => Services::Jwt,
        _ => Services::Urls,
    }
}

/// The steps a code occurs at (docs/checks.md "Error codes", and the probes that
/// record it).
fn steps(code: Code) -> &'static [StepName] {
    use Code::*;
    use StepName::{Auth, Config, Dns, Key, Open, Ping, Query, Roundtrip, Tcp, Tls};
    match code {
        MissingConfig | UnsupportedScheme | UnsupportedAlgorithm => &[Config],
        InvalidUrl => &[Config, Tls],
        InvalidValue => &[Config, Auth],
        DnsNotFound | DnsTimeout | DnsError => &[Dns],
        LocalResources => &[Dns, Tcp],
        ConnectionRefused | ConnectTimeout | NetworkUnreachable => &[Tcp],
        TlsUnsupported | TlsHandshakeFailed | CertificateInvalid => &[Tls],
        TlsRequired | ConnectionReset => &[Tls, Auth, Ping],
        ConnectionClosed | Timeout | ProtocolError => &[Tls, Auth, Query, Ping, Open],
        AuthFailed | AuthRequired => &[Auth],
        // open: an AMQP vhost that does not exist, or the user may not use.
        DatabaseNotFound => &[Auth, Open],
        // tcp: a Unix socket's permissions (EACCES, `net::stream`).
        AccessDenied => &[Tcp, Auth, Ping, Open],
        ServerStarting => &[Auth, Ping],
        TooManyConnections => &[Auth, Query, Ping],
        QueryFailed | ReadOnly => &[Query, Ping],
        NotReadOnly | PreparedStatements => &[Query],
        WeakSecret => &[Key],
        InvalidKey => &[Key, Roundtrip],
        RoundtripFailed => &[Roundtrip],
    }
}

fn error_meaning(code: Code) -> Message {
    use Code::*;
    match code {
        MissingConfig => msg::explain_missing_config(),
        InvalidUrl => msg::explain_invalid_url(),
        UnsupportedScheme => msg::explain_unsupported_scheme(),
        InvalidValue => msg::explain_invalid_value(),
        DnsNotFound => msg::explain_dns_not_found(),
        DnsTimeout => msg::explain_dns_timeout(),
        DnsError => msg::explain_dns_error(),
        ConnectionRefused => msg::explain_connection_refused(),
        ConnectTimeout => msg::explain_connect_timeout(),
        NetworkUnreachable => msg::explain_network_unreachable(),
        LocalResources => msg::explain_local_resources(),
        TlsUnsupported => msg::explain_tls_unsupported(),
        TlsRequired => msg::explain_tls_required(),
        TlsHandshakeFailed => msg::explain_tls_handshake_failed(),
        CertificateInvalid => msg::explain_certificate_invalid(),
        ConnectionClosed => msg::explain_connection_closed(),
        ConnectionReset => msg::explain_connection_reset(),
        Timeout => msg::explain_timeout(),
        ProtocolError => msg::explain_protocol_error(),
        AuthFailed => msg::explain_auth_failed(),
        AuthRequired => msg::explain_auth_required(),
        AccessDenied => msg::explain_access_denied(),
        DatabaseNotFound => msg::explain_database_not_found(),
        TooManyConnections => msg::explain_too_many_connections(),
        ServerStarting => msg::explain_server_starting(),
        QueryFailed => msg::explain_query_failed(),
        ReadOnly => msg::explain_read_only(),
        NotReadOnly => msg::explain_not_read_only(),
        PreparedStatements => msg::explain_prepared_statements(),
        WeakSecret => msg::explain_weak_secret(),
        InvalidKey => msg::explain_invalid_key(),
        UnsupportedAlgorithm => msg::explain_unsupported_algorithm(),
        RoundtripFailed => msg::explain_roundtrip_failed(),
    }
}

fn finding_meaning(code: FindingCode) -> Message {
    use FindingCode::*;
    match code {
        MemoryFallback => msg::explain_memory_fallback(),
        Unencrypted => msg::explain_unencrypted(),
        TokenLifetime => msg::explain_token_lifetime(),
        PublicKeyMissing => msg::explain_public_key_missing(),
        IgnoredParameter => msg::explain_ignored_parameter(),
        CertificateExpiry => msg::explain_certificate_expiry(),
        SelfSigned => msg::explain_self_signed(),
        Hygiene => msg::explain_hygiene(),
        Sqlite => msg::explain_sqlite(),
        Pooler => msg::explain_pooler(),
        Ipv6 => msg::explain_ipv6(),
        EnvDefaults => msg::explain_env_defaults(),
        TlsFallback => msg::explain_tls_fallback(),
        Trimmed => msg::explain_trimmed(),
        SqlalchemyDriver => msg::explain_sqlalchemy_driver(),
        SqlalchemyScheme => msg::explain_sqlalchemy_scheme(),
        PrismaParameter => msg::explain_prisma_parameter(),
        UrlPortability => msg::explain_url_portability(),
        ConnectionHeadroom => msg::explain_connection_headroom(),
        NoTables => msg::explain_no_tables(),
        MemoryHeadroom => msg::explain_memory_headroom(),
        CertificateNotVerified => msg::explain_certificate_not_verified(),
        KeyFormat => msg::explain_key_format(),
        Allowed => msg::explain_allowed(),
        Driver => msg::explain_driver(),
        PasswordNotChecked => msg::explain_password_not_checked(),
    }
}

/// Pretty JSON with a final newline; the types above always serialise.
fn to_json(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// The page of `docs/codes.md`: every code with its meaning, steps and
/// the kinds' causes and fixes, in English (`docs::codes_page`).
#[cfg(test)]
pub(crate) fn codes_markdown() -> String {
    let lang = Lang::En;
    let mut out = String::from(
        "# Error and finding codes\n\n\
         <!-- Generated from src/command/explain.rs and i18n/en.ftl by \
         `UPDATE_DOCS=1 cargo test docs`; do not edit. -->\n\n\
         `railconn explain CODE` prints the same in the run's language.\n",
    );
    for entry in Entry::all() {
        let explained = Explained::new(entry, lang);
        let _ = writeln!(out, "\n## `{}`\n\n{}", explained.code, explained.meaning);
        if !explained.steps.is_empty() {
            let _ = writeln!(out, "\nSteps: {}.", explained.steps.join(", "));
        }
        for advice in &explained.advice {
            let _ = writeln!(
                out,
                "\n- **{}**: {} *Fix:* {}",
                advice.kinds.join(", "),
                advice.cause,
                advice.fix
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a terminal the page and the list wrap as the check's report
    /// does: no line wider than the terminal unless one word is.
    #[test]
    fn pages_and_the_list_wrap_to_the_terminal() {
        let width = 60;
        let fits = |text: &str| {
            text.lines().all(|line| {
                crate::report::term::display_width(line) <= width
                    || !line.trim().contains(' ')
                    || line
                        .split(' ')
                        .any(|w| crate::report::term::display_width(w) > 30)
            })
        };
        for lang in [Lang::En, Lang::Ru] {
            assert!(fits(&list(lang, Some(width))));
            for entry in Entry::all() {
                let text = page(entry, lang, Some(width));
                let wide: Vec<&str> = text.lines().filter(|l| !fits(l)).collect();
                assert!(wide.is_empty(), "{wide:#?}");
            }
        }
    }

    #[test]
    fn every_code_has_a_page_in_both_languages() {
        for entry in Entry::all() {
            for lang in [Lang::En, Lang::Ru] {
                let text = page(entry, lang, None);
                assert!(text.starts_with(entry.name()), "{text}");
            }
        }
    }

    #[test]
    fn every_error_code_has_steps_and_advice() {
        for &code in Code::ALL {
            assert!(!steps(code).is_empty(), "{code:?}");
            assert!(
                !advice(code, Lang::En).is_empty(),
                "{code:?} has no cause and fix"
            );
        }
    }

    #[test]
    fn advice_differs_by_kind_and_by_step() {
        let kinds = |code| -> Vec<Vec<String>> {
            advice(code, Lang::En)
                .into_iter()
                .map(|a| a.kinds)
                .collect()
        };
        assert_eq!(
            kinds(Code::ConnectionRefused),
            [["postgresql"], ["redis"], ["mysql"], ["amqp"]]
        );
        // PostgreSQL's timeout at tls is an SSLRequest nobody answers,
        // Redis's a TLS ClientHello to a plaintext server; later, the
        // same words for both, and for MySQL and AMQP at every step.
        assert_eq!(
            kinds(Code::Timeout),
            [
                vec!["postgresql (tls)"],
                vec![
                    "postgresql (auth, query)",
                    "redis (auth, ping)",
                    "mysql",
                    "amqp"
                ],
                vec!["redis (tls)"],
            ]
        );
    }

    #[test]
    fn error_and_finding_codes_do_not_share_a_name() {
        for &code in Code::ALL {
            assert!(FindingCode::ALL.iter().all(|f| f.as_str() != code.as_str()));
        }
    }

    #[test]
    fn an_unknown_code_suggests_the_nearest() {
        let lang = Lang::En;
        let said = lang.render(&unknown("auth_faild"));
        assert!(said.contains("did you mean auth_failed?"), "{said}");
        let said = lang.render(&unknown("AUTH-FAILED"));
        assert!(said.contains("auth_failed"), "{said}");
        let said = lang.render(&unknown("postgres://u:secret@h/db"));
        assert!(!said.contains("secret"), "{said}");
        assert!(lang.render(&unknown("zzzz")).contains("--list"));
    }
}
