//! Request bodies that must keep arriving: a client that sends a request head and then its
//! body a byte at a time (or never) would otherwise hold its connection, and one of the
//! `--max-connections` slots, for as long as it likes.
//!
//! A body has the header timeout to begin, and from then on must have arrived at
//! [`MIN_BYTES_PER_SEC`] at least on average: by `grace + received / rate` after the handler
//! began to read it, the next byte is due. The clock starts when the body is first read, not
//! when the head arrived: a request that waits its turn (an import behind another) is not the
//! client's delay. A body that falls behind ends with an error, which the handler reading it
//! answers (400), and the connection is closed. So the longest any body can take is the grace
//! plus its size at the minimum rate: 6 MiB (the largest form) within 6½ minutes, and nobody
//! sending one byte every few seconds lasts longer than the grace.

use axum::body::{Body, Bytes, HttpBody};
use http_body::{Frame, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// The slowest a body may arrive, on average, after its grace.
pub const MIN_BYTES_PER_SEC: u64 = 16 * 1024;

/// `body`, cut off when it arrives slower than [`MIN_BYTES_PER_SEC`] after `grace`.
pub fn cut_off_when_slow<B>(body: B, grace: Duration) -> Body
where
    B: HttpBody<Data = Bytes> + Unpin + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    Body::new(SlowBodyCutoff {
        body,
        grace,
        received: 0,
        clock: None,
    })
}

struct SlowBodyCutoff<B> {
    body: B,
    grace: Duration,
    received: u64,
    /// When the body was first read, and when its next byte is due.
    clock: Option<(Instant, Pin<Box<Sleep>>)>,
}

impl<B> SlowBodyCutoff<B> {
    fn next_due(&self, start: Instant) -> Instant {
        let allowed = Duration::from_millis(self.received.saturating_mul(1000) / MIN_BYTES_PER_SEC);
        start + self.grace + allowed
    }
}

/// Why a body was cut off.
#[derive(Debug, thiserror::Error)]
#[error("the request body arrived too slowly (under {MIN_BYTES_PER_SEC} bytes a second) and was cut off")]
pub struct TooSlow;

impl<B> HttpBody for SlowBodyCutoff<B>
where
    B: HttpBody<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let grace = this.grace;
        let (start, _) = this.clock.get_or_insert_with(|| {
            let start = Instant::now();
            (start, Box::pin(tokio::time::sleep_until(start + grace)))
        });
        let start = *start;
        match Pin::new(&mut this.body).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                    let due = this.next_due(start);
                    if let Some((_, sleep)) = &mut this.clock {
                        sleep.as_mut().reset(due);
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(err.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match &mut this.clock {
                Some((_, sleep)) => {
                    ready!(sleep.as_mut().poll(cx));
                    Poll::Ready(Some(Err(TooSlow.into())))
                }
                None => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, StreamBody};

    #[tokio::test(start_paused = true)]
    async fn a_trickle_is_cut_off_and_a_steady_body_is_not() {
        let trickle = futures::stream::unfold(0, |sent| async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            (sent < 100).then(|| {
                (
                    Ok::<_, std::io::Error>(Frame::data(Bytes::from("x"))),
                    sent + 1,
                )
            })
        });
        let body = cut_off_when_slow(StreamBody::new(Box::pin(trickle)), Duration::from_secs(10));
        let err = body.collect().await.unwrap_err();
        assert!(err.to_string().contains("too slowly"), "{err}");

        let chunk = Bytes::from(vec![b'x'; MIN_BYTES_PER_SEC as usize]);
        let steady = futures::stream::unfold(0, move |sent| {
            let chunk = chunk.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(900)).await;
                (sent < 30).then(|| (Ok::<_, std::io::Error>(Frame::data(chunk)), sent + 1))
            }
        });
        let body = cut_off_when_slow(StreamBody::new(Box::pin(steady)), Duration::from_secs(10));
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(bytes.len(), 30 * MIN_BYTES_PER_SEC as usize);

        // A body left unread (its request waits its turn) is timed from its first read.
        let whole = futures::stream::iter([Ok::<_, std::io::Error>(Frame::data(Bytes::from("x")))]);
        let body = cut_off_when_slow(StreamBody::new(whole), Duration::from_secs(10));
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(body.collect().await.unwrap().to_bytes().as_ref(), b"x");
    }
}
