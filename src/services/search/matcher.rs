//! A search's query compiled: substring, glob or regular expression, as one regular expression
//! over bytes.

use crate::domain::{
    search::{SearchMode, SearchRequest, MAX_QUERY_BYTES},
    AppError,
};
use regex::bytes::{Regex, RegexBuilder};

/// The most a compiled query may take, in bytes.
const MAX_REGEX_BYTES: usize = 1 << 20;

/// The query compiled: one regular expression over bytes, whatever the mode.
pub(super) struct Matcher {
    regex: Regex,
}

impl Matcher {
    pub(super) fn new(request: &SearchRequest) -> Result<Matcher, AppError> {
        let query = &request.query;
        if query.is_empty() {
            return Err(AppError::invalid("say what to search for"));
        }
        if query.len() > MAX_QUERY_BYTES {
            return Err(AppError::invalid(format!(
                "the query is {} bytes long; at most {MAX_QUERY_BYTES} are allowed",
                query.len()
            )));
        }
        let pattern = match request.mode {
            SearchMode::Substring => regex::escape(query),
            SearchMode::Glob => glob_pattern(query),
            SearchMode::Regex => query.clone(),
        };
        let regex = RegexBuilder::new(&pattern)
            .case_insensitive(request.ignore_case)
            .dot_matches_new_line(true)
            .size_limit(MAX_REGEX_BYTES)
            .build()
            .map_err(|err| {
                let what = match request.mode {
                    SearchMode::Glob => "pattern",
                    _ => "regular expression",
                };
                AppError::invalid(format!("the {what} is not valid: {}", first_line(&err)))
            })?;
        Ok(Matcher { regex })
    }

    /// `Some(in_value)` when the key matches (`false`) or else the value does (`true`).
    pub(super) fn matches(&self, key: &[u8], value: Option<&[u8]>) -> Option<bool> {
        if self.regex.is_match(key) {
            return Some(false);
        }
        value
            .filter(|value| self.regex.is_match(value))
            .map(|_| true)
    }
}

/// The regex crate's error, without the drawing of where it is.
fn first_line(err: &regex::Error) -> String {
    let text = err.to_string();
    text.lines()
        .filter(|line| line.starts_with("error:"))
        .map(|line| line.trim_start_matches("error:").trim().to_string())
        .next()
        .unwrap_or(text)
}

/// A shell pattern as a regular expression matching whole keys: `*` any run of bytes, `?` one
/// character, `[...]` (or `[!...]`) a class, `\` takes the next character literally.
fn glob_pattern(glob: &str) -> String {
    let mut pattern = String::from("^");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => pattern.push_str("(?s-u:.)*"),
            '?' => pattern.push_str("(?:.|(?s-u:.))"),
            '\\' => match chars.next() {
                Some(next) => pattern.push_str(&regex::escape(&next.to_string())),
                None => pattern.push_str(r"\\"),
            },
            '[' => {
                let rest: String = chars.clone().collect();
                match rest.find(']').filter(|&end| end > 0 || rest.len() > 1) {
                    Some(end) => {
                        let class: String = rest[..end].to_string();
                        let class = class
                            .strip_prefix('!')
                            .map_or(class.clone(), |negated| format!("^{negated}"));
                        pattern.push('[');
                        pattern.push_str(&class.replace('[', r"\["));
                        pattern.push(']');
                        for _ in 0..rest[..=end].chars().count() {
                            chars.next();
                        }
                    }
                    None => pattern.push_str(r"\["),
                }
            }
            other => pattern.push_str(&regex::escape(&other.to_string())),
        }
    }
    pattern.push('$');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Key;

    fn matcher(query: &str, mode: SearchMode, ignore_case: bool) -> Matcher {
        let mut request = SearchRequest::new(Key::new(""), query.into(), mode);
        request.ignore_case = ignore_case;
        Matcher::new(&request).unwrap()
    }

    fn error(query: &str, mode: SearchMode) -> String {
        let request = SearchRequest::new(Key::new(""), query.into(), mode);
        Matcher::new(&request).err().unwrap().to_string()
    }

    #[test]
    fn substrings_match_anywhere_literally() {
        let m = matcher("a.b", SearchMode::Substring, false);
        assert_eq!(m.matches(b"x/a.b/y", None), Some(false));
        assert_eq!(m.matches(b"x/aXb/y", None), None);
        assert_eq!(m.matches(b"k", Some(b"has a.b inside")), Some(true));
        let m = matcher("ÜBER", SearchMode::Substring, true);
        assert_eq!(m.matches("schön/über".as_bytes(), None), Some(false));
        // Bytes that are not UTF-8 neither break nor hide a match.
        assert_eq!(m.matches(b"\xff\xfe/\xc3\xbcber", None), Some(false));
        assert_eq!(
            matcher("%?# <b>", SearchMode::Substring, false).matches(b"a/%?# <b>", None),
            Some(false)
        );
    }

    #[test]
    fn globs_match_whole_keys() {
        let m = matcher("big/*/0000004?", SearchMode::Glob, false);
        assert_eq!(m.matches(b"big/0001/00000042", None), Some(false));
        assert_eq!(m.matches(b"big/0001/000000420", None), None);
        assert_eq!(m.matches(b"small/0001/00000042", None), None);
        let m = matcher("a/[!0-8]*", SearchMode::Glob, false);
        assert_eq!(m.matches(b"a/9", None), Some(false));
        assert_eq!(m.matches(b"a/5", None), None);
        let m = matcher(r"a\*[b", SearchMode::Glob, false);
        assert_eq!(m.matches(b"a*[b", None), Some(false));
        assert_eq!(m.matches(b"a/[b", None), None);
        // `*` and `?` cross bytes that are not UTF-8.
        let m = matcher("bin/*?", SearchMode::Glob, false);
        assert_eq!(m.matches(b"bin/\xff\xfe", None), Some(false));
    }

    #[test]
    fn regexes_match_and_bad_queries_say_why() {
        let m = matcher(r"^svc/\d+$", SearchMode::Regex, false);
        assert_eq!(m.matches(b"svc/42", None), Some(false));
        assert_eq!(m.matches(b"svc/42x", None), None);
        assert!(error("(unclosed", SearchMode::Regex).contains("regular expression is not valid"));
        assert!(error("a[z-a]", SearchMode::Glob).contains("pattern is not valid"));
        assert!(error("", SearchMode::Substring).contains("search for"));
        assert!(error(&"x".repeat(MAX_QUERY_BYTES + 1), SearchMode::Substring).contains("bytes"));
        assert!(error(r"\w{1000}{1000}", SearchMode::Regex).contains("not valid"));
    }
}
