//! A browser and operating system from a `User-Agent` header, for the list of a user's
//! sessions ("Firefox on Linux"): a small matcher over the tokens the common browsers send,
//! not a full parser. Anything it does not recognise is `None` (shown as "Unknown browser"),
//! never guessed; the names come from a fixed list, so nothing the client sent is shown.

/// What a user agent says, as far as the list of sessions needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Agent {
    /// The browser's name (a proper noun, the same in every language).
    pub(crate) browser: Option<&'static str>,
    /// The operating system's name.
    pub(crate) os: Option<&'static str>,
}

/// Browsers by a token of their user agent, in the order they must be tried: the browsers
/// built on Chromium send `Chrome/` too, and Chrome sends `Safari/`.
const BROWSERS: &[(&str, &str)] = &[
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("Vivaldi/", "Vivaldi"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("YaBrowser/", "Yandex Browser"),
    ("FxiOS/", "Firefox"),
    ("Firefox/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
];

/// Operating systems by a token, in order: Android and ChromeOS say `Linux` too, iOS says
/// `like Mac OS X`.
const SYSTEMS: &[(&str, &str)] = &[
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPod", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
    ("FreeBSD", "FreeBSD"),
    ("OpenBSD", "OpenBSD"),
];

/// The first name of `table` whose token `ua` contains.
fn first(ua: &str, table: &[(&str, &'static str)]) -> Option<&'static str> {
    table
        .iter()
        .find(|(token, _)| ua.contains(token))
        .map(|(_, name)| *name)
}

/// The browser and system of `ua`. Safari is named only with its `Version/` token (other
/// WebKit clients, such as an app's web view, send `Safari/` without it).
pub(crate) fn describe(ua: &str) -> Agent {
    let browser = match first(ua, BROWSERS) {
        Some("Safari") if !ua.contains("Version/") => None,
        b => b,
    };
    Agent {
        browser,
        os: first(ua, SYSTEMS),
    }
}

impl Agent {
    /// The stored form, `browser|system` (either may be empty): what a trusted browser's
    /// record keeps.
    pub(crate) fn summary(self) -> String {
        format!("{}|{}", self.browser.unwrap_or(""), self.os.unwrap_or(""))
    }

    /// A stored [`summary`](Agent::summary) read back; names that are not in the fixed
    /// lists are dropped, so nothing stored elsewhere is shown.
    pub(crate) fn from_summary(s: &str) -> Agent {
        let (b, o) = s.split_once('|').unwrap_or(("", ""));
        let known = |table: &[(&str, &'static str)], name: &str| {
            table.iter().map(|(_, n)| *n).find(|n| *n == name)
        };
        Agent {
            browser: known(BROWSERS, b),
            os: known(SYSTEMS, o),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(ua: &str) -> (Option<&'static str>, Option<&'static str>) {
        let a = describe(ua);
        (a.browser, a.os)
    }

    #[test]
    fn common_browsers_are_named() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                (Some("Firefox"), Some("Linux")),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                (Some("Chrome"), Some("Windows")),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                (Some("Edge"), Some("Windows")),
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                (Some("Safari"), Some("macOS")),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                (Some("Safari"), Some("iOS")),
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
                (Some("Chrome"), Some("iPadOS")),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
                (Some("Samsung Internet"), Some("Android")),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                (Some("Chrome"), Some("Android")),
            ),
            (
                "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                (Some("Chrome"), Some("ChromeOS")),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
                (Some("Opera"), Some("Windows")),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15",
                (Some("Firefox"), Some("iOS")),
            ),
        ];
        for (ua, want) in cases {
            assert_eq!(pair(ua), want, "{ua}");
        }
    }

    #[test]
    fn what_is_not_recognised_is_none() {
        assert_eq!(pair(""), (None, None));
        assert_eq!(pair("curl/8.5.0"), (None, None));
        assert_eq!(pair("<script>alert(1)</script>"), (None, None));
        // A web view: WebKit without Safari's `Version/`.
        assert_eq!(
            pair(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari/604.1"
            ),
            (None, Some("iOS"))
        );
    }

    #[test]
    fn a_summary_reads_back_and_only_known_names() {
        let a = describe("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
        assert_eq!(a.summary(), "Firefox|Linux");
        assert_eq!(Agent::from_summary(&a.summary()), a);
        let odd = Agent::from_summary("<script>|Linux");
        assert_eq!((odd.browser, odd.os), (None, Some("Linux")));
        assert_eq!(Agent::from_summary("nonsense").browser, None);
    }
}
