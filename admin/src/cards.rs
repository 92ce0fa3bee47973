//! `quietline-admin cards`: resource cards in and out of an organisation, through the same
//! import and export the admin API runs.

use anyhow::Context;
use clap::Subcommand;
use quietline_protocol::OrganisationId;
use quietline_server::auth::Principal;
use quietline_server::cards::transfer::{self, Format, Import};
use quietline_server::state::AppState;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum CardsTask {
    /// Imports cards as drafts, from a JSON or CSV file (as `export` writes them) or the
    /// built-in starter set of Canadian sample cards. Every problem is listed by row and field,
    /// and nothing is imported when there is any.
    Import {
        /// The organisation's id or exact name.
        #[arg(long)]
        organisation: String,
        /// A `.json` or `.csv` file.
        #[arg(long, conflicts_with = "starter", required_unless_present = "starter")]
        file: Option<PathBuf>,
        /// The starter set: sample cards, in English, French, Spanish, Tagalog and Simplified
        /// Chinese, for administrators to review and complete before publishing.
        #[arg(long)]
        starter: bool,
        /// Check and report; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Checks a file as `import` would, against the organisation's cards, and writes nothing.
    Validate {
        #[arg(long)]
        organisation: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Writes the organisation's cards to a `.json` or `.csv` file (every version's current
    /// content, every translation), which `import` reads back.
    Export {
        #[arg(long)]
        organisation: String,
        #[arg(long)]
        to: PathBuf,
    },
}

pub async fn run(state: &AppState, task: CardsTask) -> anyhow::Result<()> {
    match task {
        CardsTask::Import {
            organisation,
            file,
            starter,
            dry_run,
        } => {
            let organisation = crate::organisation_id(state, &organisation).await?;
            let (format, bytes) = match file {
                Some(path) => read_file(&path)?,
                None if starter => {
                    refuse_second_starter(state, &organisation).await?;
                    (
                        Format::Json,
                        quietline_admin::starter::CARDS.as_bytes().to_vec(),
                    )
                }
                None => anyhow::bail!("give --file or --starter"),
            };
            import(state, organisation, format, bytes, dry_run).await
        }
        CardsTask::Validate { organisation, file } => {
            let organisation = crate::organisation_id(state, &organisation).await?;
            let (format, bytes) = read_file(&file)?;
            import(state, organisation, format, bytes, true).await
        }
        CardsTask::Export { organisation, to } => {
            let admin = crate::administer(state, &organisation).await?;
            let bytes = match format_of(&to)? {
                Format::Json => {
                    let export = transfer::export_json(state, &admin)
                        .await
                        .map_err(crate::refused)?;
                    let mut bytes = serde_json::to_vec_pretty(&export)?;
                    bytes.push(b'\n');
                    bytes
                }
                Format::Csv => transfer::export_csv(state, &admin)
                    .await
                    .map_err(crate::refused)?,
            };
            std::fs::write(&to, &bytes).with_context(|| format!("writing {}", to.display()))?;
            println!("cards written to {}", to.display());
            Ok(())
        }
    }
}

fn format_of(path: &Path) -> anyhow::Result<Format> {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("csv") => Ok(Format::Csv),
        Some(ext) if ext.eq_ignore_ascii_case("json") => Ok(Format::Json),
        _ => anyhow::bail!("the file must end in .json or .csv"),
    }
}

/// The file, read with a progress bar on a terminal (large exports take a while).
fn read_file(path: &Path) -> anyhow::Result<(Format, Vec<u8>)> {
    let format = format_of(path)?;
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or_default();
    let bar = indicatif::ProgressBar::new(size).with_style(
        indicatif::ProgressStyle::with_template("reading {bytes}/{total_bytes} {wide_bar}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or_default());
    bar.wrap_read(file)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", path.display()))?;
    bar.finish_and_clear();
    Ok((format, bytes))
}

/// Loading the set twice would make every sample card twice.
async fn refuse_second_starter(
    state: &AppState,
    organisation: &OrganisationId,
) -> anyhow::Result<()> {
    if quietline_admin::starter::already_loaded(state, organisation)
        .await
        .map_err(crate::refused)?
    {
        anyhow::bail!("the organisation already has sample cards; archive or edit those instead");
    }
    Ok(())
}

async fn import(
    state: &AppState,
    organisation_id: OrganisationId,
    format: Format,
    bytes: Vec<u8>,
    dry_run: bool,
) -> anyhow::Result<()> {
    let spinner = indicatif::ProgressBar::new_spinner().with_message("checking the cards");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let outcome = transfer::import(
        state,
        Import {
            organisation_id,
            format,
            bytes,
            dry_run,
            by: Principal::operator(),
        },
    )
    .await;
    spinner.finish_and_clear();
    match outcome {
        Ok(report) => {
            let verb = if report.dry_run { "would be" } else { "were" };
            println!(
                "{} cards {verb} created, {} updated, {} unchanged (as drafts: review and publish them)",
                report.created, report.updated, report.unchanged
            );
            Ok(())
        }
        Err(error) => {
            for problem in error.problems.iter().flatten() {
                match problem.row {
                    Some(row) => eprintln!("row {row}, {}: {}", problem.field, problem.message),
                    None => eprintln!("{}: {}", problem.field, problem.message),
                }
            }
            anyhow::bail!("{}", error.message)
        }
    }
}
