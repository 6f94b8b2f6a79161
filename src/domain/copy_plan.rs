//! What a copy or move of many keys would do, read before it runs: where each key would go and
//! whether a key is there already.

use super::words::count;
use super::Key;
use serde::{Deserialize, Serialize};

/// The most keys of a selection a plan looks at (a whole prefix may hold millions).
pub const PLAN_KEYS: usize = 1000;
/// The most keys a plan lists, those whose target exists first.
pub const PLAN_ROWS: usize = 10;

/// What copying (or moving) a selection to another prefix would do, as read now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyPlan {
    /// The keys the selection holds.
    pub total: i64,
    /// How many of them the plan looked at: all, or the first [`PLAN_KEYS`].
    pub checked: u64,
    /// How many of those would land on a key that exists.
    pub existing: u64,
    /// Some of them, where they would go: those that would land on a key first.
    pub rows: Vec<PlannedCopy>,
}

/// One key of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedCopy {
    pub from: Key,
    pub to: Key,
    /// A key is there already.
    pub exists: bool,
}

impl CopyPlan {
    /// The plan in words, for a copy or (`remove`) a move that writes over keys there
    /// (`overwrite`) or leaves them.
    pub fn describe(&self, overwrite: bool, remove: bool) -> String {
        let fresh = self.checked - self.existing;
        let verb = super::transfer::BulkOutcome::of_copy(remove).as_str();
        let mut words = format!(
            "{} would be {verb}",
            count(
                fresh + if overwrite { self.existing } else { 0 },
                "key",
                "keys"
            )
        );
        if self.existing > 0 {
            let there = count(self.existing, "key exists", "keys exist");
            words.push_str(&if overwrite {
                format!("; {there} there already and would be written over")
            } else {
                format!("; {there} there already and would be left as it is")
            });
            if !overwrite && remove {
                words.push_str(", with its source kept");
            }
        }
        words.push('.');
        if (self.checked as i64) < self.total {
            words.push_str(&format!(
                " Only the first {} of the {} keys were looked at.",
                self.checked, self.total
            ));
        }
        words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(total: i64, checked: u64, existing: u64) -> CopyPlan {
        CopyPlan {
            total,
            checked,
            existing,
            rows: Vec::new(),
        }
    }

    #[test]
    fn a_plan_says_what_would_be_written_and_what_left() {
        assert_eq!(
            plan(3, 3, 0).describe(false, false),
            "3 keys would be copied."
        );
        assert_eq!(
            plan(3, 3, 1).describe(false, false),
            "2 keys would be copied; 1 key exists there already and would be left as it is."
        );
        assert_eq!(
            plan(3, 3, 2).describe(true, true),
            "3 keys would be moved; 2 keys exist there already and would be written over."
        );
        assert_eq!(
            plan(3, 3, 1).describe(false, true),
            "2 keys would be moved; 1 key exists there already and would be left as it is, \
             with its source kept."
        );
        assert_eq!(
            plan(5000, 1000, 0).describe(false, false),
            "1000 keys would be copied. Only the first 1000 of the 5000 keys were looked at."
        );
    }
}
