//! Scenario suites: the YAML files in a charm's `tests/scenarios/`, each a unit's state,
//! an event, and what is expected after it. `wasmcharm test CHARM_DIR` runs them.
//!
//! ```yaml
//! # tests/scenarios/start.yaml
//! description: start enables ssh and goes active
//! state:                     # as `wasmcharm run --state` takes it
//!   machine: {packages: {openssh-server: "1:9.6"}}
//! event: start               # or {name: db-relation-changed, relation-id: 3}
//! expect:
//!   outcome: ok              # ok (the default), failed or ignored
//!   state:                   # a subset of the state after the event
//!     unit-status: {status: active}
//!   happened:                # a subset of what happened
//!     commands: [systemctl enable --now -- ssh]
//! ```
//!
//! A file holds one scenario, or a list of them; YAML anchors and merge keys
//! (`<<: *running`) let scenarios share a state. Expected maps match when every key they
//! name matches (keys not named are not checked), and an empty one (`{}`) only an empty
//! one; lists match element by element and must be as long; anything else must be
//! equal. `error-contains` checks the failure's message.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_yaml::Value;

use crate::sim::runner::{Run, TestCharm};
use crate::sim::state::{EventDetails, State};

/// Where a charm keeps its scenarios.
pub const SCENARIO_DIR: &str = "tests/scenarios";

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error(
        "{dir} has no scenarios: put YAML files (a state, an event, what is expected) in \
         {dir}/{SCENARIO_DIR}"
    )]
    NoScenarios { dir: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// One scenario, as its file gives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Scenario {
    /// Shown in reports; the file's name (and the scenario's place in it) when not given.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub state: State,
    pub event: EventSpec,
    #[serde(default)]
    pub expect: Expect,
}

/// The event: its name, or its name with the details Juju would give it.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum EventSpec {
    Name(String),
    Detailed(serde_yaml::Mapping),
}

impl EventSpec {
    /// The event's name and its details, checked.
    fn resolve(&self) -> Result<(String, Option<EventDetails>), String> {
        match self {
            EventSpec::Name(name) => Ok((name.clone(), None)),
            EventSpec::Detailed(map) => {
                let mut map = map.clone();
                let name = match map.remove("name") {
                    Some(Value::String(name)) => name,
                    _ => return Err("event: a mapping needs `name: <event>`".into()),
                };
                let details: EventDetails = serde_yaml::from_value(Value::Mapping(map))
                    .map_err(|e| format!("event: {e}"))?;
                Ok((name, Some(details)))
            }
        }
    }
}

/// What is expected after the event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Expect {
    /// `ok` (the default), `failed`, or `ignored`.
    #[serde(default)]
    pub outcome: Option<String>,
    /// Part of the failure's message.
    #[serde(default)]
    pub error_contains: Option<String>,
    /// A subset of the state after the event.
    #[serde(default)]
    pub state: Option<Value>,
    /// A subset of what happened: statuses, logs, commands, Pebble, the action.
    #[serde(default)]
    pub happened: Option<Value>,
}

/// A scenario as found on disk: where, what it is called, and what it holds (or why it
/// cannot be read).
#[derive(Debug, Clone)]
pub struct Found {
    pub file: PathBuf,
    pub name: String,
    pub scenario: Result<Scenario, String>,
}

/// Every scenario in `charm_dir`'s `tests/scenarios/`, files in name order.
pub fn discover(charm_dir: &Path) -> Result<Vec<Found>, ScenarioError> {
    let dir = charm_dir.join(SCENARIO_DIR);
    let no_scenarios = || ScenarioError::NoScenarios {
        dir: charm_dir.display().to_string(),
    };
    let entries = std::fs::read_dir(&dir).map_err(|_| no_scenarios())?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(no_scenarios());
    }
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| ScenarioError::Read {
            path: file.display().to_string(),
            source,
        })?;
        found.extend(parse_file(&file, &text));
    }
    Ok(found)
}

/// The scenarios of one file; a file that does not parse is one scenario that fails.
pub fn parse_file(file: &Path, text: &str) -> Vec<Found> {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let broken = |message: String| {
        vec![Found {
            file: file.to_path_buf(),
            name: stem.clone(),
            scenario: Err(message),
        }]
    };
    let mut value: Value = match serde_yaml::from_str(text) {
        Ok(value) => value,
        Err(e) => return broken(e.to_string()),
    };
    // `<<: *anchor`, so that scenarios can share a state and change a part of it.
    if let Err(e) = value.apply_merge() {
        return broken(e.to_string());
    }
    let items = match value {
        Value::Sequence(items) => items,
        Value::Mapping(_) => vec![value],
        _ => return broken("expected a scenario (a mapping) or a list of them".into()),
    };
    let many = items.len() > 1;
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            // With the path to what is wrong: `state.leader: invalid type...`.
            let scenario =
                serde_path_to_error::deserialize::<_, Scenario>(item).map_err(|e| e.to_string());
            let fallback = if many {
                format!("{stem}#{}", i + 1)
            } else {
                stem.clone()
            };
            let name = scenario
                .as_ref()
                .ok()
                .and_then(|s| s.name.clone())
                .unwrap_or(fallback);
            Found {
                file: file.to_path_buf(),
                name,
                scenario,
            }
        })
        .collect()
}

/// How one scenario went.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub name: String,
    pub file: PathBuf,
    /// Empty when it passed; else each way it did not, one line each.
    pub problems: Vec<String>,
    pub elapsed: Duration,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Runs one scenario.
pub fn check(charm: &TestCharm, found: &Found) -> Verdict {
    let started = Instant::now();
    let problems = match &found.scenario {
        Err(message) => vec![format!("the scenario does not parse: {message}")],
        Ok(scenario) => check_scenario(charm, scenario),
    };
    Verdict {
        name: found.name.clone(),
        file: found.file.clone(),
        problems,
        elapsed: started.elapsed(),
    }
}

fn check_scenario(charm: &TestCharm, scenario: &Scenario) -> Vec<String> {
    let (event, details) = match scenario.event.resolve() {
        Ok(resolved) => resolved,
        Err(message) => return vec![message],
    };
    // Cloned only when the event's details must go in.
    let state = match details {
        Some(details) => std::borrow::Cow::Owned(State {
            event: details,
            ..scenario.state.clone()
        }),
        None => std::borrow::Cow::Borrowed(&scenario.state),
    };
    let run = match charm.run(&event, &state) {
        Ok(run) => run,
        Err(e) => return vec![format!("inconsistent: {e}")],
    };
    compare(&scenario.expect, &run)
}

/// Every way `run` falls short of `expect`.
pub fn compare(expect: &Expect, run: &Run) -> Vec<String> {
    let mut problems = Vec::new();
    let outcome = expect.outcome.as_deref().unwrap_or("ok");
    if run.happened.outcome != outcome {
        let why = run
            .happened
            .error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        problems.push(format!(
            "outcome: expected {outcome}, got {}{why}",
            run.happened.outcome
        ));
    }
    if let Some(part) = &expect.error_contains {
        let error = run.happened.error.as_deref().unwrap_or_default();
        if !error.contains(part.as_str()) {
            problems.push(format!(
                "error: expected it to contain {part:?}, got {error:?}"
            ));
        }
    }
    if let Some(expected) = &expect.state {
        let actual = serde_yaml::to_value(&run.state).unwrap_or(Value::Null);
        // A failure shows the state as a report does: secret values redacted.
        let shown = serde_yaml::to_value(run.state.redacted()).unwrap_or(Value::Null);
        subset("state", expected, (&actual, &shown), &mut problems);
    }
    if let Some(expected) = &expect.happened {
        let actual = serde_yaml::to_value(&run.happened).unwrap_or(Value::Null);
        subset("happened", expected, (&actual, &actual), &mut problems);
    }
    problems
}

/// Records where `actual` does not hold what `expected` names; what it got is quoted
/// from `shown`, the same value as a report would show it.
fn subset(
    path: &str,
    expected: &Value,
    (actual, shown): (&Value, &Value),
    problems: &mut Vec<String>,
) {
    match (expected, actual) {
        // An empty map or list asks for emptiness, not for nothing in particular.
        (Value::Mapping(want), Value::Mapping(have)) if want.is_empty() && !have.is_empty() => {
            problems.push(format!("{path}: expected {{}}, got {}", show(shown)));
        }
        (Value::Mapping(want), Value::Mapping(have)) => {
            for (key, want) in want {
                let at = format!("{path}.{}", show_key(key));
                match have.get(key) {
                    Some(have) => {
                        let seen = shown.get(key).unwrap_or(&Value::Null);
                        subset(&at, want, (have, seen), problems)
                    }
                    None if is_empty(want) => {}
                    None => problems.push(format!("{at}: expected {}, got nothing", show(want))),
                }
            }
        }
        (Value::Sequence(want), Value::Sequence(have)) => {
            if want.len() != have.len() {
                problems.push(format!(
                    "{path}: expected {} item(s), got {}: expected {}, got {}",
                    want.len(),
                    have.len(),
                    show(expected),
                    show(shown)
                ));
                return;
            }
            for (i, (want, have)) in want.iter().zip(have).enumerate() {
                let seen = shown.get(i).unwrap_or(&Value::Null);
                subset(&format!("{path}[{i}]"), want, (have, seen), problems);
            }
        }
        (want, have) if same_scalar(want, have) => {}
        (want, Value::Null) if is_empty(want) => {}
        (want, _) => problems.push(format!(
            "{path}: expected {}, got {}",
            show(want),
            show(shown)
        )),
    }
}

fn same_scalar(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// An expectation a missing value meets: the state and the report leave empty things
/// (nothing, `""`, `[]`, `{}`) out.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Sequence(s) => s.is_empty(),
        Value::Mapping(m) => m.is_empty(),
        _ => false,
    }
}

fn show_key(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        other => show(other),
    }
}

/// A value on one line, as JSON shows it.
fn show(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| format!("{value:?}"))
}

/// Runs every scenario on `jobs` threads, calling `each` as each one finishes; the
/// verdicts come back in the order of `scenarios`.
pub fn run_all(
    charm: &TestCharm,
    scenarios: &[Found],
    jobs: usize,
    each: &(dyn Fn(&Verdict) + Sync),
) -> Vec<Verdict> {
    let next = AtomicUsize::new(0);
    let verdicts: Mutex<Vec<Option<Verdict>>> = Mutex::new(vec![None; scenarios.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, scenarios.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(found) = scenarios.get(i) else {
                        return;
                    };
                    let verdict = check(charm, found);
                    each(&verdict);
                    verdicts.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(verdict);
                }
            });
        }
    });
    verdicts
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

/// The verdicts as a JUnit report, which CI systems show as test results.
pub fn junit(suite_name: &str, verdicts: &[Verdict], elapsed: Duration) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new(suite_name);
    suite.set_time(elapsed);
    for verdict in verdicts {
        let status = if verdict.passed() {
            TestCaseStatus::success()
        } else {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(verdict.problems.first().cloned().unwrap_or_default());
            status.set_description(verdict.problems.join("\n"));
            status
        };
        let mut case = TestCase::new(verdict.name.as_str(), status);
        case.set_classname(suite_name)
            .set_time(verdict.elapsed)
            .add_property(quick_junit::Property::new(
                "file",
                verdict.file.display().to_string(),
            ));
        suite.add_test_case(case);
    }
    let mut report = Report::new("wasmcharm test");
    report.add_test_suite(suite);
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot write the report: {e} -->"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(expected: &str, actual: &str) -> Vec<String> {
        let mut found = Vec::new();
        let actual: Value = serde_yaml::from_str(actual).unwrap();
        subset(
            "state",
            &serde_yaml::from_str(expected).unwrap(),
            (&actual, &actual),
            &mut found,
        );
        found
    }

    #[test]
    fn a_subset_matches_and_a_difference_is_named_by_its_path() {
        let actual = "unit-status: {status: active, message: ''}\nleader: true\nports: [80, 443]\n";
        assert!(problems("unit-status: {status: active}", actual).is_empty());
        assert!(problems("ports: [80, 443]", actual).is_empty());
        assert!(problems("relations: []", actual).is_empty());
        assert!(problems("stdout: ''", actual).is_empty());
        assert_eq!(
            problems("unit-status: {}", actual),
            vec![r#"state.unit-status: expected {}, got {"status":"active","message":""}"#]
        );
        assert_eq!(
            problems("unit-status: {status: blocked}", actual),
            vec![r#"state.unit-status.status: expected "blocked", got "active""#]
        );
        assert_eq!(
            problems("ports: [80]", actual),
            vec!["state.ports: expected 1 item(s), got 2: expected [80], got [80,443]"]
        );
        assert_eq!(
            problems("workload-version: '1.0'", actual),
            vec![r#"state.workload-version: expected "1.0", got nothing"#]
        );
    }

    #[test]
    fn files_hold_one_scenario_or_a_list_and_bad_ones_fail_alone() {
        let one = parse_file(Path::new("start.yaml"), "event: start\n");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].name, "start");
        assert!(one[0].scenario.is_ok());
        let two = parse_file(
            Path::new("pair.yaml"),
            "- event: start\n- {name: second, event: {name: install}}\n",
        );
        assert_eq!(
            two.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            ["pair#1", "second"]
        );
        let bad = parse_file(Path::new("bad.yaml"), "event: start\nexpekt: {}\n");
        assert!(bad[0].scenario.as_ref().unwrap_err().contains("expekt"));
        let details = parse_file(
            Path::new("rel.yaml"),
            "event: {name: db-relation-changed, relation-id: 3, remote-unit: pg/0}\n",
        );
        let (name, details) = details[0]
            .scenario
            .as_ref()
            .unwrap()
            .event
            .resolve()
            .unwrap();
        assert_eq!(name, "db-relation-changed");
        assert_eq!(details.unwrap().relation_id, Some(3));
    }
}
