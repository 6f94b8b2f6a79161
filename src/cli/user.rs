//! `etcd-deck user`: the users file, for an etcd without authentication.

use crate::domain::access::Role;
use crate::services::users::{add_user, check_user_name};
use crate::services::users_file;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct UserArgs {
    /// The users file to change.
    #[arg(long, env = "ETCD_DECK_USERS_FILE", global = true)]
    pub users_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user, or give one a new role and password. The password is read from
    /// ETCD_DECK_PASSWORD, or asked for twice.
    Add {
        name: String,
        /// viewer (reads), editor (also writes keys) or admin (also deletes prefixes).
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// Remove a user; the last admin stays.
    Remove { name: String },
    /// List the users and their roles.
    List,
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| format!("{text:?} is not a role: viewer, editor or admin"))
}

/// Runs one `user` command and answers the process exit code.
pub fn run(args: UserArgs) -> ExitCode {
    let result = (|| {
        let path = args
            .users_file
            .ok_or("give the users file with --users-file or ETCD_DECK_USERS_FILE")?;
        match args.command {
            UserCommand::Add { name, role } => {
                check_user_name(&name)?;
                let password = new_password(&name)?;
                add_user(&path, &name, role, &password)?;
                Ok(format!(
                    "{name} is now a {} in {}",
                    role.as_str(),
                    path.display()
                ))
            }
            UserCommand::Remove { name } => {
                users_file::apply(&path, &users_file::LocalChange::Remove { name })
                    .map_err(|err| err.to_string())
            }
            UserCommand::List => Ok(users_file::list(&path)
                .map_err(|err| err.to_string())?
                .iter()
                .map(|user| format!("{}\t{}", user.name, user.role.as_str()))
                .collect::<Vec<_>>()
                .join("\n")),
        }
    })();
    match result {
        Ok(said) => {
            println!("{said}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("etcd-deck: {message}");
            ExitCode::from(2)
        }
    }
}

fn new_password(name: &str) -> Result<String, String> {
    if let Ok(password) = std::env::var("ETCD_DECK_PASSWORD") {
        return Ok(password);
    }
    let ask = |prompt: String| {
        rpassword::prompt_password(prompt)
            .map_err(|err| format!("cannot read a password ({err}); set ETCD_DECK_PASSWORD"))
    };
    let first = ask(format!("New password for {name}: "))?;
    let second = ask("Again: ".to_string())?;
    if first != second {
        return Err("the two passwords differ; nothing was changed".into());
    }
    Ok(first)
}
