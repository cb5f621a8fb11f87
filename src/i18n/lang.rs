//! Which language a run speaks: `--lang`, else the POSIX locale variables
//! in their precedence order (`LC_ALL`, then `LC_MESSAGES`, then `LANG`;
//! the first one set and non-empty decides, as setlocale(3) does for
//! messages). `C`, `POSIX`, unset and any language without a catalog mean
//! English, silently: a locale is a preference, never an error.

/// A language with a catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    #[default]
    En,
    Ru,
}

/// The locale variables, in the order POSIX gives them precedence for
/// messages.
pub(super) const LOCALE_VARS: [&str; 3] = ["LC_ALL", "LC_MESSAGES", "LANG"];

static RUN: std::sync::OnceLock<Lang> = std::sync::OnceLock::new();

impl Lang {
    /// Fixes the language of this process's run, once, at start-up (like
    /// setlocale(3), it is a property of the process).
    pub fn set_for_run(lang: Lang) {
        let _ = RUN.set(lang);
    }

    /// The language of this run: English until [`Lang::set_for_run`].
    pub fn for_run() -> Lang {
        RUN.get().copied().unwrap_or_default()
    }

    /// The language of a run: the flag, else the locale from `lookup`
    /// (the process environment in the binary, a map in tests).
    pub fn choose(flag: Option<Lang>, lookup: impl Fn(&str) -> Option<String>) -> Lang {
        flag.unwrap_or_else(|| {
            LOCALE_VARS
                .iter()
                .find_map(|var| lookup(var).filter(|v| !v.is_empty()))
                .map_or(Lang::En, |locale| Lang::from_locale(&locale))
        })
    }

    /// `ru_RU.UTF-8`, `ru`, `ru_UA@euro` → Russian; everything else
    /// (`C`, `C.UTF-8`, `POSIX`, `en_US`, `de_DE`) → English.
    pub fn from_locale(locale: &str) -> Lang {
        let language = locale
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or_default();
        if language.eq_ignore_ascii_case("ru") {
            Lang::Ru
        } else {
            Lang::En
        }
    }

    /// The BCP 47 tag, for plural rules.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_string())
        }
    }

    #[test]
    fn posix_order_decides() {
        assert_eq!(Lang::choose(None, env(&[])), Lang::En);
        assert_eq!(
            Lang::choose(None, env(&[("LANG", "ru_RU.UTF-8")])),
            Lang::Ru
        );
        assert_eq!(
            Lang::choose(None, env(&[("LANG", "ru_RU.UTF-8"), ("LC_MESSAGES", "C")])),
            Lang::En
        );
        assert_eq!(
            Lang::choose(
                None,
                env(&[("LANG", "en_US.UTF-8"), ("LC_MESSAGES", "ru_RU")])
            ),
            Lang::Ru
        );
        assert_eq!(
            Lang::choose(None, env(&[("LC_ALL", "C.UTF-8"), ("LANG", "ru_RU.UTF-8")])),
            Lang::En
        );
        // An empty variable does not count as set.
        assert_eq!(
            Lang::choose(None, env(&[("LC_ALL", ""), ("LANG", "ru_RU.UTF-8")])),
            Lang::Ru
        );
    }

    #[test]
    fn the_flag_wins() {
        let russian = env(&[("LC_ALL", "ru_RU.UTF-8")]);
        assert_eq!(Lang::choose(Some(Lang::En), russian), Lang::En);
        assert_eq!(Lang::choose(Some(Lang::Ru), env(&[])), Lang::Ru);
    }

    #[test]
    fn unknown_and_c_locales_are_english() {
        for locale in ["C", "C.UTF-8", "POSIX", "de_DE.UTF-8", "xx", "ru"] {
            let expected = if locale == "ru" { Lang::Ru } else { Lang::En };
            assert_eq!(Lang::from_locale(locale), expected, "{locale}");
        }
        assert_eq!(Lang::from_locale("ru_UA@euro"), Lang::Ru);
    }
}
