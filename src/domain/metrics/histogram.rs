//! A Prometheus histogram's cumulative buckets, and the quantile of the observations made
//! between two readings of it (what `histogram_quantile(q, increase(…))` answers).

/// Cumulative counts by upper bound, ascending, the last `+Inf`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Buckets(Vec<(f64, f64)>);

impl Buckets {
    /// Buckets as (upper bound, cumulative count), in any order.
    pub fn new(mut buckets: Vec<(f64, f64)>) -> Self {
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        Buckets(buckets)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many bounds it has.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Adds `other`'s counts to these, bucket by bucket (the peers of one member, say); a bound
    /// only one of them has is kept as it is.
    pub fn add(&mut self, other: &Buckets) {
        for (bound, count) in &other.0 {
            match self.0.iter_mut().find(|(b, _)| b == bound) {
                Some((_, mine)) => *mine += count,
                None => self.0.push((*bound, *count)),
            }
        }
        self.0.sort_by(|a, b| a.0.total_cmp(&b.0));
    }

    /// The observations made since `before`: none when the bounds differ or a count went down
    /// (the member restarted).
    pub fn increase_since(&self, before: &Buckets) -> Option<Buckets> {
        if self.0.len() != before.0.len() {
            return None;
        }
        let pairs = self.0.iter().zip(&before.0);
        let increase = pairs.map(|((bound, now), (then_bound, then))| {
            (bound == then_bound && now >= then).then_some((*bound, now - then))
        });
        increase.collect::<Option<Vec<_>>>().map(Buckets)
    }

    /// The `q` quantile (0 < q < 1) of the observations counted, interpolated linearly within
    /// its bucket as Prometheus does; none when nothing was observed. In the `+Inf` bucket it
    /// is the highest finite bound.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.0.last()?.1;
        if total <= 0.0 {
            return None;
        }
        let rank = q * total;
        let mut below = (0.0, 0.0);
        for &(bound, count) in &self.0 {
            if count >= rank {
                if bound.is_infinite() {
                    return Some(below.0);
                }
                let within = count - below.1;
                let share = if within > 0.0 {
                    (rank - below.1) / within
                } else {
                    1.0
                };
                return Some(below.0 + (bound - below.0) * share);
            }
            below = (bound, count);
        }
        Some(below.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quantile_is_interpolated_within_its_bucket() {
        let buckets = Buckets::new(vec![(f64::INFINITY, 100.0), (0.1, 50.0), (0.2, 100.0)]);
        assert_eq!(buckets.quantile(0.5), Some(0.1));
        // 99 of 100: 49 of the 50 in (0.1, 0.2].
        let p99 = buckets.quantile(0.99).unwrap();
        assert!((p99 - 0.198).abs() < 1e-9, "{p99}");
        assert_eq!(
            Buckets::new(vec![(1.0, 0.0), (f64::INFINITY, 0.0)]).quantile(0.99),
            None
        );
        let slow = Buckets::new(vec![(1.0, 0.0), (f64::INFINITY, 3.0)]);
        assert_eq!(
            slow.quantile(0.99),
            Some(1.0),
            "past the last bound: the last bound"
        );
    }

    #[test]
    fn only_the_observations_since_a_reading_count() {
        let then = Buckets::new(vec![(0.1, 1000.0), (1.0, 1000.0), (f64::INFINITY, 1000.0)]);
        let now = Buckets::new(vec![(0.1, 1000.0), (1.0, 1010.0), (f64::INFINITY, 1010.0)]);
        let p99 = now.increase_since(&then).unwrap().quantile(0.99).unwrap();
        assert!(p99 > 0.9, "ten slow ones after a thousand fast: {p99}");
        assert_eq!(then.increase_since(&now), None, "a restart");
        let mut peers = then.clone();
        peers.add(&now);
        assert!(
            peers.quantile(0.5).unwrap() < 0.1,
            "2,000 of 2,010 under 0.1"
        );
    }
}
