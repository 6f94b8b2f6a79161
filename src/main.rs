//! The etcd-deck binary: without a command it connects to etcd and serves the web UI and REST API
//! until SIGINT or SIGTERM; `etcd-deck kv …` is the command-line client of a running server.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use clap::Parser;
    use tracing_subscriber::EnvFilter;

    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let cli = etcd_deck::server::Cli::parse();
    if let Some(etcd_deck::server::Command::Kv(args)) = cli.command {
        return etcd_deck::cli::run(args).await;
    }
    match serve(cli.serve).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("etcd-deck stopped: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "ssr")]
async fn serve(config: etcd_deck::server::Config) -> Result<(), Box<dyn std::error::Error>> {
    use etcd_deck::{
        etcd::Etcd,
        server::{app, AppState},
    };
    use leptos::config::get_configuration;

    let mut leptos_options = get_configuration(None)?.leptos_options;
    if let Some(addr) = config.addr {
        leptos_options.site_addr = addr;
    }
    let addr = leptos_options.site_addr;
    let etcd = Etcd::connect(config.etcd_settings()).await?;
    tracing::info!(endpoints = ?etcd.endpoints(), "using etcd");
    let state = AppState {
        leptos_options,
        etcd,
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("etcd-deck is serving on http://{}", listener.local_addr()?);
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("etcd-deck stopped");
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
#[cfg(feature = "ssr")]
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};

    let interrupt = tokio::signal::ctrl_c();
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = interrupt => {}
                _ = terminate.recv() => {}
            }
        }
        Err(_) => {
            let _ = interrupt.await;
        }
    }
}

#[cfg(not(feature = "ssr"))]
pub fn main() {
    // The browser build has no binary; its entry point is `hydrate()` in lib.rs.
}
