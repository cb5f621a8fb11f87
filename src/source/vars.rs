//! Every environment variable railconn reads, declared once (issue 23,
//! as uv declares its own in `uv-static`): its name, its meaning (a
//! catalog message), its kind and the commands that read it. The
//! reference page `docs/environment.md` and the variables in `--help` and
//! the man page are generated from [`ALL`]; code that reads a variable
//! takes its name from here where that was a small change, and a test
//! checks that every name the rest of the code spells is declared here.

use crate::i18n::{Message, msg};

/// One variable railconn reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EnvVar {
    /// The name; `HEROKU_*` stands for a prefix.
    pub name: &'static str,
    /// What it means to railconn, as a catalog message.
    pub meaning: fn() -> Message,
    pub kind: VarKind,
    /// The commands that read it.
    pub commands: &'static [&'static str],
}

/// How a variable's value is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarKind {
    /// A URL: checked, and shown with its password redacted.
    Url,
    /// A secret: never shown.
    Secret,
    /// A PEM key (or a path to one): shown by its form and length only.
    Key,
    /// Shown as it is.
    Plain,
    /// The default of a flag (`--lang`, `--color`, `--listen`): the flag wins.
    FlagDefault,
}

impl VarKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            VarKind::Url => "URL",
            VarKind::Secret => "secret",
            VarKind::Key => "key",
            VarKind::Plain => "plain",
            VarKind::FlagDefault => "flag default",
        }
    }
}

/// The commands that load the variables and build the checks.
const CHECKS: &[&str] = &["check", "wait", "watch", "serve", "env"];
const SERVE: &[&str] = &["serve"];
/// The commands that write a report.
const REPORTS: &[&str] = &["check", "wait"];
const EVERY: &[&str] = &["every command"];

pub(crate) const DATABASE_URL: EnvVar = EnvVar {
    name: "DATABASE_URL",
    meaning: msg::var_database_url,
    kind: VarKind::Url,
    commands: CHECKS,
};

pub(crate) const DATABASE_PRIVATE_URL: EnvVar = EnvVar {
    name: "DATABASE_PRIVATE_URL",
    meaning: msg::var_database_private_url,
    kind: VarKind::Url,
    commands: CHECKS,
};

pub(crate) const DATABASE_PUBLIC_URL: EnvVar = EnvVar {
    name: "DATABASE_PUBLIC_URL",
    meaning: msg::var_database_public_url,
    kind: VarKind::Url,
    commands: CHECKS,
};

pub(crate) const DATABASE_UNPOOLED_URL: EnvVar = EnvVar {
    name: "DATABASE_UNPOOLED_URL",
    meaning: msg::var_database_unpooled_url,
    kind: VarKind::Url,
    commands: CHECKS,
};

pub(crate) const PGHOST: EnvVar = EnvVar {
    name: "PGHOST",
    meaning: msg::var_pghost,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const PGPORT: EnvVar = EnvVar {
    name: "PGPORT",
    meaning: msg::var_pgport,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const PGUSER: EnvVar = EnvVar {
    name: "PGUSER",
    meaning: msg::var_pguser,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const USER: EnvVar = EnvVar {
    name: "USER",
    meaning: msg::var_user,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const PGPASSWORD: EnvVar = EnvVar {
    name: "PGPASSWORD",
    meaning: msg::var_pgpassword,
    kind: VarKind::Secret,
    commands: CHECKS,
};

pub(crate) const PGDATABASE: EnvVar = EnvVar {
    name: "PGDATABASE",
    meaning: msg::var_pgdatabase,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const PGSSLMODE: EnvVar = EnvVar {
    name: "PGSSLMODE",
    meaning: msg::var_pgsslmode,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const PGSSLNEGOTIATION: EnvVar = EnvVar {
    name: "PGSSLNEGOTIATION",
    meaning: msg::var_pgsslnegotiation,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const PGSSLROOTCERT: EnvVar = EnvVar {
    name: "PGSSLROOTCERT",
    meaning: msg::var_pgsslrootcert,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const PGTARGETSESSIONATTRS: EnvVar = EnvVar {
    name: "PGTARGETSESSIONATTRS",
    meaning: msg::var_pgtargetsessionattrs,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const PGREQUIREAUTH: EnvVar = EnvVar {
    name: "PGREQUIREAUTH",
    meaning: msg::var_pgrequireauth,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const REDIS_URL: EnvVar = EnvVar {
    name: "REDIS_URL",
    meaning: msg::var_redis_url,
    kind: VarKind::Url,
    commands: CHECKS,
};

/// Celery's broker: an AMQP URL there is a check of its own (issue 21).
pub(crate) const CELERY_BROKER_URL: EnvVar = EnvVar {
    name: "CELERY_BROKER_URL",
    meaning: msg::var_celery_broker_url,
    kind: VarKind::Url,
    commands: CHECKS,
};

pub(crate) const REDIS_PRIVATE_URL: EnvVar = EnvVar {
    name: "REDIS_PRIVATE_URL",
    meaning: msg::var_redis_private_url,
    kind: VarKind::Url,
    commands: CHECKS,
};

pub(crate) const REDIS_PUBLIC_URL: EnvVar = EnvVar {
    name: "REDIS_PUBLIC_URL",
    meaning: msg::var_redis_public_url,
    kind: VarKind::Url,
    commands: CHECKS,
};

pub(crate) const REDISHOST: EnvVar = EnvVar {
    name: "REDISHOST",
    meaning: msg::var_redishost,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const REDISPORT: EnvVar = EnvVar {
    name: "REDISPORT",
    meaning: msg::var_redisport,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const REDISUSER: EnvVar = EnvVar {
    name: "REDISUSER",
    meaning: msg::var_redisuser,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const REDISPASSWORD: EnvVar = EnvVar {
    name: "REDISPASSWORD",
    meaning: msg::var_redispassword,
    kind: VarKind::Secret,
    commands: CHECKS,
};

pub(crate) const MYSQL_URL: EnvVar = EnvVar {
    name: "MYSQL_URL",
    meaning: msg::var_mysql_url,
    kind: VarKind::Url,
    commands: CHECKS,
};

pub(crate) const MYSQL_PUBLIC_URL: EnvVar = EnvVar {
    name: "MYSQL_PUBLIC_URL",
    meaning: msg::var_mysql_public_url,
    kind: VarKind::Url,
    commands: CHECKS,
};

pub(crate) const JAWSDB_URL: EnvVar = EnvVar {
    name: "JAWSDB_URL",
    meaning: msg::var_jawsdb_url,
    kind: VarKind::Url,
    commands: CHECKS,
};

pub(crate) const CLEARDB_DATABASE_URL: EnvVar = EnvVar {
    name: "CLEARDB_DATABASE_URL",
    meaning: msg::var_cleardb_database_url,
    kind: VarKind::Url,
    commands: CHECKS,
};

pub(crate) const MYSQLHOST: EnvVar = EnvVar {
    name: "MYSQLHOST",
    meaning: msg::var_mysqlhost,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const MYSQLPORT: EnvVar = EnvVar {
    name: "MYSQLPORT",
    meaning: msg::var_mysqlport,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const MYSQLUSER: EnvVar = EnvVar {
    name: "MYSQLUSER",
    meaning: msg::var_mysqluser,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const MYSQLPASSWORD: EnvVar = EnvVar {
    name: "MYSQLPASSWORD",
    meaning: msg::var_mysqlpassword,
    kind: VarKind::Secret,
    commands: CHECKS,
};

pub(crate) const MYSQLDATABASE: EnvVar = EnvVar {
    name: "MYSQLDATABASE",
    meaning: msg::var_mysqldatabase,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const JWT_SECRET_KEY: EnvVar = EnvVar {
    name: "JWT_SECRET_KEY",
    meaning: msg::var_jwt_secret,
    kind: VarKind::Secret,
    commands: CHECKS,
};

pub(crate) const JWT_SECRET: EnvVar = EnvVar {
    name: "JWT_SECRET",
    meaning: msg::var_jwt_secret,
    kind: VarKind::Secret,
    commands: CHECKS,
};

pub(crate) const SECRET_KEY: EnvVar = EnvVar {
    name: "SECRET_KEY",
    meaning: msg::var_jwt_secret,
    kind: VarKind::Secret,
    commands: CHECKS,
};

pub(crate) const JWT_ALGORITHM: EnvVar = EnvVar {
    name: "JWT_ALGORITHM",
    meaning: msg::var_jwt_algorithm,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const ALGORITHM: EnvVar = EnvVar {
    name: "ALGORITHM",
    meaning: msg::var_jwt_algorithm,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const JWT_PRIVATE_KEY: EnvVar = EnvVar {
    name: "JWT_PRIVATE_KEY",
    meaning: msg::var_jwt_private_key,
    kind: VarKind::Secret,
    commands: CHECKS,
};

pub(crate) const JWT_PUBLIC_KEY: EnvVar = EnvVar {
    name: "JWT_PUBLIC_KEY",
    meaning: msg::var_jwt_public_key,
    kind: VarKind::Key,
    commands: CHECKS,
};

pub(crate) const ACCESS_TOKEN_EXPIRE_MINUTES: EnvVar = EnvVar {
    name: "ACCESS_TOKEN_EXPIRE_MINUTES",
    meaning: msg::var_token_lifetime,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const JWT_ACCESS_TOKEN_EXPIRE_MINUTES: EnvVar = EnvVar {
    name: "JWT_ACCESS_TOKEN_EXPIRE_MINUTES",
    meaning: msg::var_token_lifetime,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const RAILWAY_ENVIRONMENT: EnvVar = EnvVar {
    name: "RAILWAY_ENVIRONMENT",
    meaning: msg::var_railway_marker,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const RAILWAY_PROJECT_ID: EnvVar = EnvVar {
    name: "RAILWAY_PROJECT_ID",
    meaning: msg::var_railway_marker,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const RAILWAY_SERVICE_ID: EnvVar = EnvVar {
    name: "RAILWAY_SERVICE_ID",
    meaning: msg::var_railway_marker,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const RAILWAY_ENVIRONMENT_NAME: EnvVar = EnvVar {
    name: "RAILWAY_ENVIRONMENT_NAME",
    meaning: msg::var_railway_name,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const RAILWAY_SERVICE_NAME: EnvVar = EnvVar {
    name: "RAILWAY_SERVICE_NAME",
    meaning: msg::var_railway_name,
    kind: VarKind::Plain,
    commands: SERVE,
};

pub(crate) const RAILWAY_VOLUME_MOUNT_PATH: EnvVar = EnvVar {
    name: "RAILWAY_VOLUME_MOUNT_PATH",
    meaning: msg::var_railway_volume,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const DYNO: EnvVar = EnvVar {
    name: "DYNO",
    meaning: msg::var_heroku,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const HEROKU_PREFIX: EnvVar = EnvVar {
    name: "HEROKU_*",
    meaning: msg::var_heroku,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const NODE_OPTIONS: EnvVar = EnvVar {
    name: "NODE_OPTIONS",
    meaning: msg::var_node_options,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const NODE_EXTRA_CA_CERTS: EnvVar = EnvVar {
    name: "NODE_EXTRA_CA_CERTS",
    meaning: msg::var_node_extra_ca_certs,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const SSL_CERT_FILE: EnvVar = EnvVar {
    name: "SSL_CERT_FILE",
    meaning: msg::var_ssl_cert_file,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const HOME: EnvVar = EnvVar {
    name: "HOME",
    meaning: msg::var_home,
    kind: VarKind::Plain,
    commands: CHECKS,
};

pub(crate) const PORT: EnvVar = EnvVar {
    name: "PORT",
    meaning: msg::var_port,
    kind: VarKind::FlagDefault,
    commands: SERVE,
};

pub(crate) const RAILCONN_SERVE_TOKEN: EnvVar = EnvVar {
    name: "RAILCONN_SERVE_TOKEN",
    meaning: msg::var_serve_token,
    kind: VarKind::Secret,
    commands: SERVE,
};

pub(crate) const GITHUB_STEP_SUMMARY: EnvVar = EnvVar {
    name: "GITHUB_STEP_SUMMARY",
    meaning: msg::var_github_step_summary,
    kind: VarKind::Plain,
    commands: REPORTS,
};

pub(crate) const NO_COLOR: EnvVar = EnvVar {
    name: "NO_COLOR",
    meaning: msg::var_no_color,
    kind: VarKind::FlagDefault,
    commands: EVERY,
};

pub(crate) const FORCE_COLOR: EnvVar = EnvVar {
    name: "FORCE_COLOR",
    meaning: msg::var_force_color,
    kind: VarKind::FlagDefault,
    commands: EVERY,
};

pub(crate) const CLICOLOR_FORCE: EnvVar = EnvVar {
    name: "CLICOLOR_FORCE",
    meaning: msg::var_force_color,
    kind: VarKind::FlagDefault,
    commands: EVERY,
};

pub(crate) const TERM: EnvVar = EnvVar {
    name: "TERM",
    meaning: msg::var_term,
    kind: VarKind::FlagDefault,
    commands: EVERY,
};

pub(crate) const COLUMNS: EnvVar = EnvVar {
    name: "COLUMNS",
    meaning: msg::var_columns,
    kind: VarKind::FlagDefault,
    commands: REPORTS,
};

pub(crate) const LC_ALL: EnvVar = EnvVar {
    name: "LC_ALL",
    meaning: msg::var_locale,
    kind: VarKind::FlagDefault,
    commands: EVERY,
};

pub(crate) const LC_MESSAGES: EnvVar = EnvVar {
    name: "LC_MESSAGES",
    meaning: msg::var_locale,
    kind: VarKind::FlagDefault,
    commands: EVERY,
};

pub(crate) const LANG: EnvVar = EnvVar {
    name: "LANG",
    meaning: msg::var_locale,
    kind: VarKind::FlagDefault,
    commands: EVERY,
};

pub(crate) const RUST_LOG: EnvVar = EnvVar {
    name: "RUST_LOG",
    meaning: msg::var_rust_log,
    kind: VarKind::Plain,
    commands: EVERY,
};

/// Every variable railconn reads, in the order the reference lists them.
pub(crate) const ALL: &[EnvVar] = &[
    DATABASE_URL,
    DATABASE_PRIVATE_URL,
    DATABASE_PUBLIC_URL,
    DATABASE_UNPOOLED_URL,
    PGHOST,
    PGPORT,
    PGUSER,
    USER,
    PGPASSWORD,
    PGDATABASE,
    PGSSLMODE,
    PGSSLNEGOTIATION,
    PGSSLROOTCERT,
    PGTARGETSESSIONATTRS,
    PGREQUIREAUTH,
    REDIS_URL,
    REDIS_PRIVATE_URL,
    REDIS_PUBLIC_URL,
    REDISHOST,
    REDISPORT,
    REDISUSER,
    REDISPASSWORD,
    MYSQL_URL,
    MYSQL_PUBLIC_URL,
    JAWSDB_URL,
    CLEARDB_DATABASE_URL,
    MYSQLHOST,
    MYSQLPORT,
    MYSQLUSER,
    MYSQLPASSWORD,
    MYSQLDATABASE,
    CELERY_BROKER_URL,
    JWT_SECRET_KEY,
    JWT_SECRET,
    SECRET_KEY,
    JWT_ALGORITHM,
    ALGORITHM,
    JWT_PRIVATE_KEY,
    JWT_PUBLIC_KEY,
    ACCESS_TOKEN_EXPIRE_MINUTES,
    JWT_ACCESS_TOKEN_EXPIRE_MINUTES,
    RAILWAY_ENVIRONMENT,
    RAILWAY_PROJECT_ID,
    RAILWAY_SERVICE_ID,
    RAILWAY_ENVIRONMENT_NAME,
    RAILWAY_SERVICE_NAME,
    RAILWAY_VOLUME_MOUNT_PATH,
    DYNO,
    HEROKU_PREFIX,
    NODE_OPTIONS,
    NODE_EXTRA_CA_CERTS,
    SSL_CERT_FILE,
    HOME,
    PORT,
    RAILCONN_SERVE_TOKEN,
    GITHUB_STEP_SUMMARY,
    NO_COLOR,
    FORCE_COLOR,
    CLICOLOR_FORCE,
    TERM,
    COLUMNS,
    LC_ALL,
    LC_MESSAGES,
    LANG,
    RUST_LOG,
];

/// The page `docs/environment.md`, in English (`docs` tests keep the
/// committed file current).
#[cfg(test)]
pub(crate) fn markdown() -> String {
    use crate::i18n::Lang;
    use std::fmt::Write as _;
    let mut out = String::from(
        "# Environment variables\n\n\
         <!-- Generated from src/source/vars.rs and i18n/en.ftl by \
         `UPDATE_DOCS=1 cargo test docs`; do not edit. -->\n\n\
         Every variable railconn reads. Values come from the process environment, \
         over the `--env-file`s (default `./.env`). A URL is shown with its password \
         redacted, a secret is never shown and a key only by its form and length; a flag default loses to its flag.\n\n\
         | Variable | Kind | Read by | Meaning |\n| --- | --- | --- | --- |\n",
    );
    for var in ALL {
        let meaning = Lang::En.render(&(var.meaning)());
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            var.name,
            var.kind.as_str(),
            var.commands.join(", "),
            meaning.replace('|', "\\|")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::ALL;

    /// Whether `name` is declared (a prefix declared as `HEROKU_*` covers
    /// its variables).
    fn declared(name: &str) -> bool {
        ALL.iter().any(|v| match v.name.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => v.name == name,
        })
    }

    #[test]
    fn names_are_declared_once() {
        for (i, var) in ALL.iter().enumerate() {
            assert!(
                ALL[i + 1..].iter().all(|other| other.name != var.name),
                "{} declared twice",
                var.name
            );
        }
    }

    /// The lists the rest of the code keeps (in rooms where taking the
    /// names from here would mean reshaping the code) hold only declared
    /// names.
    #[test]
    fn the_code_s_own_lists_are_declared() {
        use crate::config::{
            DATABASE_PUBLIC_URL_VARS, DATABASE_URL_VARS, REDIS_PUBLIC_URL_VARS, REDIS_URL_VARS,
        };
        let lists = [
            DATABASE_URL_VARS,
            DATABASE_PUBLIC_URL_VARS,
            REDIS_URL_VARS,
            REDIS_PUBLIC_URL_VARS,
        ];
        for name in lists.concat() {
            assert!(declared(name), "{name} is read but not in source/vars.rs");
        }
    }

    /// Every name the code reads with `get("…")`, `var("…")`, `set("…")` or
    /// `var_os("…")`, or lists in a constant of names, outside tests, is
    /// declared: a variable added without its declaration fails here.
    #[test]
    fn every_name_the_code_spells_is_declared() {
        let mut missing = Vec::new();
        for (path, text) in sources(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))) {
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for name in spelled_names(code) {
                if !declared(&name) && !NOT_VARIABLES.contains(&name.as_str()) {
                    missing.push(format!("{name} ({path})"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "not declared in source/vars.rs: {missing:#?}"
        );
    }

    /// Upper-case literals in the files that read variables which are not
    /// variables: build-time names and words of other protocols (an
    /// algorithm, PostgreSQL's message type bytes in startup.rs).
    const NOT_VARIABLES: &[&str] = &[
        "CARGO_PKG_VERSION",
        "RAILCONN_BUILD_TARGET",
        "HS256",
        "RSKZENTDCI",
    ];

    /// Modules compiled only for tests (ARCHITECTURE.md "The rule").
    const TEST_MODULES: &[&str] = &["tests.rs", "golden.rs", "docs.rs"];

    fn sources(dir: &std::path::Path) -> Vec<(String, String)> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(sources(&path));
            } else if path.extension().is_some_and(|e| e == "rs")
                && !TEST_MODULES.iter().any(|m| path.ends_with(m))
            {
                let text = std::fs::read_to_string(&path).unwrap();
                files.push((path.display().to_string(), text));
            }
        }
        files
    }

    /// Names in calls that read one variable, and in lists of names: a
    /// constant, or a slice passed beside an `env`.
    fn spelled_names(code: &str) -> Vec<String> {
        let mut names = Vec::new();
        for call in ["get(\"", "var(\"", "var_os(\"", "set(\"", "prefixed(\""] {
            for piece in code.split(call).skip(1) {
                let name: String = piece.chars().take_while(|c| *c != '"').collect();
                if is_name(&name) {
                    names.push(name);
                }
            }
        }
        // Lists: a constant (up to its `;`), or a slice after `env, &[`.
        for (start, end) in [("const ", ';'), ("env, &[", ']')] {
            for piece in code.split(start).skip(1) {
                let list = piece.split(end).next().unwrap_or_default();
                names.extend(quoted(list).filter(|n| is_name(n)));
            }
        }
        names
    }

    fn quoted(line: &str) -> impl Iterator<Item = String> + '_ {
        line.split('"').skip(1).step_by(2).map(str::to_string)
    }

    fn is_name(text: &str) -> bool {
        text.len() > 2
            && text.starts_with(|c: char| c.is_ascii_uppercase())
            && text
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    }
}
