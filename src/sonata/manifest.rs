//! Manifest variables of SONATA/BMTK configs: `$VAR` and `${VAR}`, nested, resolved to a fixed
//! point; a cycle is an error, and so is an expansion beyond `MAX_EXPANDED_BYTES` (a few
//! variables that double each other reach 10^12 characters).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::error::{Result, SonataError};

/// The longest value a variable, or a config string after substitution, may expand to.
pub const MAX_EXPANDED_BYTES: usize = 1 << 20;

fn is_var_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Replaces `$NAME` and `${NAME}` in `s`; unknown names are left as they are.
/// Returns the new string and whether anything was replaced.
pub fn substitute(s: &str, vars: &BTreeMap<String, String>) -> (String, bool) {
    substitute_bounded(s, vars, usize::MAX).unwrap_or_default()
}

/// `substitute`, or `None` as soon as the result would be longer than `limit` bytes.
fn substitute_bounded(
    s: &str,
    vars: &BTreeMap<String, String>,
    limit: usize,
) -> Option<(String, bool)> {
    let mut out = String::with_capacity(s.len().min(limit));
    let mut changed = false;
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after.find(|c: char| !is_var_char(c)).unwrap_or(after.len());
            (&after[..end], end)
        };
        match vars.get(name).filter(|_| !name.is_empty()) {
            Some(value) => {
                if out.len() + value.len() > limit {
                    return None;
                }
                out.push_str(value);
                changed = true;
                rest = &after[consumed..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out.len() <= limit).then_some((out, changed))
}

fn too_long(path: &Path, what: &str, limit: usize) -> SonataError {
    SonataError::Manifest {
        path: path.to_owned(),
        message: format!(
            "{what} expands to more than {limit} characters (variables that repeat each other?)"
        ),
    }
}

/// Names referenced by `$NAME`/`${NAME}` in `s`.
fn references(s: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        let after = &rest[pos + 1..];
        let name = if let Some(inner) = after.strip_prefix('{') {
            inner.find('}').map_or("", |end| &inner[..end])
        } else {
            let end = after.find(|c: char| !is_var_char(c)).unwrap_or(after.len());
            &after[..end]
        };
        if !name.is_empty() {
            names.push(name.to_owned());
        }
        rest = after;
    }
    names
}

/// Resolves a manifest (`{"$BASE_DIR": ".", "$NET": "$BASE_DIR/network"}`) to a fixed point.
pub fn resolve_manifest(
    path: &Path,
    manifest: &Map<String, Value>,
    builtins: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let mut vars = builtins.clone();
    let mut own: BTreeMap<String, String> = BTreeMap::new();
    for (key, value) in manifest {
        let name = key
            .trim_start_matches('$')
            .trim_start_matches('{')
            .trim_end_matches('}')
            .to_owned();
        if name.is_empty() || !name.chars().all(is_var_char) {
            return Err(SonataError::Manifest {
                path: path.to_owned(),
                message: format!("'{key}' is not a valid variable name"),
            });
        }
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => {
                return Err(SonataError::Manifest {
                    path: path.to_owned(),
                    message: format!("'{key}' must be a string, not {other}"),
                });
            }
        };
        own.insert(name, text);
    }
    vars.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
    // Each round replaces one level of nesting; more rounds than variables means a cycle.
    for _ in 0..=own.len() + 1 {
        let mut changed = false;
        for name in own.keys() {
            let current = vars.get(name).cloned().unwrap_or_default();
            let (next, replaced) = substitute_bounded(&current, &vars, MAX_EXPANDED_BYTES)
                .ok_or_else(|| too_long(path, &format!("${name}"), MAX_EXPANDED_BYTES))?;
            if replaced {
                changed = true;
                vars.insert(name.clone(), next);
            }
        }
        if !changed {
            return Ok(vars);
        }
    }
    let cyclic: Vec<String> = own
        .keys()
        .filter(|name| {
            vars.get(*name)
                .is_some_and(|v| references(v).iter().any(|r| own.contains_key(r)))
        })
        .map(|n| format!("${n}"))
        .collect();
    Err(SonataError::Manifest {
        path: path.to_owned(),
        message: format!("cyclic variables: {}", cyclic.join(", ")),
    })
}

/// All strings of a config together may grow by at most this through substitution.
pub const MAX_EXPANDED_CONFIG_BYTES: usize = 64 << 20;

/// Substitutes the variables in every string of `value` (bounded like the variables, and all
/// strings together by `MAX_EXPANDED_CONFIG_BYTES`).
pub fn substitute_json(
    path: &Path,
    value: &mut Value,
    vars: &BTreeMap<String, String>,
) -> Result<()> {
    let mut budget = MAX_EXPANDED_CONFIG_BYTES;
    substitute_json_within(path, value, vars, &mut budget)
}

fn substitute_json_within(
    path: &Path,
    value: &mut Value,
    vars: &BTreeMap<String, String>,
    budget: &mut usize,
) -> Result<()> {
    match value {
        Value::String(s) => {
            let (next, changed) = substitute_bounded(s, vars, MAX_EXPANDED_BYTES.max(s.len()))
                .ok_or_else(|| {
                    too_long(
                        path,
                        &format!("the string '{}'", preview(s)),
                        MAX_EXPANDED_BYTES,
                    )
                })?;
            if changed {
                let grown = next.len().saturating_sub(s.len());
                *budget = budget.checked_sub(grown).ok_or_else(|| {
                    too_long(
                        path,
                        "the config's strings together",
                        MAX_EXPANDED_CONFIG_BYTES,
                    )
                })?;
                *s = next;
            }
        }
        Value::Array(items) => {
            for v in items {
                substitute_json_within(path, v, vars, budget)?;
            }
        }
        Value::Object(map) => {
            for v in map.values_mut() {
                substitute_json_within(path, v, vars, budget)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn preview(s: &str) -> String {
    let mut p: String = s.chars().take(40).collect();
    if p.len() < s.len() {
        p.push_str("...");
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn substitutes_both_spellings_and_longest_names() {
        let v = vars(&[("BASE", "/b"), ("BASE_DIR", "/bd")]);
        assert_eq!(substitute("$BASE_DIR/x", &v).0, "/bd/x");
        assert_eq!(substitute("${BASE}_DIR/x", &v).0, "/b_DIR/x");
        assert_eq!(substitute("$BASE/x", &v).0, "/b/x");
        assert_eq!(
            substitute("$UNKNOWN/x", &v),
            ("$UNKNOWN/x".to_owned(), false)
        );
    }

    #[test]
    fn nested_manifest_resolves_to_a_fixed_point() {
        let manifest: Map<String, Value> =
            serde_json::from_str(r#"{"$A": "${B}/a", "$B": "$C/b", "$C": "${configdir}/c"}"#)
                .unwrap();
        let builtins = vars(&[("configdir", "/cfg")]);
        let v = resolve_manifest(Path::new("x.json"), &manifest, &builtins).unwrap();
        assert_eq!(v["A"], "/cfg/c/b/a");
    }

    #[test]
    fn a_cycle_is_an_error_naming_the_variables() {
        let manifest: Map<String, Value> =
            serde_json::from_str(r#"{"$A": "$B/a", "$B": "${A}/b", "$OK": "."}"#).unwrap();
        let err = resolve_manifest(Path::new("cfg.json"), &manifest, &BTreeMap::new()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("cfg.json") && msg.contains("$A") && msg.contains("$B"),
            "{msg}"
        );
        assert!(!msg.contains("$OK"), "{msg}");
    }

    #[test]
    fn expansions_are_bounded_per_variable_and_per_config() {
        let mut manifest = Map::new();
        manifest.insert("$V0".into(), Value::from("ab"));
        for i in 1..=30 {
            manifest.insert(format!("$V{i}"), Value::from(format!("$V{0}$V{0}", i - 1)));
        }
        let err = resolve_manifest(Path::new("c.json"), &manifest, &BTreeMap::new()).unwrap_err();
        assert!(err.to_string().contains("expands to more than"), "{err}");

        // Each string within the per-string bound, together beyond the config's.
        let big = "x".repeat(MAX_EXPANDED_BYTES / 2);
        let vars = vars(&[("BIG", big.as_str())]);
        let strings = MAX_EXPANDED_CONFIG_BYTES / big.len() + 2;
        let mut json = Value::Array(vec![Value::from("$BIG"); strings]);
        let err = substitute_json(Path::new("c.json"), &mut json, &vars).unwrap_err();
        assert!(err.to_string().contains("strings together"), "{err}");
        let mut few = Value::Array(vec![Value::from("$BIG/a"); 3]);
        substitute_json(Path::new("c.json"), &mut few, &vars).unwrap();
        assert_eq!(few[2].as_str().map(str::len), Some(big.len() + 2));
    }
}
