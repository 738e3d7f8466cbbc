//! What Juju refuses in a charm's metadata when it reads a `.charm`, checked before
//! packing, so that a charm is turned down on the author's machine with a reason rather
//! than by `juju deploy` with another.

use serde_yaml::{Mapping, Value};

// A charm's name follows Juju's rule for application names.
use crate::sandbox::names::valid_application;

/// Every way `metadata` (as `metadata.yaml` will hold it) breaks Juju's rules, each a
/// sentence naming the key; empty when Juju would take it.
pub fn problems(metadata: &Value) -> Vec<String> {
    let Some(meta) = metadata.as_mapping() else {
        return vec!["the metadata is not a mapping of keys to values".into()];
    };
    let mut problems = Vec::new();
    match meta.get("name").and_then(Value::as_str) {
        None => problems.push("it has no `name`".into()),
        Some(name) if !valid_application(name) => problems.push(format!(
            "`name: {name}` is not a charm name Juju takes: lower-case letters and digits \
             in words joined by single hyphens, starting with a letter, no word all digits"
        )),
        Some(_) => {}
    }
    endpoint_problems(meta, &mut problems);
    container_problems(meta, &mut problems);
    problems
}

/// Juju keeps `juju` and `juju-*` for itself, except in a charm whose own name is one.
fn reserved(charm: &str, name: &str) -> bool {
    !charm.starts_with("juju-") && (name == "juju" || name.starts_with("juju-"))
}

fn endpoint_problems(meta: &Mapping, problems: &mut Vec<String>) {
    let charm = meta.get("name").and_then(Value::as_str).unwrap_or_default();
    let subordinate = meta.get("subordinate").and_then(Value::as_bool) == Some(true);
    let mut seen = std::collections::BTreeSet::new();
    let mut container_scoped = false;
    for role in ["provides", "requires", "peers"] {
        let Some(endpoints) = meta.get(role) else {
            continue;
        };
        let Some(endpoints) = endpoints.as_mapping() else {
            problems.push(format!("`{role}` is not a mapping of endpoint names"));
            continue;
        };
        for (name, spec) in endpoints {
            let name = name.as_str().unwrap_or_default();
            // `db: pgsql` is short for `db: {interface: pgsql}`.
            let interface = spec
                .as_str()
                .or_else(|| spec.get("interface").and_then(Value::as_str));
            let scoped = spec.get("scope").and_then(Value::as_str) == Some("container");
            container_scoped |= role == "requires" && scoped;
            if !seen.insert(name.to_string()) {
                problems.push(format!("the endpoint `{name}` is declared more than once"));
            }
            // A subordinate's container-scoped requirer may be `juju-info`.
            let may_use_reserved = subordinate && role == "requires" && scoped;
            if reserved(charm, name) && !may_use_reserved {
                problems.push(format!(
                    "the endpoint `{role}.{name}`: `juju` and names starting `juju-` are \
                     Juju's own"
                ));
            }
            match interface {
                None | Some("") => {
                    problems.push(format!("the endpoint `{role}.{name}` names no `interface`"));
                }
                Some(interface) if role != "requires" && reserved(charm, interface) => {
                    problems.push(format!(
                        "the endpoint `{role}.{name}` offers the interface `{interface}`, \
                         which is Juju's own"
                    ));
                }
                Some(_) => {}
            }
        }
    }
    if subordinate && !container_scoped {
        problems.push(
            "it is `subordinate` but none of its `requires` endpoints has `scope: container`"
                .into(),
        );
    }
}

fn container_problems(meta: &Mapping, problems: &mut Vec<String>) {
    let storage = meta.get("storage").and_then(Value::as_mapping);
    if let Some(storage) = storage {
        for (name, spec) in storage {
            let kind = spec.get("type").and_then(Value::as_str);
            if !matches!(kind, Some("filesystem" | "block")) {
                problems.push(format!(
                    "the storage `{}` needs `type: filesystem` or `type: block`",
                    name.as_str().unwrap_or_default()
                ));
            }
        }
    }
    let Some(containers) = meta.get("containers") else {
        return;
    };
    let Some(containers) = containers.as_mapping() else {
        problems.push("`containers` is not a mapping of container names".into());
        return;
    };
    let resources = meta.get("resources").and_then(Value::as_mapping);
    for (name, spec) in containers {
        let name = name.as_str().unwrap_or_default();
        if let Some(resource) = spec.get("resource").and_then(Value::as_str) {
            let declared = resources.and_then(|r| r.get(resource));
            match declared.map(|r| r.get("type").and_then(Value::as_str)) {
                None => problems.push(format!(
                    "the container `{name}` names the resource `{resource}`, which \
                     `resources` does not declare"
                )),
                Some(Some("oci-image")) => {}
                Some(other) => problems.push(format!(
                    "the container `{name}` names the resource `{resource}`, whose type is \
                     {} rather than `oci-image`",
                    other.map_or("not given".into(), |t| format!("`{t}`"))
                )),
            }
        }
        let mounts = spec.get("mounts").and_then(Value::as_sequence);
        for mount in mounts.into_iter().flatten() {
            let store = mount.get("storage").and_then(Value::as_str);
            let known = store.is_some_and(|s| storage.is_some_and(|st| st.contains_key(s)));
            if !known {
                problems.push(format!(
                    "the container `{name}` mounts the storage `{}`, which `storage` does \
                     not declare",
                    store.unwrap_or("(none named)")
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml: &str) -> Vec<String> {
        problems(&serde_yaml::from_str(yaml).unwrap())
    }

    #[test]
    fn the_example_shapes_pass() {
        assert!(check("name: openssh\nprovides: {ssh: {interface: ssh}}\n").is_empty());
        assert!(
            check(
                "name: pause\ncontainers: {pause: {resource: img}}\n\
                 resources: {img: {type: oci-image}}\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn a_subordinate_may_require_juju_info() {
        let found = check(
            "name: agent\nsubordinate: true\n\
             requires: {juju-info: {interface: juju-info, scope: container}}\n",
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn names_follow_jujus_rule() {
        for good in ["a", "web-server", "ubuntu-advantage", "k8s", "a1-b2"] {
            assert!(valid_application(good), "{good}");
        }
        for bad in ["", "Web", "1web", "web-", "web--x", "web_x", "web-1", "wéb"] {
            assert!(!valid_application(bad), "{bad}");
        }
        assert!(check("summary: s\n")[0].contains("no `name`"));
    }

    #[test]
    fn each_broken_rule_is_named() {
        let found = check(
            "name: x\nsubordinate: true\nrequires: {db: {interface: pgsql}}\n\
             provides: {db: pgsql, juju-info: {interface: juju-info}, web: juju}\n\
             peers: {p: {}}\n\
             storage: {data: {type: filesystem}, odd: {}}\n\
             containers: {b: {resource: nope}, c: {resource: file, \
             mounts: [{storage: data}, {storage: gone}]}}\n\
             resources: {file: {type: file}}\n",
        );
        let all = found.join("\n");
        for expected in [
            "`db` is declared more than once",
            "`provides.juju-info`: `juju` and names starting `juju-`",
            "`provides.web` offers the interface `juju`",
            "`peers.p` names no `interface`",
            "none of its `requires` endpoints has `scope: container`",
            "`nope`, which `resources` does not declare",
            "whose type is `file` rather than `oci-image`",
            "the storage `odd` needs `type: filesystem`",
            "mounts the storage `gone`",
        ] {
            assert!(all.contains(expected), "{expected:?} not in:\n{all}");
        }
    }
}
