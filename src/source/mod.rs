//! Where variables come from: the process environment over `.env` files.
//!
//! The files are read into a map (never into `std::env`: mutating the
//! environment is unsound once threads run, and the report must be able to
//! say which file a value came from). Precedence, highest first: the process
//! environment, then the `--env-file`s from last to first, so a later file
//! overrides an earlier one, as in `docker compose --env-file`.

pub(crate) mod secret;
pub(crate) mod url;
pub(crate) mod vars;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::AppError;
use crate::i18n::{Message, msg};

use crate::model::Origin;

/// A variable's value with its origin and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    pub name: &'static str,
    /// The value; when it was not UTF-8, with U+FFFD for the bad bytes.
    pub value: String,
    pub origin: Origin,
    /// False when the process environment held bytes that are not UTF-8:
    /// such a value is reported as invalid, never as unset or as read.
    pub utf8: bool,
}

/// Which `.env` files to read.
#[derive(Debug, Clone, Default)]
pub struct EnvFiles {
    /// Explicit files; when empty, `./.env` is read if it exists.
    pub paths: Vec<PathBuf>,
    /// Read no file at all.
    pub disabled: bool,
    /// How long a pipe or FIFO may take to deliver its variables: the
    /// run's `--timeout`.
    pub pipe_limit: Duration,
}

/// All variables railconn can see, process environment first.
#[derive(Debug, Clone, Default)]
pub struct EnvSource {
    vars: BTreeMap<String, (String, Origin)>,
    files: Vec<PathBuf>,
    /// Variables whose process-environment value is not UTF-8.
    not_utf8: std::collections::BTreeSet<String>,
}

impl EnvSource {
    /// Reads the process environment and the requested files.
    pub fn load(files: &EnvFiles) -> Result<Self, AppError> {
        let mut source = Self::default();
        let named = !files.paths.is_empty();
        for path in files_to_read(files) {
            source.add_file(&path, named, files.pipe_limit)?;
        }
        source.add_process_env();
        Ok(source)
    }

    /// A source from fixed pairs, for tests and embedding.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), (v.to_string(), Origin::Process)))
            .collect();
        Self {
            vars,
            ..Self::default()
        }
    }

    /// The first of `names` that is set to a non-empty value.
    pub fn first(&self, names: &[&'static str]) -> Option<Var> {
        names.iter().find_map(|name| self.get(name))
    }

    /// False when the process environment held `name` with bytes that are
    /// not UTF-8 (its value here has U+FFFD for them).
    pub fn is_utf8(&self, name: &str) -> bool {
        !self.not_utf8.contains(name)
    }

    /// One variable, if set and not empty.
    pub fn get(&self, name: &'static str) -> Option<Var> {
        let (value, origin) = self.vars.get(name)?;
        (!value.is_empty()).then(|| Var {
            name,
            value: value.clone(),
            origin: origin.clone(),
            utf8: !self.not_utf8.contains(name),
        })
    }

    /// Every variable set to a non-empty value, by name, with its origin.
    pub fn all(&self) -> impl Iterator<Item = (&str, &str, &Origin)> {
        self.vars
            .iter()
            .filter(|(_, (value, _))| !value.is_empty())
            .map(|(name, (value, origin))| (name.as_str(), value.as_str(), origin))
    }

    /// Whether any variable whose name starts with `prefix` is set.
    pub fn any_prefixed(&self, prefix: &str) -> bool {
        self.vars
            .range(prefix.to_string()..)
            .take_while(|(name, _)| name.starts_with(prefix))
            .any(|(_, (value, _))| !value.is_empty())
    }

    fn add_process_env(&mut self) {
        for (key, value) in std::env::vars_os() {
            let Ok(key) = key.into_string() else {
                continue;
            };
            let value = value.into_string().unwrap_or_else(|bytes| {
                self.not_utf8.insert(key.clone());
                bytes.to_string_lossy().into_owned()
            });
            self.vars.insert(key, (value, Origin::Process));
        }
    }

    /// The `.env` files that were read.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    fn add_file(&mut self, path: &Path, named: bool, pipe_limit: Duration) -> Result<(), AppError> {
        self.files.push(path.to_path_buf());
        let origin = Origin::File(path.to_path_buf());
        for (key, value) in read_env_file(path, named, pipe_limit)? {
            self.vars.insert(key, (value, origin.clone()));
        }
        Ok(())
    }
}

fn files_to_read(files: &EnvFiles) -> Vec<PathBuf> {
    if files.disabled {
        return Vec::new();
    }
    if !files.paths.is_empty() {
        return files.paths.clone();
    }
    let default = PathBuf::from(".env");
    if default.is_file() {
        vec![default]
    } else {
        Vec::new()
    }
}

/// Reads one file. A missing or unreadable file is an error here (exit 2):
/// a file named on the command line that cannot be read is a usage mistake.
fn read_env_file(
    path: &Path,
    named: bool,
    pipe_limit: Duration,
) -> Result<Vec<(String, String)>, AppError> {
    let unreadable = |reason: Message| AppError::EnvFile {
        path: path.to_path_buf(),
        reason,
        named,
    };
    // Never blocks: a FIFO nobody writes to and a stalled pipe are errors
    // after `pipe_limit`.
    let bytes = crate::file::read_stream(path, MAX_FILE as u64 + 1, pipe_limit)
        .map_err(|e| unreadable(crate::i18n::io_reason(&e)))?;
    parse_env(bytes.as_slice()).map_err(unreadable)
}

/// Parses `.env` text with dotenvy. Its parse errors quote the offending
/// line, which may hold a secret, so only the entry number and the kind of
/// problem are passed on.
pub fn parse_env(reader: impl Read) -> Result<Vec<(String, String)>, Message> {
    let text = read_bounded(reader)?;
    let mut pairs = Vec::new();
    for (index, item) in dotenvy::from_read_iter(text.as_slice()).enumerate() {
        let entry = index + 1;
        let pair = item.map_err(|e| env_entry(entry, &describe_dotenv_error(&e)))?;
        if pair.1.len() > MAX_VALUE {
            return Err(env_value_too_large(entry, MAX_VALUE));
        }
        pairs.push(pair);
    }
    keep_railway_references(&String::from_utf8_lossy(&text), &mut pairs);
    Ok(pairs)
}

/// Limits on a `.env` file. dotenvy expands `$VAR` from earlier entries, so
/// `p=$p$p` on consecutive lines doubles a value each time (found by
/// fuzzing). Capping the number of `$` and the size of each expanded value
/// bounds the largest single expansion to `MAX_DOLLARS × MAX_VALUE`.
const MAX_FILE: usize = 1024 * 1024;
const MAX_DOLLARS: usize = 256;
const MAX_VALUE: usize = 16 * 1024;

fn read_bounded(reader: impl Read) -> Result<Vec<u8>, Message> {
    let mut text = Vec::new();
    reader
        .take(MAX_FILE as u64 + 1)
        .read_to_end(&mut text)
        .map_err(|e| crate::i18n::io_reason(&e))?;
    if text.len() > MAX_FILE {
        return Err(env_file_too_large(MAX_FILE));
    }
    if text
        .iter()
        .filter(|&&b| b == b'$')
        .take(MAX_DOLLARS + 1)
        .count()
        > MAX_DOLLARS
    {
        return Err(msg::env_too_many_dollars(MAX_DOLLARS));
    }
    Ok(text)
}

/// dotenvy expands `${VAR}`, which mangles a pasted Railway reference
/// `${{Postgres.DATABASE_URL}}` into something unrecognisable. Such values
/// are kept as written, so the URL check can say "unresolved reference".
fn keep_railway_references(text: &str, pairs: &mut [(String, String)]) {
    if !text.contains("${{") {
        return;
    }
    // The first entry of each name, looked up rather than searched for
    // per line (a search per line is quadratic in the entries, issue 18).
    let mut first: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, (key, _)) in pairs.iter().enumerate() {
        first.entry(key.clone()).or_insert(i);
    }
    for line in text.lines() {
        let Some((key, value)) = line
            .trim_start()
            .trim_start_matches("export ")
            .split_once('=')
        else {
            continue;
        };
        if !value.contains("${{") {
            continue;
        }
        let raw = value.trim().trim_matches(|c| c == '"' || c == '\'');
        if let Some(&i) = first.get(key.trim()) {
            pairs[i].1 = raw.to_string();
        }
    }
}

fn describe_dotenv_error(error: &dotenvy::Error) -> Message {
    match error {
        dotenvy::Error::Io(io) => crate::i18n::io_reason(io),
        dotenvy::Error::LineParse(line, _) if unclosed_quote(line) => msg::env_unclosed_quote(),
        dotenvy::Error::LineParse(_, _) => msg::env_line_not_pair(),
        dotenvy::Error::EnvVar(_) => msg::env_not_utf8(),
        _ => msg::env_unparsable(),
    }
}

/// `KEY="value` with no closing quote: dotenvy reads a quoted value across
/// lines, so it reports the rest of the file as one bad entry — or closes
/// the quote at the next line's (`A="x` then `B="y"`). Only the entry's
/// first line is judged: a value meant to span lines is rare in `.env`.
fn unclosed_quote(entry: &str) -> bool {
    let line = entry.lines().next().unwrap_or_default();
    let Some((_, value)) = line.split_once('=') else {
        return false;
    };
    let value = value.trim_start();
    let Some(quote) = value.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
        return false;
    };
    let mut escaped = false;
    for c in value[1..].chars() {
        match c {
            _ if escaped => escaped = false,
            // Only double quotes know escapes (dotenvy, like bash).
            '\\' if quote == '"' => escaped = true,
            _ if c == quote => return false,
            _ => {}
        }
    }
    true
}

/// Reads a file a setting names (a PEM key, a CA bundle) with care: only a
/// regular file, and at most `limit` bytes, opened without blocking on a
/// FIFO.
pub(crate) fn read_setting_file(path: &std::path::Path, limit: u64) -> std::io::Result<Vec<u8>> {
    crate::file::read_regular(path, limit)
}

pub(crate) fn env_value_too_large(entry: usize, limit: usize) -> Message {
    msg::env_value_too_large(entry, limit / 1024)
}

pub(crate) fn env_file_too_large(limit: usize) -> Message {
    msg::env_file_too_large(limit / 1024)
}

pub(crate) fn env_entry(entry: usize, problem: &Message) -> Message {
    msg::env_entry(entry, problem.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclosed_quote_is_named_without_the_line() {
        for text in [
            "A=x\nB=\"hunter2\nC=1\n",
            "B='hunter2\n",
            "B=\"a\\\"\n",
            "A=\"hunter2\nB=\"y\"\n",
        ] {
            let error = parse_env(text.as_bytes()).unwrap_err();
            let shown = crate::i18n::Lang::En.render(&error);
            assert!(shown.contains("no closing quote"), "{text:?}: {shown}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
        let error = parse_env("B=a b c\n".as_bytes()).unwrap_err();
        assert!(crate::i18n::Lang::En.render(&error).contains("KEY=VALUE"));
    }

    #[test]
    fn empty_values_count_as_unset() {
        let env = EnvSource::from_pairs([("A", ""), ("B", "x")]);
        assert!(env.get("A").is_none());
        assert_eq!(env.first(&["A", "B"]).unwrap().name, "B");
    }

    #[test]
    fn later_files_override_earlier_and_process_wins() {
        let dir = tempfile::tempdir().unwrap();
        let one = dir.path().join("one.env");
        let two = dir.path().join("two.env");
        std::fs::write(&one, "RAILCONN_T1=one\nRAILCONN_T2=one\n").unwrap();
        std::fs::write(&two, "RAILCONN_T2=two\nPATH=from-file\n").unwrap();
        let files = EnvFiles {
            paths: vec![one.clone(), two.clone()],
            disabled: false,
            pipe_limit: Duration::from_secs(1),
        };
        let env = EnvSource::load(&files).unwrap();
        assert_eq!(env.get("RAILCONN_T1").unwrap().origin, Origin::File(one));
        assert_eq!(env.get("RAILCONN_T2").unwrap().value, "two");
        assert_eq!(env.get("PATH").unwrap().origin, Origin::Process);
    }

    #[test]
    fn exponential_expansion_is_refused() {
        let doubling = "p=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n".to_string() + &"p=$p$p\n".repeat(40);
        assert!(parse_env(doubling.as_bytes()).unwrap_err().contains("KiB"));
    }

    #[test]
    fn railway_references_survive_expansion() {
        let pairs =
            parse_env("DATABASE_URL=${{Postgres.DATABASE_URL}}\nB=$HOME/x\n".as_bytes()).unwrap();
        assert_eq!(pairs[0].1, "${{Postgres.DATABASE_URL}}");
    }

    #[test]
    fn parse_errors_do_not_quote_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.env");
        std::fs::write(&path, "GOOD=1\nthis is hunter2 not valid\n").unwrap();
        let files = EnvFiles {
            paths: vec![path],
            disabled: false,
            pipe_limit: Duration::from_secs(1),
        };
        let err = EnvSource::load(&files).unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains("bad.env"), "{err}");
    }
}
