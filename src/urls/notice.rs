//! The success message shown after a write, carried in the URL the write redirects to, so it
//! shows the same with or without JavaScript.

use super::query::query_param;
use crate::domain::{
    key::percent_encode_bytes,
    transfer::{BulkOutcome, BulkReport, ImportReport, Tally},
    Key,
};

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

impl ImportReport {
    /// The counts of an apply as a URL query, for the page that shows what was done.
    pub fn query(&self) -> String {
        format!(
            "applied={}&created={}&updated={}&unchanged={}&conflicts={}",
            self.written_revision.unwrap_or(0),
            self.create.count,
            self.update.count,
            self.unchanged.count,
            self.conflict.count
        )
    }

    /// Reads back what [`ImportReport::query`] wrote (counts only), if the query has it.
    pub fn from_query(search: &str) -> Option<ImportReport> {
        let number = |name| {
            query_param(search, name)
                .and_then(|v| String::from_utf8(v).ok())
                .and_then(|v| v.parse::<i64>().ok())
        };
        let count = |name| Tally {
            count: number(name).unwrap_or(0) as u64,
            examples: Vec::new(),
        };
        let applied = number("applied")?;
        Some(ImportReport {
            dry_run: false,
            written_revision: (applied > 0).then_some(applied),
            create: count("created"),
            update: count("updated"),
            unchanged: count("unchanged"),
            conflict: count("conflicts"),
            ..ImportReport::default()
        })
    }
}

impl BulkReport {
    /// The counts as a URL query, for the page that shows what was done.
    pub fn query(&self, outcome: BulkOutcome) -> String {
        format!(
            "outcome={}&done={}&changed={}&exists={}&gone={}",
            outcome.as_str(),
            self.done.count,
            self.changed.count,
            self.exists.count,
            self.gone.count
        )
    }

    /// Reads back what [`BulkReport::query`] wrote: the outcome and the counts (no examples).
    pub fn from_query(search: &str) -> Option<(BulkOutcome, BulkReport)> {
        let outcome =
            BulkOutcome::parse(std::str::from_utf8(&query_param(search, "outcome")?).ok()?)?;
        let count = |name| {
            let count = query_param(search, name)
                .and_then(|v| String::from_utf8(v).ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            Tally {
                count,
                examples: Vec::new(),
            }
        };
        let report = BulkReport {
            done: count("done"),
            changed: count("changed"),
            exists: count("exists"),
            gone: count("gone"),
            ..BulkReport::default()
        };
        Some((outcome, report))
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

    #[test]
    fn the_counts_of_a_write_round_trip_through_the_url_it_lands_on() {
        let tally = |count| Tally {
            count,
            examples: Vec::new(),
        };
        let bulk = BulkReport {
            done: tally(3),
            changed: tally(1),
            exists: tally(2),
            gone: tally(4),
            ..BulkReport::default()
        };
        let search = format!("prefix=a&{}", bulk.query(BulkOutcome::Moved));
        assert_eq!(
            BulkReport::from_query(&search),
            Some((BulkOutcome::Moved, bulk))
        );
        assert_eq!(BulkReport::from_query("prefix=a"), None);

        let import = ImportReport {
            written_revision: Some(42),
            create: tally(5),
            update: tally(6),
            unchanged: tally(7),
            conflict: tally(8),
            ..ImportReport::default()
        };
        let search = format!("upload=x&{}", import.query());
        assert_eq!(ImportReport::from_query(&search), Some(import));
        assert_eq!(ImportReport::from_query("upload=x"), None);
    }
}
