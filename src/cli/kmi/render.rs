//! `kmi render REPORT.json`: the HTML page of a saved JSON report, so CI
//! can keep the JSON and draw the page later, or elsewhere.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "The page is the one `kmidiff --format html` (or `kmi abi-check \
--format html`) writes for the run that wrote the report: one self-contained file, no network \
access, readable without scripts.\n\nExamples:\n  \
kmidiff --format json -o report.json OLD NEW; kmi render report.json -o report.html\n  \
kmi abi-check --format json OLD NEW > check.json; kmi render check.json > check.html"
)]
pub struct Args {
    /// A kmidiff-report/2 or kmi-abi-check/2 JSON report (plain or compressed)
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,
    /// Write the page to FILE instead of stdout (replaced only once the page
    /// is complete; never the report itself)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &Args, out: &mut dyn Write) -> Result<i32> {
    if let Some(o) = &args.output {
        crate::cli::refuse_input_as_output(o, &[&args.report])?;
    }
    let data = crate::read::file::load_report(&args.report)?;
    let mut page = Vec::new();
    crate::report::html::render(&data, &mut page)
        .map_err(|e| Error::input(&args.report, e.to_string()))?
        .map_err(Error::stdout)?;
    drop(data);
    match &args.output {
        None => out.write_all(&page).map_err(Error::stdout)?,
        Some(p) => crate::cli::replace_file(p, |w| w.write_all(&page))?,
    }
    Ok(0)
}
