//! `etcd-deck kv`: the command-line client of a running etcd-deck, over its REST API.
//!
//! Exit codes: 0 done, 1 not found, 2 usage or invalid input, 3 unavailable or conflict, 4 not
//! signed in or not allowed.

mod client;
pub mod cluster;
mod output;
mod shell;
pub mod user;

use crate::api::model::PutBody;
use clap::{Args, Subcommand, ValueEnum};
use client::{ApiClient, Credentials, Failure};
use output::Printer;
use std::process::ExitCode;

/// Keys per request when `ls` pages through a prefix.
const LS_PAGE: u32 = 1000;

/// How the command line reaches a running etcd-deck, for `kv` and `cluster` alike.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// The etcd-deck server to talk to.
    #[arg(
        long,
        env = "ETCD_DECK_SERVER",
        default_value = "http://127.0.0.1:3000",
        global = true
    )]
    pub server: String,

    /// The CA certificate (PEM) to trust for an `https://` server, beside the system's roots.
    #[arg(long, env = "ETCD_DECK_CA_CERT", global = true)]
    pub ca_cert: Option<std::path::PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Plain, global = true)]
    pub output: Format,

    /// Sign in as this user; the password is read from ETCD_DECK_PASSWORD, or asked for.
    #[arg(long, env = "ETCD_DECK_USER", global = true)]
    pub user: Option<String>,
}

impl ServerArgs {
    /// A client of the server, signed in as asked; or why not, with the exit code 2.
    fn client(&self) -> Result<ApiClient, ExitCode> {
        let credentials = match &self.user {
            Some(user) => match password_for(user) {
                Ok(password) => Some(Credentials {
                    user: user.clone(),
                    password,
                }),
                Err(message) => {
                    eprintln!("etcd-deck: {message}");
                    return Err(ExitCode::from(2));
                }
            },
            None => None,
        };
        ApiClient::new(&self.server, self.ca_cert.as_deref(), credentials).map_err(|message| {
            eprintln!("etcd-deck: {message}");
            ExitCode::from(2)
        })
    }
}

#[derive(Debug, Args)]
pub struct KvArgs {
    #[command(flatten)]
    pub server: ServerArgs,

    #[command(subcommand)]
    pub command: KvCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Plain,
    Json,
    Table,
}

#[derive(Debug, Subcommand)]
pub enum KvCommand {
    /// List the keys under a prefix (all keys without one).
    Ls {
        prefix: Option<String>,
        /// Stop after this many keys.
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Print a key's value.
    Get { key: String },
    /// Write a value.
    Put {
        key: String,
        value: String,
        /// Expire the key after this many seconds, on a new lease.
        #[arg(long, conflicts_with_all = ["lease", "keep_lease"])]
        ttl: Option<i64>,
        /// Attach the key to this existing lease (hexadecimal, as `etcdctl lease list` prints).
        #[arg(long, conflicts_with = "keep_lease")]
        lease: Option<String>,
        /// Keep the key on the lease it has (else a put takes it off, as etcd's own put does).
        #[arg(long)]
        keep_lease: bool,
    },
    /// Delete a key.
    Del { key: String },
    /// Tell whether a key exists (exit 0) or not (exit 1).
    Has { key: String },
    /// Delete a key and print the value it held.
    Pop { key: String },
    /// Append a value (JSON, or else a string) to the JSON array stored at a key.
    Append { key: String, value: String },
    /// Write every key under a prefix (all keys without one), at one revision, to stdout: a
    /// header line, then one JSON line per key (`kv import` reads it back).
    Export { prefix: Option<String> },
    /// Import a file made by `kv export` (or a flat JSON object): report what it would do, and
    /// with --apply write it, leaving keys changed since the report alone.
    Import {
        file: std::path::PathBuf,
        /// Write the keys (else only report).
        #[arg(long)]
        apply: bool,
    },
    /// List the cluster's members and their health.
    Members,
    /// Tell which members have applied the latest write of a key: each member's own copy
    /// against a linearizable read.
    Locate { key: String },
    /// An interactive shell with the same commands, history and `help`.
    Shell,
}

/// Runs one `kv` command and answers the process exit code.
pub async fn run(args: KvArgs) -> ExitCode {
    let client = match args.server.client() {
        Ok(client) => client,
        Err(code) => return code,
    };
    if matches!(args.command, KvCommand::Shell) {
        return shell::run(&client, args.server.output).await;
    }
    let printer = Printer::new(args.server.output);
    match execute(&client, &printer, args.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}

/// Runs one command against the server, printing its result.
async fn execute(client: &ApiClient, printer: &Printer, command: KvCommand) -> Result<(), Failure> {
    match command {
        KvCommand::Ls { prefix, limit } => {
            let prefix = prefix.unwrap_or_default();
            let mut keys = Vec::new();
            let mut after = None;
            loop {
                let page = client.list(&prefix, after.as_deref(), LS_PAGE).await?;
                keys.extend(page.keys);
                if limit.is_some_and(|limit| keys.len() >= limit as usize) {
                    keys.truncate(limit.unwrap_or_default() as usize);
                    break;
                }
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            printer.keys(&keys);
        }
        KvCommand::Get { key } => printer.key_value(&client.get(&key).await?),
        KvCommand::Put {
            key,
            value,
            ttl,
            lease,
            keep_lease,
        } => {
            let body = PutBody {
                value,
                ttl,
                lease,
                keep_lease,
            };
            printer.written(&key, &client.put(&key, &body).await?)
        }
        KvCommand::Del { key } => printer.deleted(&client.pop(&key).await?),
        KvCommand::Has { key } => {
            let exists = client.has(&key).await?;
            printer.exists(&key, exists);
            if !exists {
                return Err(Failure::NotFound(format!("key not found: {key}")));
            }
        }
        KvCommand::Pop { key } => printer.key_value(&client.pop(&key).await?),
        KvCommand::Append { key, value } => {
            let item = serde_json::from_str(&value).unwrap_or(serde_json::Value::String(value));
            printer.appended(&key, &client.append(&key, item).await?);
        }
        KvCommand::Export { prefix } => {
            let mut stdout = tokio::io::stdout();
            client
                .export(prefix.as_deref().unwrap_or(""), &mut stdout)
                .await?;
        }
        KvCommand::Import { file, apply } => {
            let body = tokio::fs::read(&file).await.map_err(|err| {
                Failure::Invalid(format!("cannot read {}: {err}", file.display()))
            })?;
            let report = client.import(body.clone(), None).await?;
            printer.import(&report);
            if apply {
                let applied = client.import(body, Some(report.revision)).await?;
                printer.import(&applied);
            }
        }
        KvCommand::Members => printer.members(&client.cluster().await?),
        KvCommand::Locate { key } => printer.location(&client.locate(&key).await?),
        KvCommand::Shell => {
            return Err(Failure::Invalid("the shell cannot be nested".into()));
        }
    }
    Ok(())
}

/// The password of `user`: from `ETCD_DECK_PASSWORD`, or typed at the terminal without echo.
pub fn password_for(user: &str) -> Result<String, String> {
    if let Ok(password) = std::env::var("ETCD_DECK_PASSWORD") {
        return Ok(password);
    }
    rpassword::prompt_password(format!("Password for {user}: ")).map_err(|err| {
        format!("cannot read the password of {user} ({err}); set ETCD_DECK_PASSWORD")
    })
}
