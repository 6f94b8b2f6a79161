//! `etcd-deck cluster`: maintenance through a running etcd-deck, over its REST API — the
//! recovery of a full database (its plan shown, its revision confirmed, its progress printed
//! as it goes), a snapshot saved to a file, and the consistency check.
//!
//! Exit codes as `kv`'s: 0 done, 2 usage or invalid input, 3 unavailable, refused or failed, 4
//! not signed in or not allowed.

use super::client::{ApiClient, Failure};
use super::ServerArgs;
use crate::api::model::{Progress, RecoveryPlan, StepState};
use crate::domain::limits::human_bytes;
use clap::{Args, Subcommand};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ClusterArgs {
    #[command(flatten)]
    pub server: ServerArgs,

    #[command(subcommand)]
    pub command: ClusterCommand,
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Recover a full database: compact the history, defragment every member one at a time
    /// (the leader last), disarm the NOSPACE alarms, and check that writes work. Shows the plan
    /// and asks for the revision to compact to, typed, unless --revision gives it.
    Recover {
        /// The revision to compact the history to (the plan's current one drops all history).
        #[arg(long)]
        revision: Option<i64>,
    },
    /// Snapshots of a member's database.
    Snapshot {
        #[command(subcommand)]
        command: SnapshotCommand,
    },
    /// Compare every member's hash of its keys.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Save a snapshot to FILE (written to FILE.part, renamed once its SHA-256 checks out),
    /// and print its member, revision, size and digest.
    Save {
        file: PathBuf,
        /// The member to take it from, by name or id; the leader by default.
        #[arg(long)]
        member: Option<String>,
    },
}

/// Runs one `cluster` command and answers the process exit code.
pub async fn run(args: ClusterArgs) -> ExitCode {
    let client = match args.server.client() {
        Ok(client) => client,
        Err(code) => return code,
    };
    let done = match args.command {
        ClusterCommand::Recover { revision } => recover(&client, revision).await,
        ClusterCommand::Snapshot {
            command: SnapshotCommand::Save { file, member },
        } => save(&client, &file, member.as_deref()).await,
        ClusterCommand::Check => check(&client).await,
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}

async fn recover(client: &ApiClient, revision: Option<i64>) -> Result<(), Failure> {
    let plan = client.plan().await?;
    print_plan(&plan);
    if let Some(why) = &plan.blocked {
        return Err(Failure::Unavailable(format!("cannot recover now: {why}")));
    }
    let revision = match revision {
        Some(revision) => revision,
        None => confirm(plan.compact_to)?,
    };
    let report = client
        .run(
            "recover",
            serde_json::json!({ "revision": revision }),
            print_step,
        )
        .await?;
    println!("{}", report.message);
    match report.ok {
        true => Ok(()),
        false => Err(Failure::Unavailable("the recovery did not finish".into())),
    }
}

fn print_plan(plan: &RecoveryPlan) {
    println!("The recovery will:");
    println!(
        "  1. compact the history to revision {} (every older version of every key is dropped)",
        plan.compact_to
    );
    let order: Vec<String> = plan
        .members
        .iter()
        .map(|m| format!("{} ({})", m.label(), m.role))
        .collect();
    println!("  2. defragment, one at a time: {}", order.join(", "));
    let alarms: Vec<String> = plan
        .alarms
        .iter()
        .map(|(member, alarm)| format!("{alarm} of {member}"))
        .collect();
    match alarms.is_empty() {
        true => println!("  3. disarm the NOSPACE alarms (none is active)"),
        false => println!("  3. disarm: {}", alarms.join(", ")),
    }
    println!("  4. write a test key and delete it");
}

/// The revision typed at the terminal to confirm; it must be the one shown.
fn confirm(current: i64) -> Result<i64, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Invalid(format!(
            "give --revision {current} to confirm the compaction (stdin is not a terminal)"
        )));
    }
    print!("Type the revision to compact to ({current}) to go on: ");
    let _ = std::io::stdout().flush();
    let mut typed = String::new();
    let read = std::io::stdin().lock().read_line(&mut typed);
    match read.ok().and_then(|_| typed.trim().parse().ok()) {
        Some(revision) if revision == current => Ok(revision),
        _ => Err(Failure::Invalid("not confirmed: nothing was done".into())),
    }
}

fn print_step(progress: &Progress) {
    let state = match progress.state {
        StepState::Started => "…",
        StepState::Done => "✓",
        StepState::Skipped => "–",
        StepState::Failed => "✗",
    };
    let took = progress
        .millis
        .map(|ms| format!(" ({ms} ms)"))
        .unwrap_or_default();
    println!("{state} {}{took}", progress.message);
}

async fn save(client: &ApiClient, file: &PathBuf, member: Option<&str>) -> Result<(), Failure> {
    let part = PathBuf::from(format!("{}.part", file.display()));
    let cannot =
        |err: std::io::Error| Failure::Invalid(format!("cannot write {}: {err}", part.display()));
    let mut out = tokio::fs::File::create(&part).await.map_err(cannot)?;
    let saved = client.snapshot(member, &mut out).await;
    drop(out);
    let saved = match saved {
        Ok(saved) => saved,
        Err(failure) => {
            let _ = std::fs::remove_file(&part);
            return Err(failure);
        }
    };
    std::fs::rename(&part, file).map_err(cannot)?;
    println!(
        "saved {}: {} ({} bytes) from member {} at revision {}, SHA-256 {}",
        file.display(),
        human_bytes(saved.size),
        saved.size,
        saved.member,
        saved.revision.map_or("unknown".into(), |r| r.to_string()),
        saved.digest
    );
    Ok(())
}

async fn check(client: &ApiClient) -> Result<(), Failure> {
    let check = client.consistency().await?;
    for member in &check.members {
        match (&member.hash, &member.error) {
            (Some(hash), _) => println!(
                "{}: {hash} (compacted to {})",
                member.member,
                member.compact_revision.unwrap_or_default()
            ),
            (None, Some(error)) => println!("{}: {error}", member.member),
            (None, None) => println!("{}: no answer", member.member),
        }
    }
    if check.consistent {
        println!("every member agrees at revision {}", check.revision);
        return Ok(());
    }
    Err(Failure::Unavailable(format!(
        "the members differ at revision {}: {}",
        check.revision,
        check.differences.join("; ")
    )))
}
