//! The last hour (or whatever span is asked) of each member's points, bounded by count and by
//! age, so memory stays flat however long etcd-deck runs.

use super::{Point, Reading};
use std::collections::VecDeque;
use std::time::Duration;

/// How far back etcd's alert rules look at latencies and failure shares.
pub const RECENT: Duration = Duration::from_secs(5 * 60);

/// A reading and when it was taken (ms since the epoch).
pub type Timed = (i64, Reading);

/// One member's points, oldest first.
#[derive(Debug, Clone)]
pub struct Track {
    /// The client URL it is read at.
    pub endpoint: String,
    /// Its id, from its own metrics, once read.
    pub member_id: Option<String>,
    /// Its name, once known from the member list.
    pub name: Option<String>,
    pub points: VecDeque<Point>,
    /// Why its last reading failed, if it did.
    pub error: Option<String>,
    /// Its readings of the last [`RECENT`] span (and one before), for the alert rules.
    recent: VecDeque<Timed>,
}

impl Track {
    /// How people call it: its name, or else its client URL.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.endpoint)
    }

    /// The last point, if any.
    pub fn latest(&self) -> Option<&Point> {
        self.points.back()
    }

    /// The points of the last `span` before `now_ms`.
    pub fn since(&self, now_ms: i64, span: Duration) -> impl Iterator<Item = &Point> {
        let from = now_ms - span.as_millis() as i64;
        self.points.iter().filter(move |p| p.at_ms > from)
    }

    /// The oldest reading of the last [`RECENT`] span and the newest, when there are two.
    pub fn recent_span(&self) -> Option<(&Timed, &Timed)> {
        let (first, last) = (self.recent.front()?, self.recent.back()?);
        (first.0 < last.0).then_some((first, last))
    }
}

/// Every member's track.
#[derive(Debug, Clone)]
pub struct Window {
    span: Duration,
    /// The most points a track holds: the span over the interval, and one.
    capacity: usize,
    recent_capacity: usize,
    tracks: Vec<Track>,
}

impl Window {
    /// A window of `span`, sampled every `interval`.
    pub fn new(span: Duration, interval: Duration) -> Self {
        let per = |d: Duration| (d.as_millis() / interval.as_millis().max(1)) as usize + 2;
        Window {
            span,
            capacity: per(span),
            recent_capacity: per(RECENT),
            tracks: Vec::new(),
        }
    }

    pub fn span(&self) -> Duration {
        self.span
    }

    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// The points held in all, for the bound's tests and benchmark.
    pub fn len(&self) -> usize {
        self.tracks.iter().map(|t| t.points.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// About how many bytes the window holds: its points and readings with what they own on
    /// the heap (allocator overhead and the map's nodes estimated at 48 bytes an entry).
    pub fn footprint(&self) -> usize {
        use std::mem::size_of;
        let text = |s: &String| s.capacity() + 16;
        let point = |p: &Point| {
            let methods = p
                .grpc_methods
                .iter()
                .map(|(m, _)| text(m) + size_of::<(String, f64)>());
            size_of::<Point>() + methods.sum::<usize>()
        };
        let reading = |(_, r): &Timed| {
            let buckets = [
                &r.wal_fsync,
                &r.backend_commit,
                &r.peer_rtt,
                &r.grpc_handling,
            ];
            let buckets: usize = buckets.iter().map(|b| b.len() * 16).sum();
            let grpc: usize = r.grpc.keys().map(|m| text(m) + 16 + 48).sum();
            size_of::<Timed>() + buckets + grpc
        };
        let track = |t: &Track| {
            let spare = (t.points.capacity() - t.points.len()) * size_of::<Point>();
            t.points.iter().map(point).sum::<usize>()
                + spare
                + t.recent.iter().map(reading).sum::<usize>()
                + size_of::<Track>()
        };
        self.tracks.iter().map(track).sum()
    }

    /// Adds what reading `endpoint` at `at_ms` gave, and forgets what is older than the span.
    pub fn record(&mut self, endpoint: &str, at_ms: i64, reading: Result<Reading, String>) {
        let index = match self.tracks.iter().position(|t| t.endpoint == endpoint) {
            Some(index) => index,
            None => {
                self.tracks.push(Track {
                    endpoint: endpoint.to_string(),
                    member_id: None,
                    name: None,
                    points: VecDeque::new(),
                    error: None,
                    recent: VecDeque::new(),
                });
                self.tracks.len() - 1
            }
        };
        let (capacity, recent_capacity) = (self.capacity, self.recent_capacity);
        let oldest = at_ms - self.span.as_millis() as i64;
        let recent_oldest = at_ms - RECENT.as_millis() as i64;
        let track = &mut self.tracks[index];
        match reading {
            Ok(reading) => {
                let before = track.recent.back().map(|(at, r)| (*at, r));
                let point = Point::between(before, at_ms, &reading);
                track.points.push_back(point);
                track.member_id = reading.member_id.clone().or(track.member_id.take());
                track.error = None;
                track.recent.push_back((at_ms, reading));
            }
            Err(why) => {
                track.points.push_back(Point::down(at_ms));
                track.error = Some(why);
                // The next reading starts anew: an interval across an outage says nothing.
                track.recent.clear();
            }
        }
        while track.points.len() > capacity
            || track.points.front().is_some_and(|p| p.at_ms < oldest)
        {
            track.points.pop_front();
        }
        // One reading older than the recent span stays, so the span is covered whole.
        while track.recent.len() > recent_capacity
            || track
                .recent
                .get(1)
                .is_some_and(|(at, _)| *at <= recent_oldest)
        {
            track.recent.pop_front();
        }
    }

    /// Names the member read at `endpoint`.
    pub fn name(&mut self, endpoint: &str, name: &str) {
        let track = self.tracks.iter_mut().find(|t| t.endpoint == endpoint);
        if let Some(track) = track.filter(|_| !name.is_empty()) {
            track.name = Some(name.to_string());
        }
    }

    /// Names the members by their ids: (id, name) as the member list gives them.
    pub fn name_by_id(&mut self, names: &[(String, String)]) {
        for track in &mut self.tracks {
            let named = names
                .iter()
                .find(|(id, _)| track.member_id.as_ref() == Some(id));
            if let Some((_, name)) = named.filter(|(_, name)| !name.is_empty()) {
                track.name = Some(name.clone());
            }
        }
    }

    /// Whether some member read has no name yet.
    pub fn unnamed(&self) -> bool {
        self.tracks
            .iter()
            .any(|t| t.name.is_none() && t.member_id.is_some())
    }

    /// Forgets the members no longer read (a member removed from the endpoints).
    pub fn keep_only(&mut self, endpoints: &[String]) {
        self.tracks.retain(|t| endpoints.contains(&t.endpoint));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::reading;
    use super::*;

    #[test]
    fn the_window_stays_at_its_bound() {
        let mut window = Window::new(Duration::from_secs(60), Duration::from_secs(5));
        for i in 0..1000 {
            window.record("http://a", i * 5_000, Ok(reading(i as f64 + 1.0)));
            window.record("http://b", i * 5_000, Err("refused".into()));
        }
        let a = &window.tracks()[0];
        assert!(a.points.len() <= 13, "{}", a.points.len());
        assert!(a.points.front().unwrap().at_ms >= 999 * 5_000 - 60_000);
        assert_eq!(a.points.back().unwrap().revisions_per_second, Some(20.0));
        let b = &window.tracks()[1];
        assert!(!b.latest().unwrap().up);
        assert_eq!(b.error.as_deref(), Some("refused"));
        assert!(a.recent.len() <= 62, "{}", a.recent.len());
        let (first, last) = a.recent_span().unwrap();
        assert!(last.0 - first.0 >= RECENT.as_millis() as i64);
    }

    #[test]
    fn an_outage_breaks_the_intervals() {
        let mut window = Window::new(Duration::from_secs(3600), Duration::from_secs(5));
        window.record("http://a", 0, Ok(reading(1.0)));
        window.record("http://a", 5_000, Err("down".into()));
        window.record("http://a", 10_000, Ok(reading(9.0)));
        let points = &window.tracks()[0].points;
        assert_eq!(points.len(), 3);
        assert_eq!(points[2].revisions_per_second, None);
        window.keep_only(&[]);
        assert!(window.is_empty());
    }
}
