//! Following the changes under a prefix as they happen, from a revision on.

use super::caller::Caller;
use crate::domain::{watch::Watched, AppError, Key};
use futures::{stream, Stream};

/// The changes under `prefix` from `start_revision` on (or from now), as the caller may see
/// them (with `values`, each with the start of its value and of the one before): batches of changes in revision order, and gaps where etcd compacted changes away before
/// they were seen. The stream ends after telling a follower that fell too far behind to resync
/// ([`Watched::Resync`]), and after an error.
pub async fn watch(
    caller: &Caller,
    prefix: &Key,
    start_revision: Option<i64>,
    values: bool,
) -> Result<impl Stream<Item = Result<Watched, AppError>> + Send + 'static, AppError> {
    if start_revision.is_some_and(|revision| revision < 1) {
        return Err(AppError::invalid("the start revision must be 1 or more"));
    }
    let follower = caller.etcd.follow(prefix, start_revision, values).await?;
    Ok(stream::unfold(Some(follower), |follower| async move {
        let mut follower = follower?;
        match follower.next().await {
            Ok(Some(watched)) => Some((Ok(watched), Some(follower))),
            Ok(None) => None,
            Err(err) => Some((Err(err), None)),
        }
    }))
}
