//! The last line of defence for what peers and libraries say. A server
//! that echoes what railconn sent (Redis with `AUTH` renamed answers
//! "unknown command 'AUTH', with args beginning with: 'user' 'password'")
//! has its echoed arguments cut off, whatever the password looks like. A
//! message that still contains a configured secret (an unknown peer, an
//! unknown format) is withheld as a whole rather than masked: masking
//! leaves the rest to compare with the target, and garbles unrelated text
//! when the secret is a common word. Control characters cannot reach a
//! terminal or a CI log, and no message is longer than a line or two.
//!
//! Every secret and every public word is found in one pass per text with
//! Aho–Corasick automata (the `aho-corasick` crate), so scrubbing a report
//! costs time linear in the number of secrets and in the text, where
//! looking for each secret in turn, and recomputing the public spans for
//! each, was cubic in the number of targets (issue 18: 256 Redis URLs with
//! passwords took 24 s).

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use crate::config::Config;
use crate::i18n::{Message, msg};
use crate::model::ProbeOutcome;

pub(super) struct Scrubber {
    /// The secrets as configured.
    raw: Needles,
    /// The secrets with control characters as spaces, looked for in the
    /// text flattened the same way: Redis turns CR and LF in an error
    /// into spaces.
    flat: Needles,
    /// What the report shows anyway (user names, hosts, databases): a
    /// secret found inside one of these is not an echo.
    public: Option<AhoCorasick>,
    /// Bytes scanned and matches looked at, so that a test can bound how
    /// the cost grows with the number of secrets (a timed test alone lets
    /// a quadratic scrubber pass on a fast machine).
    work: Cell<u64>,
}

const MAX_MESSAGE: usize = 600;

/// The shortest piece of a secret worth looking for when only part of it
/// may be echoed (Redis cuts each argument of an unknown command at 128
/// bytes).
const MIN_SECRET_PREFIX: usize = 8;

impl Scrubber {
    pub(super) fn new(config: &Config) -> Self {
        Self::from_words(&config.secrets(), &config.public_words())
    }

    fn from_words(secrets: &[&str], public: &[&str]) -> Self {
        let secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
        let public: BTreeSet<&str> = public.iter().copied().filter(|w| !w.is_empty()).collect();
        let scrubber = Self {
            raw: Needles::new(secrets.iter().map(|s| (*s).to_string())),
            flat: Needles::new(secrets.iter().map(|s| flatten(s))),
            public: automaton(&public),
            work: Cell::new(0),
        };
        let built = secrets.iter().chain(&public).map(|s| s.len()).sum();
        scrubber.tally(built);
        scrubber
    }

    /// Cleans every message: the catalogs hold no secrets, the arguments
    /// (what a server or the system said) may.
    pub(super) fn clean_outcome(&self, outcome: &mut ProbeOutcome) {
        for step in &mut outcome.steps {
            if let Some(detail) = &mut step.detail {
                self.clean_message(detail);
            }
            if let Some(error) = &mut step.error {
                self.clean_message(&mut error.message);
            }
        }
        for finding in &mut outcome.findings {
            self.clean_message(&mut finding.message);
        }
    }

    /// A message with an argument that shows a secret is withheld whole;
    /// otherwise each argument loses echoed arguments and control
    /// characters, and is cut to a length.
    pub(super) fn clean_message(&self, message: &mut Message) {
        if message.any_text(&|text| self.leaks(text)) {
            *message = msg::message_withheld();
        } else {
            message.map_text(&mut |text| Self::clean(text));
        }
    }

    fn clean(text: &str) -> String {
        let text = strip_echoed_arguments(text);
        let clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        clean.chars().take(MAX_MESSAGE).collect()
    }

    /// Whether `text` (past its echoed arguments) shows a secret, as sent
    /// or as a server may have rewritten it.
    fn leaks(&self, text: &str) -> bool {
        let text = strip_echoed_arguments(text);
        let flat = flatten(&text);
        self.raw.shown_in(&text, &self.spans(&text), &self.work)
            || self.flat.shown_in(&flat, &self.spans(&flat), &self.work)
    }

    /// Byte ranges of `text` covered by words the report shows anyway.
    fn spans(&self, text: &str) -> Spans {
        let Some(public) = &self.public else {
            // Not built (a pattern set too large for the automaton): no
            // span hides anything, so more is withheld, never less.
            return Spans::default();
        };
        self.tally(text.len());
        let mut fresh = Fresh::default();
        let mut spans: Vec<(usize, usize)> = public
            .find_overlapping_iter(text)
            .inspect(|_| self.tally(1))
            .filter(|m| fresh.admits(m.pattern().as_usize(), m.start(), m.end()))
            .map(|m| (m.start(), m.end()))
            .collect();
        spans.sort_unstable();
        Spans::new(&spans)
    }

    fn tally(&self, amount: usize) {
        tally(&self.work, amount);
    }

    #[cfg(test)]
    fn work(&self) -> u64 {
        self.work.get()
    }
}

/// What is looked for of each secret, all in one automaton: a short
/// secret whole, a long one by its first 8+ bytes.
struct Needles {
    /// `None` when it could not be built: then any secret counts as shown.
    automaton: Option<AhoCorasick>,
    /// The rule of each pattern, by pattern index.
    rules: Vec<Rule>,
}

/// When an occurrence of a pattern counts as an echo.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// A long secret is distinctive: any run of its first 8+ bytes (Redis
    /// cuts echoed arguments at 128 bytes).
    Prefix,
    /// A short secret is only an echo when it stands as a word of its
    /// own: `127` is not found in `1270`, nor in the host `127.0.0.1`.
    /// One or two characters only count when quoted, as echoes are.
    Word { quoted_only: bool },
}

impl Needles {
    fn new(secrets: impl Iterator<Item = String>) -> Self {
        // Equal patterns are one: secrets sharing a prefix, a password
        // used by many targets.
        let patterns: BTreeSet<String> = secrets
            .map(|s| {
                if s.len() >= MIN_SECRET_PREFIX {
                    char_prefix(&s, MIN_SECRET_PREFIX).to_string()
                } else {
                    s
                }
            })
            .collect();
        let rules = patterns.iter().map(|p| Rule::of(p)).collect();
        Self {
            automaton: automaton(&patterns),
            rules,
        }
    }

    /// Whether `text` shows one of the secrets outside the `public` spans.
    fn shown_in(&self, text: &str, public: &Spans, work: &Cell<u64>) -> bool {
        let Some(automaton) = &self.automaton else {
            return !self.rules.is_empty();
        };
        tally(work, text.len());
        let mut fresh = Fresh::default();
        automaton.find_overlapping_iter(text).any(|m| {
            tally(work, 1);
            let (at, end) = (m.start(), m.end());
            fresh.admits(m.pattern().as_usize(), at, end)
                && self.rules[m.pattern().as_usize()].admits(text, at, end)
                && public.outside(at, end)
        })
    }
}

impl Rule {
    fn of(pattern: &str) -> Self {
        if pattern.len() >= MIN_SECRET_PREFIX {
            Rule::Prefix
        } else {
            Rule::Word {
                quoted_only: pattern.chars().count() < 3,
            }
        }
    }

    /// Whether the occurrence at `at..end` of `text` counts.
    fn admits(self, text: &str, at: usize, end: usize) -> bool {
        let Rule::Word { quoted_only } = self else {
            return true;
        };
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        let word = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        let quote = |c: Option<char>| matches!(c, Some('\'' | '"' | '`'));
        word(before) && word(after) && (!quoted_only || (quote(before) && quote(after)))
    }
}

/// The occurrences `str::match_indices` would give, from all of them: for
/// each pattern, left to right, none overlapping the one taken before.
/// The scrubber always looked at those, and still looks at exactly those.
#[derive(Default)]
struct Fresh {
    /// Per pattern, the end of its last occurrence taken.
    last_end: HashMap<usize, usize>,
}

impl Fresh {
    /// Takes the occurrence at `at..end` of `pattern` unless it overlaps
    /// the last one taken. Occurrences of one pattern arrive in order.
    fn admits(&mut self, pattern: usize, at: usize, end: usize) -> bool {
        let last = self.last_end.entry(pattern).or_insert(0);
        if at < *last {
            return false;
        }
        *last = end;
        true
    }
}

/// Public spans, sorted by start, with the furthest end reached so far.
#[derive(Default)]
struct Spans {
    starts: Vec<usize>,
    reach: Vec<usize>,
}

impl Spans {
    fn new(sorted: &[(usize, usize)]) -> Self {
        let mut reach = Vec::with_capacity(sorted.len());
        let mut furthest = 0;
        for &(_, end) in sorted {
            furthest = furthest.max(end);
            reach.push(furthest);
        }
        Self {
            starts: sorted.iter().map(|&(start, _)| start).collect(),
            reach,
        }
    }

    /// Whether `at..end` lies inside no single span: no span starting at
    /// or before `at` reaches `end`.
    fn outside(&self, at: usize, end: usize) -> bool {
        let before = self.starts.partition_point(|&start| start <= at);
        before == 0 || self.reach[before - 1] < end
    }
}

/// An automaton finding every pattern. The texts are a server's few lines,
/// so the build dominates: a noncontiguous NFA is built in one pass over
/// the patterns, where the default turns it into a contiguous NFA or a
/// DFA, which costs more than it saves here (seen with 5,000 targets).
fn automaton<P: AsRef<[u8]>>(patterns: impl IntoIterator<Item = P>) -> Option<AhoCorasick> {
    AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::NoncontiguousNFA))
        .build(patterns)
        .ok()
}

/// Adds `amount` to the work done.
fn tally(work: &Cell<u64>, amount: usize) {
    let amount = u64::try_from(amount).unwrap_or(u64::MAX);
    work.set(work.get().saturating_add(amount));
}

/// Control characters as the single spaces servers and terminals make of
/// them.
fn flatten(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The first whole characters of `secret` covering at least `bytes` bytes
/// (a multi-byte character at byte 8 is taken whole).
fn char_prefix(secret: &str, bytes: usize) -> &str {
    let end = secret
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .find(|&end| end >= bytes)
        .unwrap_or(secret.len());
    &secret[..end]
}

/// Echo formats of servers that repeat a command's arguments in an error:
/// Redis and Valkey ("unknown command 'AUTH', with args beginning with:
/// 'user' 'password' ", `server.c` `processCommand`). Everything after the
/// marker is what railconn sent; it is cut off, whatever it holds.
fn strip_echoed_arguments(text: &str) -> std::borrow::Cow<'_, str> {
    const MARKER: &str = "with args beginning with:";
    let lower = text.to_ascii_lowercase();
    match lower.find(MARKER) {
        Some(at) => format!(
            "{} {}",
            &text[..at + MARKER.len()],
            crate::i18n::say(&msg::arguments_not_shown())
        )
        .into(),
        None => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::*;
    use crate::config::{Overrides, Selection};
    use crate::i18n::msg;
    use crate::source::EnvSource;

    /// The scrubber of a run with `n` discovered Redis targets, each with
    /// its own password (every third one short, so both rules work), and
    /// the work to clean one message per target, as a report does.
    fn work_for(n: usize) -> u64 {
        let pairs: Vec<(String, String)> = (0..n)
            .map(|i| {
                let password = match i % 3 {
                    0 => format!("p{i}"),
                    _ => format!("secret-{i}-password"),
                };
                (
                    format!("TARGET_{i}_URL"),
                    format!("redis://user{i}:{password}@host-{i}.example:6379/0"),
                )
            })
            .collect();
        let env = EnvSource::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let overrides = Overrides {
            discover: true,
            ..Overrides::default()
        };
        let config = Config::resolve(
            &overrides,
            &env,
            Selection::default(),
            Duration::ZERO,
            Duration::ZERO,
        );
        assert_eq!(config.secrets().len(), n);
        let scrubber = Scrubber::new(&config);
        for i in 0..n {
            let mut message = msg::verbatim(format!(
                "connection refused by host-{i}.example:6379 for user{i} ('p{i}' said secret-{i}-pas)"
            ));
            scrubber.clean_message(&mut message);
        }
        scrubber.work()
    }

    /// Issue 18: ten times the secrets (and messages) cost at most twelve
    /// times the work; the scrubber that looked for each secret in turn
    /// in each message cost a hundred times more.
    #[test]
    fn scrubbing_work_grows_linearly_with_the_secrets() {
        let (hundred, thousand) = (work_for(100), work_for(1000));
        assert!(
            thousand <= 12 * hundred,
            "100 secrets: {hundred}, 1000 secrets: {thousand}"
        );
    }

    /// The scrubber before issue 18, one secret at a time: the reference
    /// the automata must agree with exactly.
    fn reference_leaks(secrets: &[&str], public: &[&str], text: &str) -> bool {
        let text = strip_echoed_arguments(text);
        secrets.iter().filter(|s| !s.is_empty()).any(|secret| {
            let (flat_text, flat_secret) = (flatten(&text), flatten(secret));
            reference_shows(public, &text, secret)
                || reference_shows(public, &flat_text, &flat_secret)
        })
    }

    fn reference_shows(public: &[&str], text: &str, secret: &str) -> bool {
        let hidden: Vec<(usize, usize)> = public
            .iter()
            .filter(|w| !w.is_empty())
            .flat_map(|w| text.match_indices(w).map(|(at, m)| (at, at + m.len())))
            .collect();
        let outside =
            |at: usize, len: usize| !hidden.iter().any(|&(f, t)| f <= at && at + len <= t);
        if secret.len() >= MIN_SECRET_PREFIX {
            let prefix = char_prefix(secret, MIN_SECRET_PREFIX);
            return text
                .match_indices(prefix)
                .any(|(at, _)| outside(at, prefix.len()));
        }
        let quoted_only = secret.chars().count() < 3;
        text.match_indices(secret).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + secret.len()..].chars().next();
            let word = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
            let quote = |c: Option<char>| matches!(c, Some('\'' | '"' | '`'));
            word(before)
                && word(after)
                && (!quoted_only || (quote(before) && quote(after)))
                && outside(at, secret.len())
        })
    }

    /// Strings over a small alphabet, so that secrets, public words and
    /// texts overlap often: repeats, quotes, word boundaries, control and
    /// multi-byte characters.
    fn small() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[ab1'. \n\u{e9}\u{85}]{0,12}").expect("regex")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn the_automata_find_what_the_scrubber_always_found(
            secrets in proptest::collection::vec(small(), 0..5),
            public in proptest::collection::vec(small(), 0..4),
            text in proptest::string::string_regex("[ab1'. \n\u{e9}\u{85}]{0,40}").expect("regex"),
        ) {
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            let public: Vec<&str> = public.iter().map(String::as_str).collect();
            let scrubber = Scrubber::from_words(&secrets, &public);
            prop_assert_eq!(
                scrubber.leaks(&text),
                reference_leaks(&secrets, &public, &text),
                "secrets {:?} public {:?} text {:?}", secrets, public, text
            );
        }
    }
}
