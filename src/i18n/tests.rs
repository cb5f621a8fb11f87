//! The catalogs against the code and each other: same ids, the variables
//! the code passes, the glossary's terms, plural forms.

use std::collections::{BTreeMap, BTreeSet};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use fluent_syntax::ast;

use super::catalog::SOURCES;
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
        uses.insert(format!("{id}.cause"), BTreeSet::new());
        uses.insert(format!("{id}.fix"), BTreeSet::new());
    }
    uses
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
        let unused: Vec<_> = passed.difference(used).collect();
        assert!(unused.is_empty(), "en {id} ignores {unused:?}");
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
    assert_eq!(ru(1), "Итог: деплоить нельзя: 1 критическая проблема");
    assert_eq!(ru(2), "Итог: деплоить нельзя: 2 критические проблемы");
    assert_eq!(ru(5), "Итог: деплоить нельзя: 5 критических проблем");
    assert_eq!(ru(21), "Итог: деплоить нельзя: 21 критическая проблема");
    assert_eq!(
        Lang::En.render(&msg::verdict_not_ready(2)),
        "Verdict: not ready: 2 critical problems"
    );
    assert_eq!(
        Lang::Ru.render(&msg::verdict_ready(0)),
        "Итог: можно деплоить"
    );
}

#[test]
fn rendering_adds_no_bidi_marks_and_localises_numbers() {
    let text = Lang::Ru.render(&msg::dns_timeout(
        "db.invalid",
        std::time::Duration::from_millis(1500),
    ));
    assert_eq!(text, "нет ответа для db.invalid за 1,50 с");
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
    let outer = msg::config_invalid("DATABASE_URL", inner);
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
