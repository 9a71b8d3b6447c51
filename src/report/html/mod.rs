//! A report people can browse: one self-contained HTML file (no network,
//! no external script, font or style), readable as a static page and better
//! with its script (search, filters, change trees on demand).
//!
//! Pages are drawn from the JSON documents only (`kmidiff-report/2`,
//! `kmi-abi-check/2`), never from the comparison: `kmidiff --format html`
//! and `kmi render` of the JSON of the same run then write the same bytes.

mod abi_check;
mod chart;
mod kmidiff;
pub mod page;

use super::model::Report;
use serde_json::Value;
use std::io::{self, Write};

pub use abi_check::write as write_abi_check;
pub use kmidiff::write as write_kmidiff;

/// Why a document cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Schema(String),
}

/// The page of a saved report, by its `schema`.
pub fn render(json: &[u8], w: &mut dyn Write) -> Result<io::Result<()>, RenderError> {
    // The schema first (a scan that keeps nothing else), then the whole
    // document straight into its types: a report can be hundreds of MB.
    #[derive(serde::Deserialize)]
    struct Head {
        schema: Option<String>,
    }
    let head: Head = serde_json::from_slice(json)?;
    let schema = head.schema.unwrap_or_default();
    match schema.as_str() {
        crate::report::json::SCHEMA_V2 => {
            let r: Report = serde_json::from_slice(json)
                .map_err(|e| RenderError::Schema(format!("not a valid {schema} report: {e}")))?;
            Ok(write_kmidiff(&r, w))
        }
        crate::abi_check::report::SCHEMA => {
            let doc: Value = serde_json::from_slice(json)?;
            Ok(write_abi_check(&doc, w))
        }
        crate::report::json::SCHEMA => Err(RenderError::Schema(format!(
            "a {schema} report lacks what a page shows (changes below unnamed types, old symbols): \
             write it again with --json-schema 2"
        ))),
        "" => Err(RenderError::Schema(
            "no \"schema\" key: not a kmidiff or kmi abi-check JSON report".into(),
        )),
        other => Err(RenderError::Schema(format!(
            "schema \"{other}\" is not one this version renders ({} or {})",
            crate::report::json::SCHEMA_V2,
            crate::abi_check::report::SCHEMA
        ))),
    }
}
