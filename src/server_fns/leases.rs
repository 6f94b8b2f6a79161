//! Leases: listing, granting, keeping alive and revoking them.

use crate::domain::{lease::Leases, AppError, WriteReceipt};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::glue::with_caller, crate::domain::lease::parse_lease_id, crate::services::leases,
    crate::urls::routes, leptos_axum::redirect,
};

/// The cluster's leases, with their times to live and keys.
#[server(prefix = "/fn")]
pub async fn list_leases() -> Result<Leases, AppError> {
    with_caller(|caller| async move { leases::list(&caller).await }).await
}

/// Grants a lease of `ttl` seconds.
#[server(prefix = "/fn")]
pub async fn grant_lease(ttl: i64) -> Result<WriteReceipt, AppError> {
    with_caller(|caller| async move {
        let (_, receipt) = leases::grant(&caller, ttl).await?;
        redirect(&routes::leases_url());
        Ok(receipt)
    })
    .await
}

/// Renews a lease (`id`, hexadecimal) once.
#[server(prefix = "/fn")]
pub async fn keep_lease_alive(id: String) -> Result<i64, AppError> {
    with_caller(|caller| async move {
        let lease = leases::keep_alive(&caller, parse_lease_id(&id)?).await?;
        redirect(&routes::leases_url());
        Ok(lease.ttl)
    })
    .await
}

/// Revokes a lease (`id`, hexadecimal), deleting its keys.
#[server(prefix = "/fn")]
pub async fn revoke_lease(id: String) -> Result<WriteReceipt, AppError> {
    with_caller(|caller| async move {
        let receipt = leases::revoke(&caller, parse_lease_id(&id)?).await?;
        redirect(&routes::leases_url());
        Ok(receipt)
    })
    .await
}
