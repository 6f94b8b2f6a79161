//! The success message shown after a write, carried in the URL the write redirects to, so it
//! shows the same with or without JavaScript.

use super::{key::percent_encode_bytes, paging::query_param, Key};

/// What a write did, for the page it lands on to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Created(Key),
    Saved {
        revision: i64,
    },
    Deleted(Key),
    /// A save found the value already what was typed, and wrote nothing.
    Unchanged,
    /// The version of revision `from` was written back, at `revision`.
    Restored {
        from: i64,
        revision: i64,
    },
}

impl Notice {
    /// Appends this notice to a URL as a query parameter.
    pub fn add_to(&self, url: &str) -> String {
        let separator = if url.contains('?') { '&' } else { '?' };
        let param = match self {
            Notice::Created(key) => format!("created={}", percent_encode_bytes(key.as_bytes())),
            Notice::Saved { revision } => format!("saved={revision}"),
            Notice::Deleted(key) => format!("deleted={}", percent_encode_bytes(key.as_bytes())),
            Notice::Unchanged => "unchanged=1".to_string(),
            Notice::Restored { from, revision } => format!("restored={from}&saved={revision}"),
        };
        format!("{url}{separator}{param}")
    }

    /// Reads the notice a URL query carries, if any.
    pub fn from_query(search: &str) -> Option<Notice> {
        if let Some(key) = query_param(search, "created") {
            return Some(Notice::Created(Key::new(key)));
        }
        if let Some(key) = query_param(search, "deleted") {
            return Some(Notice::Deleted(Key::new(key)));
        }
        if query_param(search, "unchanged").is_some() {
            return Some(Notice::Unchanged);
        }
        let number = |name| {
            String::from_utf8(query_param(search, name)?)
                .ok()?
                .parse()
                .ok()
        };
        let revision = number("saved")?;
        Some(match number("restored") {
            Some(from) => Notice::Restored { from, revision },
            None => Notice::Saved { revision },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_round_trip_through_a_url() {
        for notice in [
            Notice::Created(Key::from("a b/%?#ü")),
            Notice::Saved { revision: 42 },
            Notice::Deleted(Key::new(vec![0xff, b'&', b'='])),
            Notice::Unchanged,
        ] {
            for base in ["/", "/?prefix=a", "/key/a%2Fb"] {
                let url = notice.add_to(base);
                let search = url.split_once('?').unwrap().1;
                assert_eq!(Notice::from_query(search), Some(notice.clone()), "{url}");
            }
        }
    }

    #[test]
    fn a_url_without_a_notice_has_none() {
        assert_eq!(Notice::from_query("prefix=a&after=b"), None);
        assert_eq!(Notice::from_query("saved=abc"), None);
    }
}
