//! `wasmcharm::testing`, as a charm author's `cargo test` would use it.

use wasmcharm::backends::juju::StatusKind;
use wasmcharm::sim::state::{Clock, EventDetails};
use wasmcharm::testing::{State, TestCharm};
use wasmcharm_tests::charm_dir;

#[test]
fn a_state_in_an_event_and_the_state_out() {
    let dir = charm_dir("openssh");
    let charm = TestCharm::load(dir.path()).unwrap();
    let run = charm.run("start", &State::default()).unwrap();
    assert!(run.succeeded(), "{:?}", run.happened);
    assert_eq!(run.state.unit_status.kind, StatusKind::Active);
    assert_eq!(run.happened.commands, ["systemctl enable --now -- ssh"]);
    let ssh = &run.state.machine.services["ssh"];
    assert!(ssh.active && ssh.enabled);

    // The state out is the next run's state in, as on a unit.
    let again = charm.run("update-status", &run.state).unwrap();
    assert_eq!(again.state.unit_status, run.state.unit_status);
    assert!(again.happened.commands.is_empty());
}

#[test]
fn pebble_layers_and_config_through_the_builders() {
    let dir = charm_dir("pause");
    let charm = TestCharm::load(dir.path()).unwrap();
    let ready = charm
        .run(
            "pause-pebble-ready",
            &State::default().event(EventDetails {
                container: Some("pause".into()),
                ..EventDetails::default()
            }),
        )
        .unwrap();
    assert!(ready.succeeded(), "{:?}", ready.happened);
    let changed = charm
        .run("config-changed", &ready.state.clone().config("timeout", 5))
        .unwrap();
    let layer = &changed.state.containers["pause"].layers["pause"];
    let service = &layer.services["pause"];
    assert_eq!(service.environment["TIMEOUT"], "5");
    assert_eq!(
        changed.happened.pebble["pause"].changes,
        ["restart: Restart service \"pause\" (Done)"]
    );
    // A value of the wrong type is the test's mistake, named.
    let err = charm
        .run("config-changed", &ready.state.config("timeout", "soon"))
        .err()
        .unwrap();
    assert!(err.to_string().contains("declares it as int"), "{err}");
}

#[test]
fn runs_are_reproducible_from_the_clock_and_seed_the_state_gives() {
    let dir = charm_dir("stateful");
    let charm = TestCharm::load(dir.path()).unwrap();
    let seen = |clock: Clock| {
        let run = charm
            .run("update-status", &State::default().clock(clock))
            .unwrap();
        assert!(run.succeeded(), "{:?}", run.happened);
        run.state.stored["seen"].clone()
    };
    let clock = Clock {
        start: humantime::parse_rfc3339("2026-03-01T12:00:00Z").unwrap(),
        seed: 7,
    };
    let first = seen(clock);
    assert!(first.starts_with("1772366400 "), "{first}");
    assert_eq!(seen(clock), first, "same clock and seed, same run");
    assert_ne!(seen(Clock { seed: 8, ..clock }), first, "another seed");
}

#[test]
fn runs_go_in_parallel_on_one_loaded_charm() {
    let dir = charm_dir("openssh");
    let charm = TestCharm::load_for_threads(dir.path(), 4).unwrap();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..25 {
                    let run = charm.run("start", &State::default()).unwrap();
                    assert_eq!(run.state.unit_status.kind, StatusKind::Active);
                }
            });
        }
    });
}
