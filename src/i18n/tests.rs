//! The catalogs against the code and each other: same ids, the variables
//! the code passes, the glossary's terms, plural forms.

use std::collections::{BTreeMap, BTreeSet};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use fluent_syntax::ast;

use super::catalog::SOURCES;
use super::message::ADVICE_VARIABLE;
use super::msg::{ADVICE, DECLARED};
use super::{Lang, msg};

/// Per id (`advice_x.cause` for attributes), the variables it references.
type Uses = BTreeMap<String, BTreeSet<String>>;

fn parse(lang: Lang) -> Uses {
    let (_, source) = SOURCES.iter().find(|(l, _)| *l == lang).unwrap();
    let resource = match FluentResource::try_new((*source).to_string()) {
        Ok(resource) => resource,
        Err((_, errors)) => panic!("{lang:?} catalog does not parse: {errors:?}"),
    };
    let mut uses = Uses::new();
    for entry in resource.entries() {
        if let ast::Entry::Message(message) = entry {
            if let Some(value) = &message.value {
                let vars = uses.entry(message.id.name.to_string()).or_default();
                pattern_vars(value, vars);
            }
            for attribute in &message.attributes {
                let id = format!("{}.{}", message.id.name, attribute.id.name);
                pattern_vars(&attribute.value, uses.entry(id).or_default());
            }
        }
    }
    uses
}

fn pattern_vars(pattern: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(expression: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for variant in variants {
                pattern_vars(&variant.value, vars);
            }
        }
        ast::Expression::Inline(inline) => inline_vars(inline, vars),
    }
}

fn inline_vars(inline: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_string());
        }
        // A term's own variables are its call arguments; what the message
        // passes into the call is what counts.
        ast::InlineExpression::TermReference {
            arguments: Some(arguments),
            ..
        }
        | ast::InlineExpression::FunctionReference { arguments, .. } => {
            for positional in &arguments.positional {
                inline_vars(positional, vars);
            }
            for named in &arguments.named {
                inline_vars(&named.value, vars);
            }
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        _ => {}
    }
}

/// What the code can build: id → the variables it passes.
fn declared() -> Uses {
    let mut uses: Uses = DECLARED
        .iter()
        .map(|(id, args)| {
            let args = args.iter().map(|a| (*a).to_string()).collect();
            ((*id).to_string(), args)
        })
        .collect();
    for id in ADVICE {
        let variable = BTreeSet::from([ADVICE_VARIABLE.to_string()]);
        uses.insert(format!("{id}.cause"), variable.clone());
        uses.insert(format!("{id}.fix"), variable);
    }
    uses
}

/// Whether `id` is an advice's `.cause` or `.fix`: those are given the
/// check's variable and may leave it unsaid.
fn is_advice(id: &str) -> bool {
    id.split_once('.')
        .is_some_and(|(name, _)| ADVICE.contains(&name))
}

#[test]
fn every_message_exists_in_both_languages_and_nowhere_else() {
    let code: BTreeSet<String> = declared().into_keys().collect();
    for lang in [Lang::En, Lang::Ru] {
        let catalog: BTreeSet<String> = parse(lang).into_keys().collect();
        let missing: Vec<_> = code.difference(&catalog).collect();
        let unused: Vec<_> = catalog.difference(&code).collect();
        assert!(missing.is_empty(), "{lang:?} catalog lacks {missing:?}");
        assert!(
            unused.is_empty(),
            "{lang:?} catalog has ids the code never builds: {unused:?}"
        );
    }
}

#[test]
fn catalogs_use_only_the_arguments_the_code_passes() {
    let code = declared();
    for lang in [Lang::En, Lang::Ru] {
        for (id, vars) in parse(lang) {
            let Some(passed) = code.get(&id) else {
                continue;
            };
            let unknown: Vec<_> = vars.difference(passed).collect();
            assert!(
                unknown.is_empty(),
                "{lang:?} {id} uses {unknown:?}, the code passes {passed:?}"
            );
        }
    }
}

#[test]
fn english_shows_every_argument_the_code_passes() {
    // An argument nobody shows is a typo on one side or dead code.
    let english = parse(Lang::En);
    for (id, passed) in declared() {
        let used = &english[&id];
        let unused: Vec<_> = passed
            .difference(used)
            .filter(|var| !(is_advice(&id) && *var == ADVICE_VARIABLE))
            .collect();
        assert!(unused.is_empty(), "en {id} ignores {unused:?}");
    }
}

/// Where English names the check's variable, Russian does too (and does
/// not write `REDIS_URL` for it).
#[test]
fn advice_names_the_checks_variable_in_both_languages_alike() {
    let english = parse(Lang::En);
    let russian = parse(Lang::Ru);
    for (id, vars) in english.iter().filter(|(id, _)| is_advice(id)) {
        assert_eq!(
            vars.contains(ADVICE_VARIABLE),
            russian[id].contains(ADVICE_VARIABLE),
            "{id}: en and ru disagree on naming the check's variable"
        );
    }
}

#[test]
fn every_message_formats_without_errors() {
    for (lang, source) in SOURCES {
        let resource = FluentResource::try_new(source.to_string())
            .unwrap_or_else(|(_, errors)| panic!("{lang:?}: {errors:?}"));
        let mut bundle = FluentBundle::new_concurrent(vec![lang.tag().parse().unwrap()]);
        bundle.set_use_isolating(false);
        bundle
            .add_resource(resource)
            .unwrap_or_else(|errors| panic!("{lang:?}: {errors:?}"));
        for (id, vars) in declared() {
            let mut args = FluentArgs::new();
            for var in &vars {
                args.set(var.as_str(), 2);
            }
            let (name, attribute) = match id.split_once('.') {
                Some((name, attribute)) => (name, Some(attribute)),
                None => (id.as_str(), None),
            };
            let message = bundle.get_message(name).unwrap();
            let pattern = match attribute {
                Some(attribute) => message.get_attribute(attribute).unwrap().value(),
                None => message.value().unwrap(),
            };
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
            assert!(errors.is_empty(), "{lang:?} {id}: {errors:?}");
            assert!(!text.trim().is_empty(), "{lang:?} {id} is empty");
        }
    }
}

#[test]
fn russian_plurals_follow_cldr() {
    let ru = |n: usize| Lang::Ru.render(&msg::verdict_not_ready(n));
    assert_eq!(ru(1), "Итог: деплоить нельзя — 1 критическая проблема");
    assert_eq!(ru(2), "Итог: деплоить нельзя — 2 критические проблемы");
    assert_eq!(ru(5), "Итог: деплоить нельзя — 5 критических проблем");
    assert_eq!(ru(21), "Итог: деплоить нельзя — 21 критическая проблема");
    assert_eq!(
        Lang::En.render(&msg::verdict_not_ready(2)),
        "Verdict: not ready — 2 critical problems"
    );
    assert_eq!(
        Lang::Ru.render(&msg::verdict_ready(0)),
        "Итог: можно деплоить"
    );
}

/// A count agrees with its noun in Russian: «2 байта», «5 байт», «из 151
/// подключения» (ru-review found «из 151 подключений» and «262 байт»).
#[test]
fn russian_counts_agree_with_their_nouns() {
    let ru = |message| Lang::Ru.render(&message);
    assert!(ru(msg::amqp_frame_too_large(2)).contains("размером 2 байта "));
    assert!(ru(msg::amqp_frame_too_large(5)).contains("размером 5 байт "));
    assert!(ru(msg::amqp_vhost_too_long(261)).contains("261 байт,"));
    assert!(ru(msg::amqp_vhost_too_long(262)).contains("262 байта,"));
    assert!(ru(msg::mysql_connections_high(150, 151)).contains("из 151 подключения "));
    assert!(ru(msg::mysql_connections_high(150, 160)).contains("из 160 подключений "));
}

#[test]
fn rendering_adds_no_bidi_marks_and_localises_numbers() {
    let text = Lang::Ru.render(&msg::dns_timeout(
        "db.invalid",
        std::time::Duration::from_millis(1500),
    ));
    assert_eq!(text, "нет ответа DNS для db.invalid за 1,5 с");
    assert!(!text.contains(['\u{2068}', '\u{2069}']));
    let text = Lang::En.render(&msg::url_no_scheme(msg::any_of(
        ["postgresql", "postgres"].map(|s| format!("{s}://")),
    )));
    assert_eq!(
        text,
        "the value is not a URL: it should start with postgresql:// or postgres://"
    );
}

#[test]
fn nested_messages_render_in_the_same_language() {
    let inner = msg::url_empty();
    let outer = msg::config_invalid(msg::verbatim("DATABASE_URL".to_string()), inner);
    assert_eq!(Lang::En.render(&outer), "DATABASE_URL: the value is empty");
    assert_eq!(Lang::Ru.render(&outer), "DATABASE_URL: значение пустое");
}

/// The glossary: where English uses a term, Russian uses the chosen
/// translation, and no rejected alternative appears anywhere.
#[test]
fn russian_catalog_keeps_to_the_glossary() {
    let glossary = include_str!("../../i18n/glossary.tsv");
    let en = SOURCES[0].1.to_lowercase();
    let ru = SOURCES[1].1.to_lowercase();
    let mut rows = 0;
    for line in glossary
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let columns: Vec<&str> = line.split('\t').collect();
        let [english, russian, stem, rejected] = columns[..] else {
            panic!("glossary line needs 4 tab-separated columns: {line}");
        };
        rows += 1;
        if en.contains(&english.to_lowercase()) {
            assert!(
                ru.contains(&stem.to_lowercase()),
                "en.ftl says `{english}`, ru.ftl never uses `{russian}`"
            );
        }
        for alternative in rejected.split('|').map(str::trim).filter(|a| !a.is_empty()) {
            assert!(
                !contains_word(&ru, &alternative.to_lowercase()),
                "ru.ftl uses `{alternative}`; the glossary says `{russian}`"
            );
        }
    }
    assert!(rows >= 5);
}

/// `needle` as a whole word or phrase: no letter right before or after.
fn contains_word(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphabetic) && !after.is_some_and(char::is_alphabetic)
    })
}

/// Runs of three or more English words, one of them a function word
/// ("the", "is", "not"…: what makes words a sentence rather than a
/// command, a name or a list of values), outside code spans (`…`) and
/// quotes («…», where the Russian catalog keeps a server's or a console's
/// own words). Tokens with a digit or a character such as `_./:=@$%<>`
/// (identifiers, commands, paths, hosts, URLs) break a run. A test in
/// `tests/lang.rs` scans whole reports the same way.
fn english_runs(text: &str) -> Vec<String> {
    let mut plain = String::new();
    let mut closing: Option<char> = None;
    for c in text.chars() {
        match closing {
            Some(end) if c == end => closing = None,
            Some(_) => {}
            None if c == '`' => closing = Some('`'),
            None if c == '«' => closing = Some('»'),
            None => plain.push(c),
        }
    }
    let mut runs = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    for token in plain.split_whitespace() {
        let word = token.trim_matches(|c: char| ",;:!?()[]\"'.—".contains(c));
        // All capitals: an acronym or SQL (`GRANT CONNECT ON DATABASE`).
        let english = word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && word.len() > 1
            && word.chars().any(|c| c.is_ascii_lowercase())
            && word
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '\'' || c == '-');
        if english {
            run.push(word);
            continue;
        }
        if run.len() >= 3 {
            runs.push(run.join(" "));
        }
        run.clear();
    }
    if run.len() >= 3 {
        runs.push(run.join(" "));
    }
    runs.retain(|run| run.split(' ').any(is_function_word));
    runs
}

fn is_function_word(word: &str) -> bool {
    const WORDS: &[&str] = &[
        "a", "an", "the", "is", "are", "was", "were", "be", "been", "to", "of", "in", "on", "for",
        "with", "not", "no", "and", "or", "but", "by", "from", "at", "as", "if", "it", "its",
        "this", "that", "these", "has", "have", "does", "do", "can", "cannot", "will", "would",
        "should", "must", "than", "then", "there", "which", "who", "what", "when", "where",
        "while", "you", "your", "we", "they", "their",
    ];
    WORDS.contains(&word.to_ascii_lowercase().as_str())
}

#[test]
fn the_english_sentence_detector_finds_sentences_not_names() {
    assert_eq!(
        english_runs("причина: the server closed the connection"),
        ["the server closed the connection"]
    );
    assert!(english_runs("используйте `sorry, too many clients already`").is_empty());
    assert!(english_runs("ответ «Tenant or user not found» значит").is_empty());
    assert!(english_runs("railway logs --service Postgres").is_empty());
    assert!(english_runs("railway variable set JWT_SECRET_KEY=…").is_empty());
    assert!(english_runs("disable, allow, prefer, require").is_empty());
    assert!(english_runs("https://docs.railway.com/reference/tcp-proxy").is_empty());
}

/// Every Russian message, rendered, is Russian: English appears only as
/// names, identifiers, commands, code spans and quoted words.
#[test]
fn russian_catalog_has_no_english_sentences() {
    let (_, source) = SOURCES[1];
    let resource = FluentResource::try_new(source.to_string()).unwrap();
    let mut bundle = FluentBundle::new_concurrent(vec![Lang::Ru.tag().parse().unwrap()]);
    bundle.set_use_isolating(false);
    bundle.add_resource(resource).unwrap();
    let mut found = Vec::new();
    for (id, vars) in declared() {
        let mut args = FluentArgs::new();
        for var in &vars {
            args.set(var.as_str(), 2);
        }
        let (name, attribute) = match id.split_once('.') {
            Some((name, attribute)) => (name, Some(attribute)),
            None => (id.as_str(), None),
        };
        let message = bundle.get_message(name).unwrap();
        let pattern = match attribute {
            Some(attribute) => message.get_attribute(attribute).unwrap().value(),
            None => message.value().unwrap(),
        };
        let text = bundle.format_pattern(pattern, Some(&args), &mut Vec::new());
        for run in english_runs(&text) {
            found.push(format!("{id}: {run}"));
        }
    }
    assert!(found.is_empty(), "English in ru.ftl:\n{}", found.join("\n"));
}

/// railconn's own reasons travel inside `io::Error` as messages, rendered
/// in the run's language when shown; the system's words stay as they are.
#[test]
fn io_errors_keep_railconn_reasons_as_messages() {
    let ours = super::io_error(std::io::ErrorKind::InvalidInput, msg::not_a_regular_file());
    let reason = super::io_reason(&ours);
    assert_eq!(reason, msg::not_a_regular_file());
    assert_eq!(Lang::Ru.render(&reason), "не обычный файл");
    let system = std::io::Error::from(std::io::ErrorKind::NotFound);
    assert_eq!(super::io_reason(&system).id(), "verbatim");
}

/// A Russian sentence names a file error by its errno in Russian, as
/// `tcp_failed` does for sockets, instead of quoting the English
/// "No such file or directory (os error 2)"; an errno without a message
/// keeps the system's words.
#[test]
fn os_errors_are_named_by_errno_in_the_runs_language() {
    let missing = std::io::Error::from_raw_os_error(libc::ENOENT);
    let reason = super::io_reason(&missing);
    assert_eq!(
        Lang::Ru.render(&reason),
        "нет такого файла или каталога (ENOENT)"
    );
    assert_eq!(
        Lang::En.render(&reason),
        "no such file or directory (ENOENT)"
    );
    let odd = std::io::Error::from_raw_os_error(libc::EXDEV);
    assert_eq!(super::io_reason(&odd).id(), "verbatim");
}

/// Connect errors are named by their errno in the run's language; the
/// system's words remain for the rest.
#[test]
fn connect_errors_are_named_by_errno() {
    let addr = "127.0.0.1:1".parse().unwrap();
    let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    let refused = crate::net::tcp::tcp_failed(addr, &refused);
    assert_eq!(
        Lang::Ru.render(&refused),
        "127.0.0.1:1: в подключении отказано (ECONNREFUSED)"
    );
    let odd = crate::net::tcp::tcp_failed(addr, &std::io::Error::other("odd"));
    assert_eq!(Lang::Ru.render(&odd), "127.0.0.1:1: odd");
}

#[test]
fn settings_are_whole_units_and_measurements_keep_their_digits() {
    use std::time::Duration;
    let ru = |d: Duration| Lang::Ru.duration(d);
    assert_eq!(ru(Duration::from_secs(5)), "5 с");
    assert_eq!(ru(Duration::from_secs(120)), "2 мин");
    assert_eq!(Lang::En.duration(Duration::from_secs(7200)), "2 h");
    assert_eq!(ru(Duration::from_millis(1500)), "1,5 с");
    assert_eq!(ru(Duration::from_micros(1_503_200)), "1,50 с");
    assert_eq!(Lang::En.duration(Duration::from_millis(250)), "250 ms");
}

/// Under `--public` the checked variable is the public one: its advice must
/// not suggest a Railway reference of it to itself, nor the public URL as
/// the app's variable inside Railway (walkthrough of 2026-12-02).
#[test]
fn public_variables_get_their_own_fix() {
    for lang in [Lang::En, Lang::Ru] {
        let missing = msg::advice_pg_missing_config().naming("DATABASE_PUBLIC_URL");
        let fix = lang.render(&missing.fix);
        assert!(
            fix.contains("railway variable list --service Postgres"),
            "{fix}"
        );
        assert!(!fix.contains("DATABASE_PUBLIC_URL=$"), "{fix}");
        let closed = msg::tip_railway_proxy_closed_redis().naming("REDIS_PUBLIC_URL");
        let fix = lang.render(&closed.fix);
        assert!(fix.contains("REDIS_URL=${{Redis.REDIS_URL}}"), "{fix}");
        assert!(!fix.contains("REDIS_PUBLIC_URL=$"), "{fix}");
        let default = msg::advice_redis_missing_config().naming("REDIS_URL");
        let fix = lang.render(&default.fix);
        assert!(fix.contains("REDIS_URL=${{Redis.REDIS_URL}}"), "{fix}");
    }
}

/// Railway's CLI is written one way, its current one (`railway variable
/// set KEY=VALUE`, `railway variable list --kv`): fixes said both
/// `railway variables set KEY=…` and `railway variables --set "KEY=…"`,
/// forms the CLI keeps only for compatibility (issue 23).
#[test]
fn railway_commands_have_one_current_form() {
    for (name, catalog) in [
        ("en.ftl", include_str!("../../i18n/en.ftl")),
        ("ru.ftl", include_str!("../../i18n/ru.ftl")),
    ] {
        for legacy in ["railway variables", "railway vars ", "--set \""] {
            assert!(!catalog.contains(legacy), "{name} uses `{legacy}`");
        }
        assert!(
            catalog.contains("railway variable set JWT_SECRET_KEY="),
            "{name}"
        );
    }
}

/// A moment inside a sentence is written as the language writes dates,
/// UTC to the minute: «действует до 2026-12-28T04:09:28Z» read as a raw
/// timestamp (issue 23).
#[test]
fn moments_are_written_per_language() {
    let at = 1_798_430_968; // 2026-12-28T04:09:28Z
    assert_eq!(Lang::En.moment(at), "2026-12-28 04:09 UTC");
    assert_eq!(Lang::Ru.moment(at), "28.12.2026 04:09 UTC");
    let soon = msg::cert_expires_soon(3, crate::i18n::Arg::Time(at));
    assert!(Lang::Ru.render(&soon).contains("(28.12.2026 04:09 UTC)"));
    assert_eq!(Lang::En.moment(i64::MAX), i64::MAX.to_string());
}

/// Phrasings a native reader flagged in the Russian catalog (issue 23):
/// colon-label calques, a Unix «signal» for a TLS alert, «каждые 1 мин»
/// and «раз в 1 мин» where Russian says «раз в минуту» (`every_whole`),
/// a tautology, and translations of English idioms.
const RUSSIAN_BAD_FORMS: &[&str] = &[
    "видно по:",
    "каждые 1 ",
    "раз в {",
    "раз в 1 ",
    "проверяет проверка",
    "пульс",
    "сигналом (alert)",
    "проверено с проверкой",
    "смысл из libpq",
    "не переживают",
    "переходят в память",
    "вне дайно",
    "точка подключения",
    "точку подключения",
    "туториал",
    "pre-deploy команд",
    "драйверов postgresql, redis или jwt",
];

#[test]
fn russian_catalog_avoids_the_flagged_phrasings() {
    let ru = SOURCES[1].1.to_lowercase();
    for bad in RUSSIAN_BAD_FORMS {
        assert!(!ru.contains(bad), "ru.ftl still says `{bad}`");
    }
}

/// Each line of a message's value in `text`, with the message's id:
/// continuation lines (variants, attributes) keep the id above them.
fn lines_by_id(text: &str) -> Vec<(&str, &str)> {
    let mut id = "";
    let mut lines = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some((name, value)) = line.split_once(" =").filter(|_| !line.starts_with(' ')) {
            id = name;
            lines.push((id, value.trim_start()));
        } else {
            lines.push((id, line));
        }
    }
    lines
}

/// A headline or a label is one statement: «Итог: деплоить нельзя: 2 …»
/// chains two colons, where a dash or a restructured phrase reads
/// naturally, in both languages.
#[test]
fn labels_and_verdicts_chain_no_colons() {
    let headline = |id: &str| {
        ["label_", "verdict_", "page_headline_", "page_title"]
            .iter()
            .any(|prefix| id.starts_with(prefix))
            || id == "allowed"
    };
    for (_, text) in SOURCES {
        for (id, line) in lines_by_id(text).into_iter().filter(|(id, _)| headline(id)) {
            assert!(line.matches(':').count() <= 1, "{id}: {line}");
        }
    }
}

/// The report's labels and table headers start with a capital letter, as
/// the seed report writes them (**Ошибка**, **Причина**, **Решение**).
#[test]
fn russian_labels_and_headers_are_capitalised() {
    let ru = lines_by_id(SOURCES[1].1);
    let capital = |s: &str| {
        s.trim_start_matches(['|', ' '])
            .starts_with(char::is_uppercase)
    };
    for (id, value) in &ru {
        let header = id.starts_with("page_column_") || *id == "markdown_table_header";
        let label = [
            "label_error",
            "label_cause",
            "label_fix",
            "label_source",
            "label_provider",
        ]
        .contains(id);
        if header || label {
            for cell in value.split('|').map(str::trim).filter(|c| !c.is_empty()) {
                assert!(capital(cell), "{id}: {value}");
            }
        }
    }
}

/// One rule for a variable's gender: «переменная X не задана», never
/// «X не задан» (the name alone has no gender in Russian).
#[test]
fn russian_names_variables_as_feminine() {
    let ru = SOURCES[1].1;
    for (at, _) in ru.match_indices(" не задан") {
        let after = ru[at + " не задан".len()..].chars().next();
        let name = ru[..at].rsplit(' ').next().unwrap_or_default();
        let is_variable = name.len() > 2
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        assert!(
            !is_variable || after.is_some_and(char::is_alphabetic),
            "ru.ftl: `{name} не задан`; write «переменная {name} не задана»"
        );
        if is_variable {
            let before = &ru[..at - name.len()];
            assert!(
                before.ends_with("переменная "),
                "ru.ftl: `{name} не задан…` without «переменная»"
            );
        }
    }
}

/// An interval is said as each language says how often: «раз в минуту»,
/// «каждую 21 с», «каждые 5 мин» with Russian plurals, never «раз в 1 мин»
/// (issue 23).
#[test]
fn intervals_read_as_how_often() {
    use std::time::Duration;
    let ru = |secs: f64| Lang::Ru.render(&crate::i18n::msg::every(Duration::from_secs_f64(secs)));
    let en = |secs: f64| Lang::En.render(&crate::i18n::msg::every(Duration::from_secs_f64(secs)));
    assert_eq!(ru(60.0), "раз в минуту");
    assert_eq!(ru(1.0), "раз в секунду");
    assert_eq!(ru(3600.0), "раз в час");
    assert_eq!(ru(30.0), "каждые 30 с");
    assert_eq!(ru(21.0), "каждую 21 с");
    assert_eq!(ru(11.0), "каждые 11 с");
    assert_eq!(ru(300.0), "каждые 5 мин");
    assert_eq!(ru(21.0 * 3600.0), "каждый 21 ч");
    assert_eq!(ru(1.5), "каждые 1,5 с");
    assert_eq!(ru(0.25), "каждые 250 мс");
    assert_eq!(en(60.0), "every minute");
    assert_eq!(en(30.0), "every 30 s");
    assert_eq!(en(1.5), "every 1.5 s");
}
