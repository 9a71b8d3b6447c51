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
        schema: Option<Value>,
    }
    if json.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        // A report is an object; serde would also take `[schema]` for one.
        serde_json::from_slice::<serde::de::IgnoredAny>(json)?;
        return Err(RenderError::Schema(
            "not a JSON object: not a kmidiff or kmi abi-check report".into(),
        ));
    }
    let head: Head = serde_json::from_slice(json)?;
    if head.schema.as_ref().is_some_and(|s| !s.is_string()) {
        return Err(RenderError::Schema(
            "its \"schema\" is not a string: not a kmidiff or kmi abi-check JSON report".into(),
        ));
    }
    let schema = head
        .schema
        .as_ref()
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    match schema.as_str() {
        crate::report::json::SCHEMA_V2 => {
            let r: Report = serde_json::from_slice(json)
                .map_err(|e| RenderError::Schema(format!("not a valid {schema} report: {e}")))?;
            Ok(write_kmidiff(&r, w))
        }
        crate::abi_check::report::SCHEMA => {
            let doc: Value = serde_json::from_slice(json)?;
            // What the page's verdict and entries rest on: without it a
            // broken document would read as a green "no change".
            let missing = [
                ("changes", Value::is_array as fn(&Value) -> bool),
                ("summary", Value::is_object),
                ("old", Value::is_object),
                ("new", Value::is_object),
                ("exit_status", Value::is_i64),
            ]
            .into_iter()
            .find(|(k, ok)| !doc.get(k).is_some_and(ok));
            if let Some((k, _)) = missing {
                return Err(RenderError::Schema(format!(
                    "not a valid {schema} report: no valid \"{k}\""
                )));
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{Changed, Leaf, Summary, Sym};
    use serde_json::json;

    /// Names come from the binaries compared, which anyone can build: none
    /// of their text can become markup.
    #[test]
    fn hostile_names_stay_text() {
        let evil = "</script><img src=x onerror=alert(1)>\"'&";
        let sym = |name: &str| Sym {
            approved: Some(vec![
                json!({"file": evil, "line": 1, "entry": evil, "reason": evil}),
            ]),
            crc: Some(evil.into()),
            declaration: Some(evil.into()),
            gpl: false,
            kind: evil.into(),
            location: Some(evil.into()),
            module: evil.into(),
            name: name.into(),
            namespace: evil.into(),
            size: 0,
        };
        let change = json!({"kind": "member_added", "name": evil, "ty": evil, "offset_bits": 8, "path": [evil]});
        let r = Report {
            added: vec![sym(&format!("a{evil}"))],
            allow: Some(
                json!({"files": [evil], "stale": [{"file": evil, "line": 2, "entry": evil}]}),
            ),
            changed: vec![Changed {
                approved: None,
                changed_types: vec![evil.into()],
                old_symbol: sym(evil),
                symbol: sym(evil),
                symbol_changes: vec![
                    json!({"kind": evil}),
                    json!({"kind": "namespace_changed", "old": evil, "new": evil}),
                ],
                type_changes: vec![
                    change.clone(),
                    json!({"kind": "type_changed", "type": evil, "path": [evil]}),
                ],
            }],
            changed_types: vec![Leaf {
                approved: None,
                changes: vec![change, json!({"kind": "no_such_kind", "x": evil})],
                impacted: vec![evil.into()],
                location: Some(evil.into()),
                name: evil.into(),
            }],
            exit_code: 4,
            inputs: None,
            removed: vec![sym(&format!("r{evil}"))],
            schema: evil.into(),
            summary: Summary::default(),
            suppressed: None,
        };
        let mut page = Vec::new();
        write_kmidiff(&r, &mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        assert!(!page.contains("<img"), "markup from a name");
        assert_eq!(page.matches("</script>").count(), 1, "only the page's own");
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"));

        let doc = json!({"schema": "kmi-abi-check/2", "old": {"path": evil}, "new": {"path": evil},
            "changes": [{"symbol": evil, "change": "crc_changed", "module": evil, "breaking": true,
                "old": {"crc": evil}, "new": {"crc": evil}, "ignored": true,
                "ignored_by": {"file": evil, "line": 1, "rule": evil},
                "explanation": {"status": "explained", "own_type": [evil], "types": [evil]}}],
            "changed_types": [{"type": evil, "details": [evil]}],
            "summary": {evil: 1}, "unused_ignore_rules": [{"file": evil, "line": 3, "rule": evil}]});
        let mut page = Vec::new();
        write_abi_check(&doc, &mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        assert!(!page.contains("<img"), "markup from a name");
        assert_eq!(page.matches("</script>").count(), 1);
    }
}
