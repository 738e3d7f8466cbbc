//! The ordered layers of one Pebble and the plan they fold into. Every operation
//! recomputes and validates the whole plan and changes nothing when that fails, as
//! Pebble does.

use std::collections::{BTreeMap, BTreeSet};

use super::ApiError;
use super::layer::Layer;

/// Label prefix Pebble keeps for itself.
const RESERVED_PREFIX: &str = "pebble-";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layers {
    /// In order: lowest first.
    layers: Vec<(String, Layer)>,
    plan: Layer,
}

impl Layers {
    pub fn plan(&self) -> &Layer {
        &self.plan
    }

    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.layers.iter().map(|(label, _)| label.as_str())
    }

    pub fn layers(&self) -> impl Iterator<Item = (&str, &Layer)> {
        self.layers
            .iter()
            .map(|(label, layer)| (label.as_str(), layer))
    }

    /// `POST /v1/layers` with `action: add`.
    pub fn add(&mut self, label: &str, layer: &Layer, combine: bool) -> Result<(), ApiError> {
        if label.is_empty() {
            return Err(ApiError::bad_request("label must be set".into()));
        }
        if label.starts_with(RESERVED_PREFIX) {
            return Err(ApiError::bad_request(
                "cannot parse layer YAML: cannot use reserved label prefix \"pebble-\"".into(),
            ));
        }
        layer
            .validate(label)
            .map_err(|e| e.prefixed("cannot parse layer YAML: "))?;
        let mut layers = self.layers.clone();
        match layers.iter_mut().find(|(l, _)| l == label) {
            Some(_) if !combine => {
                return Err(ApiError::bad_request(format!(
                    "layer {label:?} already exists"
                )));
            }
            // Combined in place: the layer keeps its position among the others.
            Some((_, existing)) => existing.fold(label, layer)?,
            // A combine with no such label is a plain add.
            None => layers.push((label.to_string(), layer.clone())),
        }
        let plan = flatten(&layers)?;
        self.layers = layers;
        self.plan = plan;
        Ok(())
    }

    /// Start order for `names`: everything they require, ordered by before/after.
    pub fn start_order(&self, names: &[String]) -> Result<Vec<String>, ApiError> {
        order(&self.plan, names, false)
    }

    /// Stop order for `names`: everything that requires them, first.
    pub fn stop_order(&self, names: &[String]) -> Result<Vec<String>, ApiError> {
        order(&self.plan, names, true)
    }
}

/// Folds the layers into a plan and checks it.
fn flatten(layers: &[(String, Layer)]) -> Result<Layer, ApiError> {
    let mut plan = Layer::default();
    for (label, layer) in layers {
        plan.fold(label, layer)?;
    }
    plan.summary.clear();
    plan.description.clear();
    validate_plan(&plan)?;
    Ok(plan)
}

fn validate_plan(plan: &Layer) -> Result<(), ApiError> {
    let bad = ApiError::bad_request;
    for (name, service) in &plan.services {
        if service.command.is_empty() {
            return Err(bad(format!(
                "plan must define \"command\" for service {name:?}"
            )));
        }
    }
    for (name, check) in &plan.checks {
        let mut types = 0;
        if let Some(http) = &check.http {
            types += 1;
            if http.url.is_empty() {
                return Err(bad(format!(
                    "plan must set \"url\" for http check {name:?}"
                )));
            }
        }
        if let Some(tcp) = &check.tcp {
            types += 1;
            if tcp.port.unwrap_or(0) == 0 {
                return Err(bad(format!(
                    "plan must set \"port\" for tcp check {name:?}"
                )));
            }
        }
        if let Some(exec) = &check.exec {
            types += 1;
            if exec.command.is_empty() {
                return Err(bad(format!(
                    "plan must set \"command\" for exec check {name:?}"
                )));
            }
            if !exec.service_context.is_empty()
                && !plan.services.contains_key(&exec.service_context)
            {
                return Err(bad(format!(
                    "plan check {name:?} service context specifies non-existent service {:?}",
                    exec.service_context
                )));
            }
        }
        if types != 1 {
            return Err(bad(format!(
                "plan must specify one of \"http\", \"tcp\", or \"exec\" for check {name:?}"
            )));
        }
    }
    for (name, target) in &plan.log_targets {
        if target.kind.is_empty() {
            return Err(bad(format!(
                "plan must define \"type\" (\"loki\", \"opentelemetry\" or \"syslog\") for \
                 log target {name:?}"
            )));
        }
        for service in &target.services {
            let bare = service.strip_prefix('-').unwrap_or(service);
            if bare != "all" && !plan.services.contains_key(bare) {
                return Err(bad(format!(
                    "log target {name:?} specifies unknown service {bare:?}"
                )));
            }
        }
        if target.location.is_empty() {
            return Err(bad(format!(
                "plan must define \"location\" for log target {name:?}"
            )));
        }
    }
    // Every service in one ordering: catches both unknown requirements and
    // before/after loops.
    let all: Vec<String> = plan.services.keys().cloned().collect();
    order(plan, &all, false)?;
    Ok(())
}

/// The services to act on for `names` and the order to act in. Starting pulls in what
/// each requires; stopping pulls in what requires each (and runs in reverse). Only
/// before/after order; ties go by name.
fn order(plan: &Layer, names: &[String], stop: bool) -> Result<Vec<String>, ApiError> {
    let missing = |name: &str| ApiError::bad_request(format!("service {name:?} does not exist"));
    let mut dependants: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    if stop {
        for (name, service) in &plan.services {
            for req in &service.requires {
                dependants
                    .entry(req.as_str())
                    .or_default()
                    .push(name.as_str());
            }
        }
    }
    // The set to act on.
    let mut set = BTreeSet::new();
    let mut pending: Vec<&str> = names.iter().map(String::as_str).collect();
    while let Some(name) = pending.pop() {
        if !set.insert(name) {
            continue;
        }
        if stop {
            pending.extend(dependants.get(name).into_iter().flatten());
        } else {
            let service = plan.services.get(name).ok_or_else(|| missing(name))?;
            pending.extend(service.requires.iter().map(String::as_str));
        }
    }
    // Edges: `first[x]` are the services of the set that must go before x.
    let mut first: BTreeMap<&str, BTreeSet<&str>> =
        set.iter().map(|n| (*n, BTreeSet::new())).collect();
    for name in &set {
        let service = plan.services.get(*name).ok_or_else(|| missing(name))?;
        let (after, before) = if stop {
            (&service.before, &service.after)
        } else {
            (&service.after, &service.before)
        };
        // A service ordered against itself is no loop to Pebble: it skips the edge.
        for a in after
            .iter()
            .filter(|a| set.contains(a.as_str()) && a != name)
        {
            if let Some(firsts) = first.get_mut(name) {
                firsts.insert(a.as_str());
            }
        }
        for b in before
            .iter()
            .filter(|b| set.contains(b.as_str()) && b != name)
        {
            if let Some(firsts) = first.get_mut(b.as_str()) {
                firsts.insert(name);
            }
        }
    }
    topological(&first)
}

/// Depth-first, names in sorted order, so that the result is the same every time.
fn topological(first: &BTreeMap<&str, BTreeSet<&str>>) -> Result<Vec<String>, ApiError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit<'a>(
        name: &'a str,
        first: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        marks: &mut BTreeMap<&'a str, Mark>,
        stack: &mut Vec<&'a str>,
        out: &mut Vec<String>,
    ) -> Result<(), ApiError> {
        match marks.get(name) {
            Some(Mark::Done) => return Ok(()),
            Some(Mark::Visiting) => {
                let start = stack.iter().position(|n| *n == name).unwrap_or(0);
                let mut cycle: Vec<&str> = stack[start..].to_vec();
                cycle.sort_unstable();
                return Err(ApiError::bad_request(format!(
                    "services in before/after loop: {}",
                    cycle.join(", ")
                )));
            }
            None => {}
        }
        marks.insert(name, Mark::Visiting);
        stack.push(name);
        for before in &first[name] {
            visit(before, first, marks, stack, out)?;
        }
        stack.pop();
        marks.insert(name, Mark::Done);
        out.push(name.to_string());
        Ok(())
    }
    let mut marks = BTreeMap::new();
    let mut out = Vec::new();
    for name in first.keys() {
        visit(name, first, &mut marks, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::pebble::layer::Override;

    fn add(layers: &mut Layers, label: &str, yaml: &str, combine: bool) -> Result<(), ApiError> {
        let parsed = Layer::parse(label, yaml)?;
        layers.add(label, &parsed, combine)
    }

    fn base() -> Layers {
        let mut layers = Layers::default();
        add(
            &mut layers,
            "base",
            "summary: base layer\nservices:\n  sleeper:\n    override: replace\n    summary: sleeps\n    \
             command: sleep 1000\n    startup: enabled\n    environment: {A: '1'}\n    after: [other]\n  \
             other:\n    override: replace\n    command: sleep 2000\n",
            false,
        )
        .unwrap();
        layers
    }

    #[test]
    fn the_plan_prints_as_pebble_prints_it() {
        let mut layers = base();
        add(
            &mut layers,
            "override",
            "services:\n  sleeper:\n    override: merge\n    environment: {B: '2'}\n    after: [other]\n",
            false,
        )
        .unwrap();
        // The bytes of the real daemon's answer (pebble-transcript.md, section 10).
        assert_eq!(
            layers.plan().to_pebble_yaml(),
            "services:\n    other:\n        override: replace\n        command: sleep 2000\n    sleeper:\n        \
             summary: sleeps\n        startup: enabled\n        override: replace\n        command: sleep 1000\n        \
             after:\n            - other\n            - other\n        environment:\n            A: \"1\"\n            \
             B: \"2\"\n"
        );
        assert_eq!(Layers::default().plan().to_pebble_yaml(), "{}\n");
    }

    #[test]
    fn merge_appends_lists_without_dedup_and_merges_maps() {
        let mut layers = base();
        add(
            &mut layers,
            "override",
            "services:\n  sleeper:\n    override: merge\n    environment: {B: '2'}\n    after: [other]\n",
            false,
        )
        .unwrap();
        let s = &layers.plan().services["sleeper"];
        assert_eq!(s.after, ["other", "other"]);
        assert_eq!(s.environment.len(), 2);
        assert_eq!(s.command, "sleep 1000");
        assert_eq!(s.summary, "sleeps");
        // The entry keeps the override of the entry that created it.
        assert_eq!(s.override_, Override::Replace);
    }

    #[test]
    fn a_merge_never_unsets_a_field() {
        let mut layers = base();
        add(
            &mut layers,
            "o",
            "services:\n  sleeper:\n    override: merge\n    summary: ''\n    startup: ''\n",
            false,
        )
        .unwrap();
        let s = &layers.plan().services["sleeper"];
        assert_eq!(
            (s.summary.as_str(), s.startup.as_str()),
            ("sleeps", "enabled")
        );
    }

    #[test]
    fn replace_wipes_every_lower_field_including_startup() {
        let mut layers = base();
        add(
            &mut layers,
            "o",
            "services:\n  sleeper:\n    override: replace\n    command: sleep 5\n",
            false,
        )
        .unwrap();
        let s = &layers.plan().services["sleeper"];
        assert_eq!(s.command, "sleep 5");
        assert!(s.startup.is_unset() && s.environment.is_empty() && s.after.is_empty());
        assert!(!s.enabled());
    }

    #[test]
    fn add_without_combine_refuses_an_existing_label() {
        let mut layers = base();
        let err = add(&mut layers, "base", "services: {}\n", false).unwrap_err();
        assert_eq!(err.message, "layer \"base\" already exists");
        assert_eq!(err.status, 400);
    }

    #[test]
    fn combine_folds_into_the_existing_layer_in_place() {
        let mut layers = base();
        add(
            &mut layers,
            "top",
            "services:\n  t:\n    override: replace\n    command: x\n",
            false,
        )
        .unwrap();
        add(
            &mut layers,
            "base",
            "services:\n  sleeper:\n    override: merge\n    command: sleep 3\n",
            true,
        )
        .unwrap();
        assert_eq!(layers.labels().collect::<Vec<_>>(), ["base", "top"]);
        assert_eq!(layers.plan().services["sleeper"].command, "sleep 3");
        assert_eq!(layers.plan().services["sleeper"].summary, "sleeps");
    }

    #[test]
    fn combine_on_a_missing_label_is_an_add() {
        let mut layers = base();
        add(
            &mut layers,
            "new",
            "services:\n  n:\n    override: replace\n    command: x\n",
            true,
        )
        .unwrap();
        assert_eq!(layers.labels().collect::<Vec<_>>(), ["base", "new"]);
    }

    #[test]
    fn a_failed_add_changes_nothing() {
        let mut layers = base();
        let before = layers.clone();
        let err = add(
            &mut layers,
            "bad3",
            "services:\n  x:\n    override: merge\n    startup: enabled\n",
            false,
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "plan must define \"command\" for service \"x\""
        );
        assert_eq!(layers, before);
    }

    #[test]
    fn override_is_required_and_checked() {
        let mut layers = Layers::default();
        let err = add(
            &mut layers,
            "bad1",
            "services:\n  x:\n    command: sleep 1\n",
            false,
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "layer \"bad1\" must define \"override\" for service \"x\""
        );
        let err = add(
            &mut layers,
            "bad2",
            "services:\n  x:\n    override: foo\n    command: sleep 1\n",
            false,
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "layer \"bad2\" has invalid \"override\" value for service \"x\""
        );
        let err = add(&mut layers, "c", "checks:\n  c:\n    period: 1s\n", false).unwrap_err();
        assert_eq!(
            err.message,
            "layer \"c\" must define \"override\" for check \"c\""
        );
    }

    #[test]
    fn parse_errors_carry_pebbles_prefix() {
        let err = Layer::parse("bad5", "foo: bar\n").unwrap_err();
        assert_eq!(
            err.message,
            "cannot parse layer YAML: cannot parse layer \"bad5\": unknown section \"foo\""
        );
        let err = Layer::parse(
            "bad4",
            "services:\n  x:\n    override: replace\n    command: sleep 1\n    bogus: 1\n",
        )
        .unwrap_err();
        assert!(
            err.message.starts_with(
                "cannot parse layer YAML: cannot parse layer \"bad4\" section \"services\": "
            ) && err.message.contains("bogus"),
            "{}",
            err.message
        );
        let err = Layer::parse(
            "bad8",
            "services:\n  x:\n    override: replace\n    command: sleep 1\n    kill-delay: 5\n",
        )
        .unwrap_err();
        assert!(
            err.message.contains("invalid duration \"5\""),
            "{}",
            err.message
        );
        let mut layers = Layers::default();
        let err = layers
            .add("pebble-x", &Layer::default(), false)
            .unwrap_err();
        assert_eq!(
            err.message,
            "cannot parse layer YAML: cannot use reserved label prefix \"pebble-\""
        );
        assert_eq!(
            layers
                .add("", &Layer::default(), false)
                .unwrap_err()
                .message,
            "label must be set"
        );
    }

    #[test]
    fn per_layer_checks() {
        let cases = [
            (
                "services:\n  pebble:\n    override: replace\n    command: x\n",
                "cannot use reserved service name \"pebble\"",
            ),
            (
                "services:\n  -x:\n    override: replace\n    command: x\n",
                "cannot use service name \"-x\": starting with \"-\" not allowed",
            ),
            (
                "services:\n  x:\n    override: replace\n    command: '[ a ]'\n",
                "plan service \"x\" command invalid: cannot parse service \"x\" command: cannot start command with [ ... ] group",
            ),
            (
                "services:\n  x:\n    override: replace\n    command: a [ b ] c\n",
                "cannot have any arguments after [ ... ] group",
            ),
            (
                "services:\n  x:\n    override: replace\n    command: a ]\n",
                "cannot have ] outside of [ ... ] group",
            ),
            (
                "services:\n  x:\n    override: replace\n    command: a [ b [ c ] ]\n",
                "cannot nest [ ... ] groups",
            ),
            (
                "services:\n  x:\n    override: replace\n    command: a\n    on-success: success-shutdown\n",
                "plan service \"x\" on-success action \"success-shutdown\" invalid",
            ),
            (
                "services:\n  x:\n    override: replace\n    command: a\n    backoff-factor: 0.5\n",
                "backoff-factor must be 1.0 or greater, not 0.5",
            ),
            (
                "services:\n  x:\n",
                "service object cannot be null for service \"x\"",
            ),
            (
                "checks:\n  c:\n    override: replace\n    level: sometimes\n    tcp: {port: 1}\n",
                "plan check \"c\" level must be \"alive\" or \"ready\"",
            ),
            (
                "checks:\n  c:\n    override: replace\n    period: 0s\n    tcp: {port: 1}\n",
                "plan check \"c\" period must not be zero",
            ),
            (
                "log-targets:\n  t:\n    override: replace\n    type: kafka\n",
                "log target \"t\" has unsupported type \"kafka\"",
            ),
        ];
        for (yaml, expected) in cases {
            let err = Layer::parse("l", yaml).unwrap_err();
            assert!(err.message.contains(expected), "{yaml}: {}", err.message);
            assert_eq!(err.status, 400);
        }
        // on-failure may be success-shutdown; startup takes any word.
        Layer::parse(
            "ok",
            "services:\n  x:\n    override: replace\n    command: a\n    on-failure: success-shutdown\n    startup: sometimes\n",
        )
        .unwrap();
    }

    #[test]
    fn plan_level_checks() {
        let cases = [
            (
                "checks:\n  chk:\n    override: replace\n    period: 1s\n",
                "plan must specify one of \"http\", \"tcp\", or \"exec\" for check \"chk\"",
            ),
            (
                "checks:\n  chk:\n    override: replace\n    http: {}\n",
                "plan must set \"url\" for http check \"chk\"",
            ),
            (
                "checks:\n  chk:\n    override: replace\n    tcp: {host: x}\n",
                "plan must set \"port\" for tcp check \"chk\"",
            ),
            (
                "services:\n  needy:\n    override: replace\n    command: sleep 1000\n    requires: [ghost]\n",
                "service \"ghost\" does not exist",
            ),
            (
                "services:\n  c1:\n    override: replace\n    command: sleep 1\n    after: [c2]\n  c2:\n    override: replace\n    command: sleep 1\n    after: [c1]\n",
                "services in before/after loop: c1, c2",
            ),
            (
                "log-targets:\n  t:\n    override: replace\n    type: loki\n",
                "plan must define \"location\" for log target \"t\"",
            ),
            (
                "log-targets:\n  t:\n    override: replace\n    type: loki\n    location: http://x\n    services: [ghost]\n",
                "log target \"t\" specifies unknown service \"ghost\"",
            ),
        ];
        for (yaml, expected) in cases {
            let mut layers = Layers::default();
            let err = add(&mut layers, "l", yaml, false).unwrap_err();
            assert_eq!(err.message, expected, "{yaml}");
        }
    }

    #[test]
    fn merging_a_check_of_another_type_leaves_two_types() {
        let mut layers = Layers::default();
        add(
            &mut layers,
            "a",
            "checks:\n  c:\n    override: replace\n    tcp: {port: 80}\n",
            false,
        )
        .unwrap();
        let err = add(
            &mut layers,
            "b",
            "checks:\n  c:\n    override: merge\n    http: {url: 'http://x'}\n",
            false,
        )
        .unwrap_err();
        assert!(
            err.message.contains("plan must specify one of"),
            "{}",
            err.message
        );
    }

    #[test]
    fn after_and_before_may_name_missing_services() {
        let mut layers = Layers::default();
        add(
            &mut layers,
            "deps",
            "services:\n  web:\n    override: replace\n    command: a\n    requires: [db]\n    after: [db, nonexistent]\n  \
             db:\n    override: replace\n    command: b\n",
            false,
        )
        .unwrap();
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // requires pulls db in; after orders it first.
        assert_eq!(layers.start_order(&names(&["web"])).unwrap(), ["db", "web"]);
        // Stopping db stops its dependant web, web first.
        assert_eq!(layers.stop_order(&names(&["db"])).unwrap(), ["web", "db"]);
        // Starting db alone does not pull web in.
        assert_eq!(layers.start_order(&names(&["db"])).unwrap(), ["db"]);
        assert_eq!(
            layers.start_order(&names(&["ghost"])).unwrap_err().message,
            "service \"ghost\" does not exist"
        );
    }

    #[test]
    fn before_orders_too_and_ties_go_by_name() {
        let mut layers = Layers::default();
        add(
            &mut layers,
            "l",
            "services:\n  b:\n    override: replace\n    command: x\n  a:\n    override: replace\n    command: x\n  \
             c:\n    override: replace\n    command: x\n    before: [a]\n",
            false,
        )
        .unwrap();
        let all: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(layers.start_order(&all).unwrap(), ["c", "a", "b"]);
        assert_eq!(layers.stop_order(&all).unwrap(), ["a", "b", "c"]);
    }
}
