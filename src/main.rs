//! The etcd-deck binary: without a command it connects to etcd and serves the web UI and REST API
//! until SIGINT or SIGTERM; `etcd-deck kv …` is the command-line client of a running server.

/// A request allocates and frees many small buffers (headers, JSON, the rendered page), which
/// mimalloc does in fewer instructions than glibc's malloc, for more memory (README, "CPU per
/// request beside etcd's").
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
mod command_line {
    use clap::{Parser, Subcommand};

    /// etcd-deck: a web console for etcd. Without a command, it serves the web UI and REST API.
    #[derive(Debug, Parser)]
    #[command(
        name = "etcd-deck",
        version,
        about,
        args_conflicts_with_subcommands = true
    )]
    pub struct Cli {
        #[command(subcommand)]
        pub command: Option<Command>,

        #[command(flatten)]
        pub serve: etcd_deck::server::Config,
    }

    #[derive(Debug, Subcommand)]
    pub enum Command {
        /// Read and write keys through a running etcd-deck, from the command line.
        Kv(etcd_deck::cli::KvArgs),
        /// Maintain the cluster through a running etcd-deck: recover a full database, take a
        /// snapshot, check the members agree.
        Cluster(etcd_deck::cli::cluster::ClusterArgs),
        /// Manage the users file (`--users-file`) of an etcd without authentication.
        User(etcd_deck::cli::user::UserArgs),
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn kv_is_a_command_of_its_own() {
            let cli = Cli::try_parse_from(["etcd-deck", "kv", "get", "a/b", "-o", "json"]).unwrap();
            assert!(matches!(cli.command, Some(Command::Kv(_))));
            let mixed = Cli::try_parse_from(["etcd-deck", "--request-timeout", "1s", "kv", "ls"]);
            assert!(mixed.is_err(), "server flags do not mix with kv");
        }
    }
}

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use clap::Parser;
    use command_line::{Cli, Command};
    use tracing_subscriber::EnvFilter;

    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Kv(args)) => return etcd_deck::cli::run(args).await,
        Some(Command::Cluster(args)) => return etcd_deck::cli::cluster::run(args).await,
        Some(Command::User(args)) => return etcd_deck::cli::user::run(args),
        None => {}
    }
    match serve(cli.serve).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("etcd-deck: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "ssr")]
async fn serve(config: etcd_deck::server::Config) -> Result<(), Box<dyn std::error::Error>> {
    use etcd_deck::{
        etcd::Etcd,
        server::{app, metrics_only, serve, AppState},
    };

    let https = config.https()?;
    let etcd = Etcd::connect(config.etcd_settings()?).await?;
    tracing::info!(endpoints = ?etcd.endpoints(), "using etcd");
    let state = AppState::from_config(&config, etcd.clone()).await?;
    let (addr, access) = (state.leptos_options.site_addr, state.access.clone());
    if config.session_key_file.is_none() {
        tracing::info!(
            "sessions end when this process stops, and other processes do not honour them; \
             give --session-key-file to share them"
        );
    }
    // Notice whether etcd requires authentication before the first request when it answers now,
    // or else once it does.
    if !access.sign_in_required() && access.detect_etcd_authentication().await.is_err() {
        let access = access.clone();
        tokio::spawn(async move {
            while access.detect_etcd_authentication().await.is_err() {
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            }
        });
    }
    let stopping = etcd;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let scheme = if https.is_some() { "https" } else { "http" };
    println!(
        "etcd-deck is serving on {scheme}://{}",
        listener.local_addr()?
    );
    let limits = config.limits();
    if let Some(metrics_addr) = config.metrics_addr {
        let listener = tokio::net::TcpListener::bind(metrics_addr).await?;
        println!(
            "etcd-deck serves its metrics on {scheme}://{}/metrics",
            listener.local_addr()?
        );
        let metrics = metrics_only(state.telemetry.clone());
        tokio::spawn(serve(
            listener,
            metrics,
            limits,
            https.clone(),
            shutdown_signal(),
        ));
    }
    let shutdown = async move {
        shutdown_signal().await;
        // Open change streams end, so that their connections close with the others.
        stopping.stop_following();
    };
    serve(listener, app(state), limits, https, shutdown).await;
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
