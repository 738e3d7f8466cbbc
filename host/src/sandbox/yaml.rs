//! YAML that cannot expand. A YAML alias (`*name`) stands for all of the node it names,
//! and the parser behind serde_yaml replays it for each use: a document of a few KiB can
//! ask the host for gigabytes. What a charm ships (its metadata) and what a workload
//! answers (Pebble's plan) is read through [`check`] first, which runs the same parser
//! over the text event by event, holding none of them, and refuses any alias and any
//! document of more than a bounded number of nodes. Anchors alone are harmless.

use std::mem::MaybeUninit;

/// The most of a YAML document the host reads: a charm's metadata or a plan is a few
/// KiB; one of 1 MiB is already tens of thousands of entries.
pub const TEXT: usize = 1 << 20;
/// Events (nodes and the starts and ends of collections) in one document: serde_yaml
/// keeps each, about a hundred bytes apiece, before it builds anything.
pub const EVENTS: usize = 200_000;

/// `Ok` if `text` is at most [`TEXT`] bytes of YAML with no alias, no `%TAG` directive
/// and at most [`EVENTS`] events, or YAML the parser refuses (which serde_yaml, reading
/// it the same way, refuses at the same place, before it builds anything, with its own
/// account of where); else what is wrong.
pub fn check(text: &str) -> Result<(), String> {
    if text.len() > TEXT {
        return Err(format!(
            "it is {} bytes of YAML; the host reads at most {TEXT}",
            text.len()
        ));
    }
    let mut parser = MaybeUninit::<unsafe_libyaml::yaml_parser_t>::uninit();
    // SAFETY: the parser is initialised before use and deleted once, below; it reads
    // `text`, which outlives it; each event is deleted after its type is read.
    unsafe {
        if unsafe_libyaml::yaml_parser_initialize(parser.as_mut_ptr()).fail {
            return Err("the YAML parser could not start".into());
        }
        let parser = parser.as_mut_ptr();
        // As serde_yaml sets it: left to detect it, the parser strips a byte-order mark
        // where serde_yaml's counts it as a column, and the two would read a different
        // document from the same text.
        unsafe_libyaml::yaml_parser_set_encoding(parser, unsafe_libyaml::YAML_UTF8_ENCODING);
        unsafe_libyaml::yaml_parser_set_input_string(parser, text.as_ptr(), text.len() as u64);
        let mut events = 0usize;
        let verdict = loop {
            let mut event = MaybeUninit::<unsafe_libyaml::yaml_event_t>::uninit();
            if unsafe_libyaml::yaml_parser_parse(parser, event.as_mut_ptr()).fail {
                break Ok(());
            }
            let event = event.as_mut_ptr();
            let kind = (*event).type_;
            // A `%TAG` directive's prefix is written out again into every tag that uses
            // it, and serde_yaml keeps every tag: 512 KiB of prefix for each of many
            // nodes. Tags without one grow by at most `tag:yaml.org,2002:` each.
            let tag_directives = kind == unsafe_libyaml::YAML_DOCUMENT_START_EVENT && {
                let directives = (*event).data.document_start.tag_directives;
                directives.start != directives.end
            };
            unsafe_libyaml::yaml_event_delete(event);
            if tag_directives {
                break Err("it has a %TAG directive, which the host does not read".to_string());
            }
            match kind {
                unsafe_libyaml::YAML_ALIAS_EVENT => {
                    break Err(
                        "it has an alias (`*name`), which the host does not expand".to_string()
                    );
                }
                unsafe_libyaml::YAML_STREAM_END_EVENT => break Ok(()),
                _ => {}
            }
            events += 1;
            if events > EVENTS {
                break Err(format!(
                    "it has more than {EVENTS} YAML nodes; the host reads at most that"
                ));
            }
        };
        unsafe_libyaml::yaml_parser_delete(parser);
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn aliases_are_refused_however_they_are_written() {
        let list = "x,".repeat(1000);
        for text in [
            format!("a: &x [{list}x]\nb: *x\n"),
            // A tab after the colon, and lone CRs for line breaks: the parser's own
            // reading, not a guess at it.
            format!("a:\t&x [{list}x]\nb:\t[*x, *x]\n"),
            format!("s: t\ra: &x [{list}x]\rb: *x\r"),
            "- a: |\n  b: &x y\n  c: *x\n".to_string(),
            "a: &x y\nb: [*x]\n".to_string(),
            // A byte-order mark, and the second line one column deeper: read as the
            // deserializer reads it, one document with its aliases.
            format!("\u{FEFF}name: x\n resources: {{a: &r [{list}x], r0: *r}}\n"),
        ] {
            let err = check(&text).unwrap_err();
            assert!(err.contains("has an alias"), "{text:?}: {err}");
        }
    }

    #[test]
    fn tag_directives_are_refused() {
        let prefix = "x".repeat(1000);
        let text = format!("%TAG !a! tag:x,{prefix}\n---\n[!a!x , !a!x]\n");
        let err = check(&text).unwrap_err();
        assert!(err.contains("%TAG directive"), "{err}");
        // A tag alone is fine.
        assert_eq!(check("a: !!str 1\n"), Ok(()));
    }

    #[test]
    fn plain_yaml_passes_and_size_is_bounded() {
        let plan = "services:\n    pause:\n        command: sh -c 'a && b *'\n        \
                    environment:\n            \"*X\": '&y'\n            ?q: ?r\n        \
                    after: []\n    web:\n        command: |-\n            * a\n            &b\n";
        assert_eq!(check(plan), Ok(()));
        // Anchors without aliases expand nothing.
        assert_eq!(check("a: &x [1, 2]\n"), Ok(()));
        // What the parser refuses is left to serde_yaml to report.
        assert_eq!(check("a: [unclosed\n"), Ok(()));
        let err = check(&"a: b\n".repeat(300_000)).unwrap_err();
        assert!(err.contains("the host reads at most 1048576"), "{err}");
        let err = check(&format!("[{}0]", "0,".repeat(250_000))).unwrap_err();
        assert!(err.contains("more than 200000 YAML nodes"), "{err}");
    }
}
