//! Which checks run and how they gate: `--only`, `--skip` and `--optional`
//! take check names (`postgres`, `CELERY_BROKER_URL`) or `kind:KIND` for
//! every check of a kind. A name no check has is not an error — the same
//! command line runs in CI and in the pre-deploy, where different variables
//! are set — but a warning the command prints.

use crate::i18n::{Message, msg, typed_value};
use crate::model::{CheckName, Code, FindingCode};
use crate::service::Kind;

/// One item of `--only`, `--skip` or `--optional`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selector {
    Name(String),
    Kind(Kind),
}

impl Selector {
    /// Reads one item; the problem is said in the run's language (so it is
    /// read after clap, as `--resolve` is).
    pub(crate) fn parse(text: &str) -> Result<Self, Message> {
        let text = text.trim();
        if let Some(kind) = kind_part(text) {
            return Kind::from_name(&kind.to_ascii_lowercase())
                .map(Selector::Kind)
                .ok_or_else(|| {
                    if kind.contains(':') {
                        // Not a kind, and perhaps a URL with its password.
                        msg::selector_unknown_kind()
                    } else {
                        msg::selector_bad_kind(typed_value(kind))
                    }
                });
        }
        if text.is_empty() {
            return Err(msg::selector_empty());
        }
        Ok(Selector::Name(text.to_string()))
    }

    fn selects(&self, name: CheckName, also: &[&str], kind: Kind) -> bool {
        match self {
            Selector::Name(wanted) => {
                names(wanted, name.as_str()) || also.iter().any(|a| names(wanted, a))
            }
            Selector::Kind(wanted) => *wanted == kind,
        }
    }
}

/// What follows `kind:`, written in any case (`KIND:redis`): no check
/// name holds a `:`, so it is never a name.
fn kind_part(text: &str) -> Option<&str> {
    text.get(..5)
        .filter(|prefix| prefix.eq_ignore_ascii_case("kind:"))
        .map(|_| &text[5..])
}

/// Whether the name `wanted` (of `--only`, `--skip`, `--optional`,
/// `--allow`) names check `name`: itself, or, for a variable holding a
/// failover list, each of its URLs (`CELERY_BROKER_URL` names
/// `CELERY_BROKER_URL.1` and `CELERY_BROKER_URL.2`; see `scan.rs`).
/// A check renamed for a clash (`NAME#2`, see `Config::resolve`) is
/// named by what NAME names too.
fn names(wanted: &str, name: &str) -> bool {
    let renamed_from = name
        .rsplit_once('#')
        .filter(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map(|(base, _)| base);
    is_or_part(wanted, name) || renamed_from.is_some_and(|base| is_or_part(wanted, base))
}

fn is_or_part(wanted: &str, name: &str) -> bool {
    name == wanted
        || name
            .strip_prefix(wanted)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// One `--allow CODE[@CHECK]`: a known failure or finding to accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Allowance {
    pub code: Allowed,
    /// The check it applies to; every check when `None`.
    pub check: Option<String>,
}

/// The code an allowance names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Allowed {
    Failure(Code),
    Finding(FindingCode),
}

impl Allowance {
    /// Reads one `--allow` value; the problem in the run's language.
    pub(crate) fn parse(text: &str) -> Result<Self, Message> {
        let (code, check) = match text.trim().split_once('@') {
            Some((code, check)) => (code, Some(check)),
            None => (text.trim(), None),
        };
        if code.is_empty() || check.is_some_and(str::is_empty) {
            return Err(msg::allow_form());
        }
        let failure = Code::ALL.iter().find(|c| c.as_str() == code);
        let finding = FindingCode::ALL.iter().find(|c| c.as_str() == code);
        let code = match (failure, finding) {
            (Some(&c), _) => Allowed::Failure(c),
            (None, Some(&c)) => Allowed::Finding(c),
            (None, None) => return Err(msg::allow_bad_code(typed_value(code))),
        };
        Ok(Allowance {
            code,
            check: check.map(str::to_string),
        })
    }
}

/// One check to run, with whether its failure fails the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Selected {
    pub name: CheckName,
    pub required: bool,
}

/// Which checks run and how their results gate the deploy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Selection {
    pub only: Vec<Selector>,
    pub skip: Vec<Selector>,
    pub optional: Vec<Selector>,
    /// `--allow`: failures and findings accepted as notes.
    pub allow: Vec<Allowance>,
}

impl Selection {
    /// Whether the check `name` of `kind` runs, and how it gates. `also`:
    /// the variables holding the check's value. `--only` selects by them
    /// too (a `CACHE_URL` equal to `REDIS_URL` is the `redis` check), but
    /// `--skip` and `--optional` act on check names only: skipping the
    /// cache must not silently drop the required `REDIS_URL` it shares a
    /// URL with (see [`Self::merged_names`]).
    pub(crate) fn select(&self, name: CheckName, also: &[&str], kind: Kind) -> Option<Selected> {
        let any = |list: &[Selector], also| list.iter().any(|s| s.selects(name, also, kind));
        let runs = (self.only.is_empty() || any(&self.only, also)) && !any(&self.skip, &[]);
        runs.then(|| Selected {
            name,
            required: !any(&self.optional, &[]),
        })
    }

    /// Whether `--allow` accepts `code` on check `name`.
    pub(crate) fn allows(&self, name: CheckName, code: Allowed) -> bool {
        self.allow
            .iter()
            .any(|a| a.code == code && a.check.as_deref().is_none_or(|c| names(c, name.as_str())))
    }

    /// The check names given in `lists` and in `--allow CODE@NAME`.
    fn names_in<'a>(&'a self, lists: &[&'a Vec<Selector>]) -> impl Iterator<Item = &'a str> {
        let allowed = self.allow.iter().filter_map(|a| a.check.as_deref());
        lists
            .iter()
            .flat_map(|list| list.iter())
            .filter_map(|s| match s {
                Selector::Name(name) => Some(name.as_str()),
                Selector::Kind(_) => None,
            })
            .chain(allowed)
    }

    /// The names in `--skip`, `--optional` and `--allow` that are no check
    /// of `checks` but a variable merged into one, with that check: they
    /// change nothing, and the warning says which name would.
    pub(crate) fn merged_names<'a>(
        &'a self,
        checks: &[(CheckName, Vec<&str>)],
    ) -> Vec<(&'a str, CheckName)> {
        let mut merged: Vec<(&str, CheckName)> = self
            .names_in(&[&self.skip, &self.optional])
            .filter(|name| !checks.iter().any(|(c, _)| names(name, c.as_str())))
            .filter_map(|name| {
                let (check, _) = checks
                    .iter()
                    .find(|(_, also)| also.iter().any(|a| names(name, a)))?;
                Some((name, *check))
            })
            .collect();
        merged.dedup();
        merged
    }

    /// The names in the lists that no check of `checks` has, by its name
    /// or by a variable holding its value.
    pub(crate) fn unknown_names(&self, checks: &[(CheckName, Vec<&str>)]) -> Vec<&str> {
        let known = |name: &str| {
            checks.iter().any(|(check, also)| {
                names(name, check.as_str()) || also.iter().any(|a| names(name, a))
            })
        };
        let mut unknown: Vec<&str> = self
            .names_in(&[&self.only, &self.skip, &self.optional])
            .filter(|name| !known(name))
            .collect();
        unknown.dedup();
        unknown
    }
}

/// The check an unknown `name` probably meant, for the warning to
/// suggest: the one it names when case is ignored (`celery_broker_url`),
/// else the nearest in spelling if it is near (Jaro-Winkler, as clap
/// suggests flags).
pub(crate) fn nearest<'a>(name: &str, checks: &[&'a str]) -> Option<&'a str> {
    let wanted = name.to_ascii_lowercase();
    let by_case = checks.iter().find_map(|check| {
        // ASCII lowercasing keeps byte lengths: the prefix is the base
        // name of a failover list's `NAME.2`.
        names(&wanted, &check.to_ascii_lowercase()).then(|| &check[..wanted.len()])
    });
    by_case.or_else(|| {
        checks
            .iter()
            .map(|check| {
                let score = strsim::jaro_winkler(&wanted, &check.to_ascii_lowercase());
                (score, *check)
            })
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, check)| check)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A check renamed for a clash is selected by the name it shares.
    #[test]
    fn a_renamed_check_answers_to_its_name() {
        assert!(names("CACHE_URL", "CACHE_URL#2"));
        assert!(names("CACHE_URL#2", "CACHE_URL#2"));
        assert!(names("BROKER", "BROKER.1#2"));
        assert!(!names("CACHE_URL", "CACHE_URL#x"));
        assert!(!names("CACHE", "CACHE_URL#2"));
    }

    fn selectors(list: &[&str]) -> Vec<Selector> {
        list.iter().map(|s| Selector::parse(s).unwrap()).collect()
    }

    #[test]
    fn names_and_kinds_select_checks() {
        let celery = CheckName::named("CELERY_BROKER_URL");
        let selection = Selection {
            only: selectors(&["kind:redis", "jwt"]),
            optional: selectors(&["redis"]),
            ..Selection::default()
        };
        assert_eq!(
            selection.select(CheckName::POSTGRES, &[], Kind::Postgresql),
            None
        );
        assert!(
            !selection
                .select(CheckName::REDIS, &[], Kind::Redis)
                .unwrap()
                .required
        );
        assert!(selection.select(celery, &[], Kind::Redis).unwrap().required);
        assert!(selection.select(CheckName::JWT, &[], Kind::Jwt).is_some());
    }

    /// `CACHE_URL` holding `REDIS_URL`'s value is one check, `redis`:
    /// `--only CACHE_URL` selects it, but `--skip`, `--optional` and
    /// `--allow` with that name change nothing and are reported as merged
    /// (skipping the cache must not drop the required `REDIS_URL`).
    #[test]
    fn a_variable_merged_into_a_check_selects_it_and_gates_nothing() {
        let also = ["REDIS_URL", "CACHE_URL"];
        let only = Selection {
            only: selectors(&["CACHE_URL"]),
            ..Selection::default()
        };
        assert!(only.select(CheckName::REDIS, &also, Kind::Redis).is_some());
        assert!(only.select(CheckName::REDIS, &[], Kind::Redis).is_none());
        let gating = Selection {
            skip: selectors(&["CACHE_URL"]),
            optional: selectors(&["CACHE_URL"]),
            allow: vec![Allowance::parse("connection_refused@CACHE_URL").unwrap()],
            ..Selection::default()
        };
        let redis = gating.select(CheckName::REDIS, &also, Kind::Redis).unwrap();
        assert!(redis.required);
        assert!(!gating.allows(CheckName::REDIS, Allowed::Failure(Code::ConnectionRefused)));
        let checks = [(CheckName::REDIS, also.to_vec())];
        assert_eq!(
            gating.merged_names(&checks),
            [("CACHE_URL", CheckName::REDIS)]
        );
        assert!(gating.unknown_names(&checks).is_empty());
    }

    #[test]
    fn allowances_name_a_code_and_maybe_a_check() {
        let cache = CheckName::named("CACHE_URL");
        let selection = Selection {
            allow: vec![
                Allowance::parse("no_tables").unwrap(),
                Allowance::parse("connection_refused@CACHE_URL").unwrap(),
            ],
            ..Selection::default()
        };
        let refused = Allowed::Failure(Code::ConnectionRefused);
        assert!(selection.allows(cache, refused));
        assert!(!selection.allows(CheckName::REDIS, refused));
        assert!(selection.allows(CheckName::POSTGRES, Allowed::Finding(FindingCode::NoTables)));
        for bad in ["", "@redis", "no_tables@", "nope", "nope@redis"] {
            assert!(Allowance::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_kinds_are_errors_and_unknown_names_are_listed() {
        assert!(Selector::parse("kind:mongodb").is_err());
        assert!(Selector::parse("").is_err());
        let selection = Selection {
            skip: selectors(&["CELERY_BROKER_URL", "postgres"]),
            ..Selection::default()
        };
        assert_eq!(
            selection.unknown_names(&CheckName::DEFAULTS.map(|c| (c, Vec::new()))),
            ["CELERY_BROKER_URL"]
        );
    }

    #[test]
    fn an_unknown_name_gets_the_check_it_probably_meant() {
        let checks = [
            "postgres",
            "redis",
            "jwt",
            "CELERY_BROKER_URL",
            "CACHE_URL.1",
        ];
        assert_eq!(
            nearest("celery_broker_url", &checks),
            Some("CELERY_BROKER_URL")
        );
        assert_eq!(nearest("cache_url", &checks), Some("CACHE_URL"));
        assert_eq!(
            nearest("CELERY_BROKR_URL", &checks),
            Some("CELERY_BROKER_URL")
        );
        assert_eq!(nearest("Postgres", &checks), Some("postgres"));
        assert_eq!(nearest("SENTRY_DSN", &checks), None);
    }

    #[test]
    fn a_variable_names_every_url_of_its_failover_list() {
        assert!(names("CELERY_BROKER_URL", "CELERY_BROKER_URL.2"));
        assert!(names("CELERY_BROKER_URL.2", "CELERY_BROKER_URL.2"));
        assert!(!names("CELERY_BROKER_URL.2", "CELERY_BROKER_URL.1"));
        assert!(!names("CELERY", "CELERY_BROKER_URL.1"));
        assert!(!names("CELERY_BROKER_URL", "CELERY_BROKER_URL.x"));
    }
}
