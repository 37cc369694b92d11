//! The `timether` command line: serving, migrations and administration.

use app::settings::Settings;
use app::types::{BillingStatus, Plan};
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

mod backup;
mod export;
use backup::{export_backup, import_backup};
use export::{export_csv, export_filter, export_pdf, write_whole};

#[derive(Parser, Debug)]
#[command(
    name = "timether",
    version,
    about = "Timether: self-hosted time tracking"
)]
pub struct Cli {
    /// Settings file (its [timether] table; TIMETHER_* variables override it).
    #[arg(long, global = true, default_value = "Leptos.toml")]
    pub config: PathBuf,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Create or update the database schema.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage workspaces.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Back up a workspace.
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Export a workspace's time for spreadsheets.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Tools for development, tests and benchmarks.
    #[command(subcommand)]
    Dev(DevCommand),
}

#[derive(Subcommand, Debug)]
pub enum DevCommand {
    /// Fill a workspace with realistic data: clients, projects, tags, four
    /// extra members, entries spread over three years and a few running
    /// timers. The same seed and --until give the same data.
    Seed {
        /// Workspace id (`timether workspace list`).
        #[arg(long)]
        workspace: String,
        /// How many time entries to create.
        #[arg(long, default_value_t = 10_000)]
        entries: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Entries end before this day (YYYY-MM-DD); today by default.
        #[arg(long)]
        until: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand, Debug)]
pub enum BackupCommand {
    /// Write a workspace's backup (the JSON document of Export JSON) to a
    /// file, or to standard output without --out.
    Export {
        /// Workspace id (`timether workspace list`).
        #[arg(long)]
        workspace: String,
        /// The file to write; written beside it under a temporary name and
        /// renamed when complete, so a failed export leaves no partial file.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Compress with gzip (`.json.gz`).
        #[arg(long)]
        gzip: bool,
    },
    /// Read a backup file (plain or gzip) into a workspace, as its owner,
    /// in one transaction: all of it or, when the file has problems,
    /// nothing (they are printed and the exit status is 1).
    Import {
        /// Workspace id (`timether workspace list`).
        #[arg(long)]
        workspace: String,
        /// `merge` keeps rows the file does not hold; `replace` makes the
        /// workspace's clients, projects, tags, entries and invoices
        /// exactly the file's.
        #[arg(long, default_value = "merge")]
        mode: String,
        /// Only print what the import would do.
        #[arg(long)]
        dry_run: bool,
        file: PathBuf,
    },
}

/// Which entries an export holds.
#[derive(clap::Args, Debug)]
pub struct FilterArgs {
    /// Workspace id (`timether workspace list`).
    #[arg(long)]
    workspace: String,
    /// First day, YYYY-MM-DD.
    #[arg(long)]
    from: String,
    /// Last day, YYYY-MM-DD (included).
    #[arg(long)]
    to: String,
    /// Comma-separated tag names.
    #[arg(long)]
    tags: Option<String>,
    /// `any` (entries with any of the tags), `all` or `untagged`.
    #[arg(long, default_value = "any")]
    tag_mode: String,
    /// The file to write (complete or not at all); standard output without it.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Export CSV: a workspace's finished time entries in a date range, as
    /// its owner sees them (everyone's time, in the owner's timezone).
    Csv {
        #[command(flatten)]
        filter: FilterArgs,
        /// `,` or `;`.
        #[arg(long, default_value = ",")]
        separator: String,
        /// Start with a UTF-8 byte order mark (for Excel).
        #[arg(long)]
        bom: bool,
        /// Leave cells starting with `=`, `+`, `-` or `@` as they are.
        #[arg(long)]
        no_escape_formulas: bool,
    },
    /// Export PDF: a time report of a date range (totals, hours per day,
    /// breakdowns, then every entry), as the workspace's owner sees it.
    Pdf {
        #[command(flatten)]
        filter: FilterArgs,
        /// Totals, chart and breakdowns only, without the entry table.
        #[arg(long)]
        summary: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account with a personal workspace. The password is read
    /// from standard input (or prompted for, without echo, on a terminal).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// List accounts.
    List,
    /// Disable an account and sign out all its sessions.
    Disable { email: String },
    /// Turn off two-factor authentication for someone who lost their
    /// device: deletes the secret and recovery codes and signs out every
    /// session of that person.
    #[command(name = "reset-2fa")]
    ResetTwoFactor { email: String },
}

#[derive(Subcommand, Debug)]
pub enum WorkspaceCommand {
    /// One line per workspace: id, name, plan, billing status, owners.
    List,
    /// Set a workspace's plan: free, solo-pro, team or business.
    SetPlan { workspace: String, plan: String },
    /// Set a workspace's billing status: active or read-only.
    SetBilling { workspace: String, status: String },
    /// Clear Workspace: delete its time entries, projects, clients and tags
    /// (invoices too with --include-invoices), keeping a backup the owner
    /// can restore from the Data tab (Undo clear) for 30 days.
    Clear {
        workspace: String,
        /// Confirms the deletion.
        #[arg(long)]
        yes: bool,
        /// Also delete the workspace's invoices.
        #[arg(long)]
        include_invoices: bool,
    },
}

/// Loads settings, printing warnings about unknown keys to standard error.
pub fn load_settings(path: &std::path::Path) -> anyhow::Result<Settings> {
    let (mut settings, warnings) =
        Settings::load(Some(path), |k| std::env::var(k).ok()).map_err(anyhow::Error::msg)?;
    settings.resolve_totp_key().map_err(anyhow::Error::msg)?;
    settings.resolve_geoip().map_err(anyhow::Error::msg)?;
    for w in warnings {
        tracing::warn!("{w}");
        eprintln!("warning: {w}");
    }
    Ok(settings)
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        if first != second {
            anyhow::bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn parse_workspace(s: &str) -> anyhow::Result<uuid::Uuid> {
    s.trim().parse().map_err(|_| {
        anyhow::anyhow!("`{s}` is not a workspace id; `timether workspace list` shows them")
    })
}

fn domain(e: app::error::Error) -> anyhow::Error {
    match e {
        app::error::Error::Invalid { field, message } => match field {
            Some(f) => anyhow::anyhow!("{f}: {message}"),
            None => anyhow::anyhow!("{message}"),
        },
        other => anyhow::anyhow!("{}", app::error::AppError::from(other)),
    }
}

/// Runs an administrative command against the configured database.
pub async fn run_admin(settings: &Settings, command: Command) -> anyhow::Result<()> {
    let db = app::db::connect(&settings.database_url)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot open the database {}: {e}",
                redact(&settings.database_url)
            )
        })?;
    let now = crate::system_clock();
    let mut out = std::io::stdout().lock();
    match command {
        Command::Serve => unreachable!("serve is handled by main"),
        Command::Migrate => writeln!(out, "database is up to date")?,
        Command::User(UserCommand::Create { email, name }) => {
            let password = read_password()?;
            let (user, ws) = app::users::create(&db, &name, &email, &password, now)
                .await
                .map_err(domain)?;
            writeln!(
                out,
                "created {} ({}) with workspace {ws}",
                user.email, user.id
            )?;
        }
        Command::User(UserCommand::List) => {
            for u in app::users::list(&db).await.map_err(domain)? {
                let state = if u.disabled_at.is_some() {
                    "disabled"
                } else {
                    "active"
                };
                writeln!(out, "{}\t{}\t{}\t{state}", u.id, u.email, u.name)?;
            }
        }
        Command::User(UserCommand::Disable { email }) => {
            let n = app::users::disable(&db, &email, now)
                .await
                .map_err(domain)?;
            writeln!(out, "disabled {email}; signed out {n} session(s)")?;
        }
        Command::User(UserCommand::ResetTwoFactor { email }) => {
            let was_on = app::two_factor::service::reset(&db, &email, now)
                .await
                .map_err(domain)?;
            if was_on {
                writeln!(
                    out,
                    "two-factor authentication is off for {email}; all sessions signed out"
                )?;
            } else {
                writeln!(
                    out,
                    "{email} did not have two-factor authentication on; all sessions signed out"
                )?;
            }
        }
        Command::Workspace(WorkspaceCommand::List) => {
            for w in app::workspaces::service::list_all(&db)
                .await
                .map_err(domain)?
            {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    w.id,
                    w.name,
                    w.plan.as_str(),
                    w.billing_status.as_str(),
                    w.owners.join(",")
                )?;
            }
        }
        Command::Workspace(WorkspaceCommand::SetPlan { workspace, plan }) => {
            let id = parse_workspace(&workspace)?;
            let plan = Plan::parse(&plan).ok_or_else(|| {
                anyhow::anyhow!("unknown plan `{plan}`: use free, solo-pro, team or business")
            })?;
            app::workspaces::service::set_plan(&db, id, plan)
                .await
                .map_err(domain)?;
            writeln!(out, "workspace {id} is now on the {} plan", plan.label())?;
        }
        Command::Dev(DevCommand::Seed {
            workspace,
            entries,
            seed,
            until,
        }) => {
            let id = parse_workspace(&workspace)?;
            let until = until.unwrap_or_else(|| now.date_naive());
            let started = std::time::Instant::now();
            let done = crate::seed::seed(
                &db,
                Some(&settings.database_url),
                id,
                entries,
                seed,
                until,
                now,
            )
            .await?;
            let secs = started.elapsed().as_secs_f64();
            writeln!(
                out,
                "seeded workspace {id}: {} entries, {} running timers, {} tag links, {} new people in {secs:.2} s ({:.0} entries/s)",
                done.entries,
                done.running,
                done.tag_links,
                done.people,
                done.entries as f64 / secs.max(1e-9)
            )?;
        }
        Command::Backup(BackupCommand::Export {
            workspace,
            out: path,
            gzip,
        }) => {
            let id = parse_workspace(&workspace)?;
            let scope = app::tenant::owner_scope(&db, id).await.map_err(domain)?;
            let done = export_backup(&db, scope, now, gzip, path.as_deref()).await?;
            let c = &done.counts;
            let line = format!(
                "exported {}: {} time entries, {} projects, {} clients, {} tags, {} invoices, {} members",
                done.workspace_name, c.time_entries, c.projects, c.clients, c.tags, c.invoices, c.members
            );
            match &path {
                Some(p) => writeln!(out, "{line} to {}", p.display())?,
                // Standard output holds the document.
                None => eprintln!("{line}"),
            }
        }
        Command::Export(ExportCommand::Csv {
            filter,
            separator,
            bom,
            no_escape_formulas,
        }) => {
            let (scope, time_filter) = export_filter(&db, &filter).await?;
            let opts = app::time_export::CsvOptions {
                separator: app::time_export::Separator::parse(&separator).ok_or_else(|| {
                    anyhow::anyhow!("unknown separator `{separator}`: use , or ;")
                })?,
                bom,
                escape_formulas: !no_escape_formulas,
            };
            let path = filter.out.as_deref();
            let done = export_csv(&db, scope, time_filter, opts, now, path).await?;
            let mut line = format!("exported {} time entries", done.rows);
            if done.running > 0 {
                line.push_str(&format!(" ({} running left out)", done.running));
            }
            match path {
                Some(p) => writeln!(out, "{line} to {}", p.display())?,
                None => eprintln!("{line}"),
            }
        }
        Command::Export(ExportCommand::Pdf { filter, summary }) => {
            let (scope, time_filter) = export_filter(&db, &filter).await?;
            let detail = if summary {
                app::time_export::Detail::Summary
            } else {
                app::time_export::Detail::Full
            };
            let pdf = export_pdf(&db, &scope, &time_filter, detail, now, settings).await?;
            match filter.out.as_deref() {
                Some(p) => {
                    write_whole(p, &pdf)?;
                    writeln!(
                        out,
                        "wrote a {} KB PDF to {}",
                        pdf.len() / 1024,
                        p.display()
                    )?;
                }
                None => std::io::stdout().write_all(&pdf)?,
            }
        }
        Command::Backup(BackupCommand::Import {
            workspace,
            mode,
            dry_run,
            file,
        }) => {
            let id = parse_workspace(&workspace)?;
            let mode = app::backup::Mode::parse(&mode)
                .ok_or_else(|| anyhow::anyhow!("unknown mode `{mode}`: use merge or replace"))?;
            let scope = app::tenant::owner_scope(&db, id).await.map_err(domain)?;
            let report = import_backup(&db, &scope, file, mode, dry_run, now).await?;
            for line in report.summary() {
                writeln!(out, "{line}")?;
            }
            if !report.ok() {
                anyhow::bail!("the file was not imported: nothing changed");
            }
        }
        Command::Workspace(WorkspaceCommand::Clear {
            workspace,
            yes,
            include_invoices,
        }) => {
            let id = parse_workspace(&workspace)?;
            let scope = app::tenant::owner_scope(&db, id).await.map_err(domain)?;
            let summary = app::backup::clear::service::summary(&db, &scope)
                .await
                .map_err(domain)?;
            if !yes {
                anyhow::bail!(
                    "clearing “{}” deletes {} time entries, {} projects, {} clients and {} tags; add --yes to confirm",
                    summary.workspace_name,
                    summary.time_entries,
                    summary.projects,
                    summary.clients,
                    summary.tags
                );
            }
            let cmd = app::backup::clear::service::ClearCommand {
                confirm_name: summary.workspace_name.clone(),
                include_invoices,
            };
            let done = app::backup::clear::service::clear(&db, &scope, &cmd, now)
                .await
                .map_err(domain)?;
            writeln!(
                out,
                "cleared “{}”: {} time entries; the owner can undo it on the Data tab until {}",
                summary.workspace_name,
                done.time_entries,
                done.expires_at.format("%Y-%m-%d")
            )?;
        }
        Command::Workspace(WorkspaceCommand::SetBilling { workspace, status }) => {
            let id = parse_workspace(&workspace)?;
            let status = BillingStatus::parse(&status).ok_or_else(|| {
                anyhow::anyhow!("unknown billing status `{status}`: use active or read-only")
            })?;
            app::workspaces::service::set_billing(&db, id, status)
                .await
                .map_err(domain)?;
            writeln!(
                out,
                "workspace {id} billing status is now {}",
                status.as_str()
            )?;
        }
    }
    Ok(())
}

/// Hides the password in a database URL for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("sqlite://data/t.db"), "sqlite://data/t.db");
    }
}
