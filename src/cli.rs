//! The command line: `serve` (the default), `migrate`, `token`, `seed`, `import`, `backup` and
//! `copy`.
//! Every flag is also the environment variable docs/API.md names.

use std::collections::HashSet;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::auth::{self, Role};
use crate::config::{self, AuthArgs, DatabaseArgs, HttpArgs, Settings};
use crate::kit::csv;
use crate::startup::Application;
use crate::storage::history::Editor;
use crate::storage::{Database, DatabaseSettings, actors, copy, photos, seed};
use crate::telemetry;
use crate::web::WebArgs;

#[derive(Debug, Parser)]
#[command(
    name = "movie-manager",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve(ServeArgs),
    /// Apply the database migrations embedded in the binary, then exit.
    Migrate(DatabaseArgs),
    /// Print an access token signed by the local identity provider.
    Token(TokenArgs),
    /// Fill the database with sample data.
    Seed(SeedArgs),
    /// Create records from a CSV file, as an export writes it: every row, or none.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write a consistent copy of a live SQLite database to a new file.
    Backup(BackupArgs),
    /// Copy the whole catalogue, history included, into another (empty) database.
    Copy(CopyArgs),
    /// Keep the photo store and the database in step.
    #[command(subcommand)]
    Photos(PhotosCommand),
}

#[derive(Debug, Subcommand)]
enum PhotosCommand {
    /// List photo rows whose files are missing and files no row names, one line each; exit 1
    /// if there are any.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Remove the files no row names (older than an upload can take, so none in flight).
    #[arg(long)]
    repair: bool,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Actors, from a file with the columns of the actors export (`id`, `created_at`,
    /// `updated_at` and `movies` are ignored), in one transaction.
    Actors(ImportArgs),
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The CSV file: UTF-8 (a byte-order mark is fine), a header row, any column order.
    file: std::path::PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Args)]
struct BackupArgs {
    /// The file to write; it must not exist yet.
    path: std::path::PathBuf,
    /// Where the backup's photos go: a folder, or `s3://BUCKET/PREFIX`. Default: the folder
    /// `movie-manager-photos` beside PATH, where a server on the backup finds them.
    #[arg(long)]
    photos_to: Option<String>,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Args)]
struct CopyArgs {
    /// The database to copy into, e.g. `postgres://user@host/db`; it must be empty.
    #[arg(long)]
    to: String,
    /// Where the copy's photos go: a folder, or `s3://BUCKET/PREFIX`, with the `AWS_*`
    /// variables, which `PHOTOS_TO_AWS_*` ones override for this store. Default: the folder
    /// `movie-manager-photos` beside a SQLite target; required with PostgreSQL.
    #[arg(long)]
    photos_to: Option<String>,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// The variables that set the target store of `--photos-to` apart from the source's:
/// `PHOTOS_TO_AWS_ENDPOINT_URL` is the target's `AWS_ENDPOINT_URL`, and so on.
fn target_store_variables() -> Vec<(&'static str, String)> {
    const VARIABLES: [&str; 6] = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ALLOW_HTTP",
    ];
    VARIABLES
        .into_iter()
        .filter_map(|name| Some((name, std::env::var(format!("PHOTOS_TO_{name}")).ok()?)))
        .collect()
}

#[derive(Debug, Clone, Args)]
struct ServeArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    http: HttpArgs,
    #[command(flatten)]
    auth: AuthArgs,
    #[command(flatten)]
    web: WebArgs,
}

#[derive(Debug, Args)]
struct TokenArgs {
    /// Whose permissions the token carries.
    #[arg(long, value_enum)]
    role: Role,
    /// How long the token is valid, e.g. `30m`, `1h`, `7d`.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    ttl: Duration,
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    auth: AuthArgs,
    /// The server's address and `PUBLIC_URL`, which make the local provider's issuer.
    #[command(flatten)]
    http: HttpArgs,
}

#[derive(Debug, Args)]
struct SeedArgs {
    /// A realistic sample catalogue: a few dozen movies and actors with their casts.
    #[arg(long, required = true)]
    demo: bool,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Parses the command line and runs the command.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    // What these print is read by programs: the logs go to stderr.
    if matches!(cli.command, Some(Command::Token(_) | Command::Photos(_))) {
        telemetry::init_to_stderr();
    } else {
        telemetry::init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let command = cli.command.unwrap_or(Command::Serve(cli.serve));
    match runtime.block_on(execute(command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => {
            let settings = Settings {
                database: args.database.settings(),
                photos: args.database.photos()?,
                http: args.http.settings()?,
                auth: args
                    .auth
                    .settings(&args.database.database_url, &args.http.base_url()?)?,
                web: args.web.settings(args.auth.auth0_domain.as_deref())?,
            };
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await
        }
        Command::Migrate(args) => {
            let db = Database::connect(&args.settings()).await?;
            db.migrate().await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Token(args) => {
            let settings = args
                .auth
                .settings(&args.database.database_url, &args.http.base_url()?)?;
            let token = auth::issue_local_token(&settings, args.role, args.ttl)?;
            println!("{token}");
            Ok(())
        }
        Command::Backup(args) => {
            let db = Database::connect(&args.database.settings()).await?;
            copy::backed_up(&db)?;
            let from = args.database.photos()?;
            let backup_url = format!("sqlite://{}", args.path.display());
            let to =
                config::photo_store(args.photos_to.as_deref(), &backup_url, "--photos-to", &[])?;
            if from.is_same_folder(&to) {
                anyhow::bail!(
                    "the backup's photos would share the live folder {from}: back up into \
                     another folder, or give --photos-to"
                );
            }
            let files = copy::backup(
                &db,
                &args.path,
                &copy::Stores {
                    from: &from,
                    to: &to,
                },
            )
            .await?;
            println!(
                "backed up to {}, and its {files} photo files to {to}",
                args.path.display()
            );
            Ok(())
        }
        Command::Copy(args) => {
            let source = Database::connect(&args.database.settings()).await?;
            source.migrate().await?;
            let target = Database::connect(&DatabaseSettings {
                url: args.to.clone(),
                max_connections: 1,
            })
            .await?;
            let from = args.database.photos()?;
            let to = config::photo_store(
                args.photos_to.as_deref(),
                &args.to,
                "--photos-to",
                &target_store_variables(),
            )?;
            let copied = copy::copy(
                &source,
                &target,
                &copy::Stores {
                    from: &from,
                    to: &to,
                },
            )
            .await?;
            println!("{copied}");
            Ok(())
        }
        Command::Import(ImportCommand::Actors(args)) => import_actors(args).await,
        Command::Photos(PhotosCommand::Check(args)) => check_photos(args).await,
        Command::Seed(args) => {
            debug_assert!(args.demo);
            let db = Database::connect(&args.database.settings()).await?;
            db.migrate().await?;
            let summary = seed::demo(&db).await?;
            println!("{summary}");
            Ok(())
        }
    }
}

/// A file younger than this may be an upload's whose row is not written yet: never an orphan.
const UPLOAD_GRACE: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

/// `movie-manager photos check [--repair]`: rows without files, and files without rows (the
/// leftovers of a crash between storing and committing, or of a removal that failed).
async fn check_photos(args: CheckArgs) -> anyhow::Result<()> {
    let db = Database::connect(&args.database.settings()).await?;
    db.migrate().await?;
    let store = args.database.photos()?;
    let named: HashSet<String> = photos::all_keys(&db).await?.into_iter().collect();
    let files = store.files().await.context("cannot list the photo store")?;
    let stored: HashSet<&str> = files.iter().map(|(key, _)| key.as_str()).collect();
    let mut missing: Vec<&String> = named
        .iter()
        .filter(|key| !stored.contains(key.as_str()))
        .collect();
    missing.sort();
    for key in &missing {
        println!("missing file: {key}");
    }
    let settled = chrono::Utc::now() - UPLOAD_GRACE;
    let mut orphans: Vec<&String> = files
        .iter()
        .filter(|(key, written)| !named.contains(key) && *written < settled)
        .map(|(key, _)| key)
        .collect();
    orphans.sort();
    for key in &orphans {
        if args.repair {
            store.delete(key).await?;
            println!("removed orphan file: {key}");
        } else {
            println!("orphan file: {key}");
        }
    }
    let unrepaired = missing.len() + if args.repair { 0 } else { orphans.len() };
    if unrepaired > 0 {
        bail!(
            "{} of the photo store's files and rows are out of step",
            unrepaired
        );
    }
    println!(
        "{} photo files, every one named by a row{}",
        files.len() - orphans.len(),
        if args.repair {
            " (orphans removed)"
        } else {
            ""
        }
    );
    Ok(())
}

/// `movie-manager import actors FILE.csv`: the file read by the API's rules, then written in one
/// transaction with a progress bar; a file that breaks a rule imports nothing, and each broken
/// rule is told with its row.
async fn import_actors(args: ImportArgs) -> anyhow::Result<()> {
    let file = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let new_actors = match csv::read_actors(&file) {
        Ok(new_actors) => new_actors,
        Err(problems) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            bail!(
                "{} breaks {} rule(s); nothing was imported",
                args.file.display(),
                problems.len()
            );
        }
    };
    let db = Database::connect(&args.database.settings()).await?;
    db.migrate().await?;
    let bar = ProgressBar::new(new_actors.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} actors, {per_sec}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let imported = actors::import(
        &db,
        &new_actors,
        &Editor::command("import actors"),
        |done| {
            bar.set_position(done as u64);
        },
    )
    .await?;
    bar.finish_and_clear();
    println!("imported {imported} actors");
    Ok(())
}
