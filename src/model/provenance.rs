//! Where a check's value came from, as data: which variable (or flag, or
//! component variables), and whether the process environment or which
//! `.env` file set it. Reports, `env` and the hygiene findings read the
//! parts; only the renderers turn them into words (issue 9: provenance is
//! data, not a display string parsed back).

use std::path::{Path, PathBuf};

use crate::i18n::{Message, msg};

/// Where one variable's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Process,
    File(PathBuf),
}

impl Origin {
    /// `environment`, or the file's path.
    pub fn message(&self) -> Message {
        match self {
            Origin::Process => msg::origin_environment(),
            Origin::File(path) => msg::verbatim(path.display().to_string()),
        }
    }

    /// Whether this is `file` (the whole path, not a part of it: `.env`
    /// is inside `.env.local`).
    pub(crate) fn is_file(&self, file: &Path) -> bool {
        matches!(self, Origin::File(path) if path == file)
    }
}

/// In JSON, the description in the report's language.
impl serde::Serialize for Origin {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.message().serialize(serializer)
    }
}

/// One variable a value was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub variable: String,
    pub origin: Origin,
}

/// Where a check's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// A command-line flag: `--database-url`, `--redis-url`, `--target`.
    Flag(&'static str),
    /// Variables holding the same value, the check's own first.
    Variables(Vec<Variable>),
    /// A URL built from component variables (`PGHOST`, `PGUSER`…), the
    /// host's variable first, with the host variable's origin.
    Components {
        names: Vec<&'static str>,
        origin: Origin,
    },
    /// Nothing set: the default (the JWT algorithm).
    Default,
}

impl Provenance {
    /// One variable.
    pub(crate) fn variable(name: &str, origin: Origin) -> Self {
        Provenance::Variables(vec![Variable {
            variable: name.to_string(),
            origin,
        }])
    }

    /// Names another variable that holds the same value.
    pub(crate) fn also(&mut self, variable: Variable) {
        if let Provenance::Variables(variables) = self {
            variables.push(variable);
        }
    }

    /// The variables holding the value, the check's own first: the other
    /// names a selection may call the check by (`CACHE_URL` for the
    /// `redis` check when both hold the same URL).
    pub(crate) fn variable_names(&self) -> Vec<&str> {
        match self {
            Provenance::Variables(variables) => {
                variables.iter().map(|v| v.variable.as_str()).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Every origin the value was read from.
    pub(crate) fn origins(&self) -> Vec<&Origin> {
        match self {
            Provenance::Variables(variables) => variables.iter().map(|v| &v.origin).collect(),
            Provenance::Components { origin, .. } => vec![origin],
            Provenance::Flag(_) | Provenance::Default => Vec::new(),
        }
    }

    /// `DATABASE_URL (.env)`, `CELERY_BROKER_URL (environment),
    /// CELERY_RESULT_BACKEND (.env)`, `PGHOST, PGUSER (.env)`,
    /// `--database-url`.
    pub(crate) fn message(&self) -> Message {
        match self {
            Provenance::Flag(flag) => msg::verbatim((*flag).to_string()),
            Provenance::Variables(variables) => list(variables.iter().map(|v| {
                msg::source_variable(msg::verbatim(v.variable.clone()), v.origin.message())
            })),
            Provenance::Components { names, origin } => {
                let names = list(names.iter().map(|n| msg::verbatim((*n).to_string())));
                msg::source_variable(names, origin.message())
            }
            Provenance::Default => msg::env_default(),
        }
    }
}

/// `a, b, c` in the catalog's list form.
pub(crate) fn list(items: impl IntoIterator<Item = Message>) -> Message {
    balanced(items, msg::listed)
}

/// The items joined pairwise by `join` (a message of two, `{ $first }, {
/// $second }`) as a balanced tree built level by level: the message nests
/// as deep as the logarithm of the number of items, not as the number. A
/// list folded item by item nested once per item, and rendering, cloning
/// or dropping it recursed as deep: 16,000 variables sharing one URL
/// overflowed the stack (issue 18).
pub(crate) fn balanced(
    items: impl IntoIterator<Item = Message>,
    join: fn(Message, Message) -> Message,
) -> Message {
    let mut level: Vec<Message> = items.into_iter().collect();
    while level.len() > 1 {
        let mut items = level.into_iter();
        let mut pairs = Vec::with_capacity(items.len().div_ceil(2));
        while let Some(first) = items.next() {
            pairs.push(match items.next() {
                Some(second) => join(first, second),
                None => first,
            });
        }
        level = pairs;
    }
    level.pop().unwrap_or_default()
}

/// In JSON, the description in the report's language (the schema's
/// `source` string).
impl serde::Serialize for Provenance {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.message().serialize(serializer)
    }
}

/// A variable whose URL no check reads: discovery names it (`config`),
/// the report lists it. Shared vocabulary, so neither room imports the
/// other for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct NotChecked {
    pub variable: String,
    /// The URL's scheme, e.g. `mysql` or `mongodb+srv`.
    pub scheme: String,
    /// Where the variable was set: `environment` or the `.env` file.
    pub origin: Origin,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn file(path: &str) -> Origin {
        Origin::File(PathBuf::from(path))
    }

    #[test]
    fn each_kind_of_provenance_reads_as_before() {
        let mut both = Provenance::variable("CELERY_BROKER_URL", Origin::Process);
        both.also(Variable {
            variable: "CELERY_RESULT_BACKEND".to_string(),
            origin: file(".env"),
        });
        let components = Provenance::Components {
            names: vec!["PGHOST", "PGUSER"],
            origin: file(".env"),
        };
        let cases = [
            (
                both,
                "CELERY_BROKER_URL (environment), CELERY_RESULT_BACKEND (.env)",
                "CELERY_BROKER_URL (окружение), CELERY_RESULT_BACKEND (.env)",
            ),
            (components, "PGHOST, PGUSER (.env)", "PGHOST, PGUSER (.env)"),
            (
                Provenance::Flag("--database-url"),
                "--database-url",
                "--database-url",
            ),
        ];
        for (provenance, en, ru) in cases {
            assert_eq!(Lang::En.render(&provenance.message()), en);
            assert_eq!(Lang::Ru.render(&provenance.message()), ru);
        }
    }

    /// A long list reads as the fold did, in order, and nests only as
    /// deep as the logarithm of its length.
    #[test]
    fn a_list_keeps_its_order_and_nests_shallowly() {
        fn depth(message: &Message) -> usize {
            let inner = message.args().iter().filter_map(|(_, arg)| match arg {
                crate::i18n::Arg::Msg(inner) => Some(depth(inner)),
                _ => None,
            });
            1 + inner.max().unwrap_or(0)
        }
        let items = |n: usize| (0..n).map(|i| msg::verbatim(i.to_string()));
        assert_eq!(Lang::En.render(&list(items(5))), "0, 1, 2, 3, 4");
        assert_eq!(Lang::En.render(&list(items(0))), "");
        assert!(depth(&list(items(20_000))) <= 16);
    }

    /// The hygiene finding asks which checks read a file: the whole path
    /// decides, so `.env` is not `.env.local`.
    #[test]
    fn origins_compare_whole_paths() {
        let provenance = Provenance::variable("DATABASE_URL", file(".env.local"));
        let origins = provenance.origins();
        assert!(origins.iter().any(|o| o.is_file(Path::new(".env.local"))));
        assert!(!origins.iter().any(|o| o.is_file(Path::new(".env"))));
        assert!(Provenance::Flag("--target").origins().is_empty());
    }
}
