//! The plan's text as Pebble writes it, checked before it is parsed.
//!
//! `GET /v1/plan` answers YAML only. The YAML parser keeps every event of a document and
//! replays an alias once for each use, so a small answer with anchors and aliases (which
//! Pebble's encoder never writes, but a workload serving its own socket could) would
//! make the host build billions of strings. The text is capped, and anything that could
//! be an anchor, an alias, a tag or a flow collection is refused before parsing: Pebble
//! writes block YAML (yaml.v3, `[]` and `{}` only for empty collections), so a plan
//! that has one did not come from Pebble. A scalar quoted over several lines that
//! begins a line with such a character is refused too: the check errs on the side of
//! refusing.

/// The most of a plan the host reads: a charm's plan is a few KiB; one of 1 MiB is
/// already tens of thousands of services or variables.
pub const PLAN_TEXT: usize = 1 << 20;

/// `Ok` if `text` is plain block YAML of at most [`PLAN_TEXT`] bytes; else why not.
pub fn check(text: &str) -> Result<(), String> {
    if text.len() > PLAN_TEXT {
        return Err(format!(
            "the plan is {} bytes; the host reads at most {PLAN_TEXT}",
            text.len()
        ));
    }
    // Lines of a block scalar (`key: |`) are text, not nodes: those indented deeper
    // than the line that opened it.
    let mut block_scalar_of: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = line.trim_start_matches(' ');
        if let Some(opener) = block_scalar_of {
            if rest.is_empty() || indent > opener {
                continue;
            }
            block_scalar_of = None;
        }
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        let refuse = |what: &str| {
            Err(format!(
                "line {} of the plan has {what}, which Pebble never writes",
                n + 1
            ))
        };
        // Sequence entries: `- `, possibly several on one line.
        let mut node = rest;
        while let Some(after) = node.strip_prefix("- ") {
            node = after.trim_start_matches(' ');
        }
        if node == "-" {
            continue;
        }
        if starts_special(node) {
            return refuse("an anchor, alias, tag, complex key or flow collection");
        }
        let value = match value_of(node) {
            Some(value) => value,
            None => continue,
        };
        if starts_special(value) {
            return refuse("an anchor, alias, tag or flow collection");
        }
        if value.starts_with(['|', '>']) {
            block_scalar_of = Some(indent);
        }
    }
    Ok(())
}

/// Whether a node starting with `text` could be anything but a plain or quoted scalar,
/// a mapping key, an empty collection or a block scalar.
fn starts_special(text: &str) -> bool {
    let text = text.trim_end();
    if text == "[]" || text == "{}" {
        return false;
    }
    text.starts_with(['&', '*', '!', '?', '[', '{', '%', '@', '`'])
}

/// The value after a mapping key on this line (`key: value`), if the line is one; the
/// key itself may be quoted.
fn value_of(node: &str) -> Option<&str> {
    let after_key = match node.as_bytes().first() {
        Some(b'"') => {
            let mut escaped = false;
            let end = node[1..].char_indices().find_map(|(i, c)| {
                let done = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                done.then_some(i + 2)
            })?;
            &node[end..]
        }
        Some(b'\'') => {
            // `''` is a quote inside the scalar.
            let bytes = node.as_bytes();
            let mut i = 1;
            loop {
                match bytes.get(i) {
                    Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
                    Some(b'\'') => break &node[i + 1..],
                    Some(_) => i += 1,
                    None => return None,
                }
            }
        }
        _ => {
            let colon = node
                .find(": ")
                .or_else(|| node.ends_with(':').then(|| node.len() - 1))?;
            &node[colon..]
        }
    };
    let value = after_key.strip_prefix(':')?;
    Some(value.trim_start_matches(' '))
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn pebbles_own_plans_pass() {
        let plan = "services:\n    pause:\n        summary: pause\n        startup: enabled\n        \
                    override: replace\n        command: sh -c 'a && b *'\n        environment:\n            \
                    TIMEOUT: \"*45\"\n            \"&odd key\": x\n        after: []\n        \
                    requires:\n            - db\n            - '*quoted'\n    web:\n        \
                    command: |\n            * a list in a block scalar\n            &more\n        \
                    startup: disabled\nchecks: {}\n";
        assert_eq!(check(plan), Ok(()));
        assert_eq!(check(""), Ok(()));
    }

    #[test]
    fn anchors_aliases_tags_and_flow_collections_are_refused() {
        for plan in [
            "services:\n    a: &x {command: y}\n    b: *x\n",
            "services:\n    a:\n        after: &a [x, x]\n",
            "services:\n    a:\n        after: *a\n",
            "services:\n    a:\n        requires:\n            - *a\n",
            "services:\n    &a a: {}\n",
            "services:\n    a: !!binary eA==\n",
            "? complex\n: key\n",
            "services:\n    a:\n        command: |\n            ok\n    b: *a\n",
            "services: [a, b]\n",
        ] {
            let err = check(plan).unwrap_err();
            assert!(err.contains("which Pebble never writes"), "{plan}: {err}");
        }
        let err = check(&"a: b\n".repeat(300_000)).unwrap_err();
        assert!(err.contains("the host reads at most 1048576"), "{err}");
    }
}
