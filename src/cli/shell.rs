//! `etcd-deck kv shell`: the `kv` commands at an interactive prompt, with line editing and history.

use super::{client::ApiClient, execute, output::Printer, Format, KvCommand};
use clap::{Parser, Subcommand};
use rustyline::{error::ReadlineError, DefaultEditor};
use std::process::ExitCode;

/// One line typed at the prompt.
#[derive(Debug, Parser)]
#[command(name = "", no_binary_name = true, disable_version_flag = true)]
struct Line {
    #[command(subcommand)]
    command: ShellCommand,
}

#[derive(Debug, Subcommand)]
enum ShellCommand {
    #[command(flatten)]
    Kv(KvCommand),
    /// Leave the shell.
    #[command(alias = "quit")]
    Exit,
}

/// Reads commands until `exit` or end of input; each one's error is printed and the shell goes on.
pub async fn run(client: &ApiClient, format: Format) -> ExitCode {
    let printer = Printer::new(format);
    let mut editor = match DefaultEditor::new() {
        Ok(editor) => editor,
        Err(err) => {
            eprintln!("error: cannot start the shell: {err}");
            return ExitCode::from(3);
        }
    };
    let history =
        std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".etcd-deck_history"));
    if let Some(history) = &history {
        let _ = editor.load_history(history);
    }
    println!("etcd-deck shell: type `help` for the commands, `exit` to leave.");
    loop {
        let line = match editor.readline("etcd-deck> ") {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(err) => {
                eprintln!("error: {err}");
                break;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(line.as_str());
        let Some(words) = shlex::split(&line) else {
            eprintln!("error: unbalanced quotes");
            continue;
        };
        match Line::try_parse_from(words) {
            Ok(Line {
                command: ShellCommand::Exit,
            }) => break,
            Ok(Line {
                command: ShellCommand::Kv(command),
            }) => {
                if let Err(failure) = execute(client, &printer, command).await {
                    eprintln!("error: {}", failure.message());
                }
            }
            Err(err) => {
                let _ = err.print();
            }
        }
    }
    if let Some(history) = &history {
        let _ = editor.save_history(history);
    }
    ExitCode::SUCCESS
}
