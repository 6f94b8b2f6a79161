//! Following the changes under a prefix as they happen, from a revision on.

use super::access::Caller;
use crate::domain::{watch::Watched, AppError, Key};
use futures::{stream, Stream};

/// The changes under `prefix` from `start_revision` on (or from now), as the caller may see
/// them: batches of changes in revision order, until etcd ends the watch. A start revision etcd
/// has compacted is told first, as [`Watched::Compacted`], and ends the stream; so does an
/// error.
pub async fn watch(
    caller: &Caller,
    prefix: &Key,
    start_revision: Option<i64>,
) -> Result<impl Stream<Item = Result<Watched, AppError>> + Send + 'static, AppError> {
    if start_revision.is_some_and(|revision| revision < 1) {
        return Err(AppError::invalid("the start revision must be 1 or more"));
    }
    let watch = caller.etcd.watch(prefix, start_revision).await?;
    Ok(stream::unfold(Some(watch), |watch| async move {
        let mut watch = watch?;
        match watch.next().await {
            Ok(Some(watched @ Watched::Changes(_))) => Some((Ok(watched), Some(watch))),
            Ok(Some(compacted @ Watched::Compacted { .. })) => Some((Ok(compacted), None)),
            Ok(None) => None,
            Err(err) => Some((Err(err), None)),
        }
    }))
}
