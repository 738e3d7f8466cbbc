//! Property tests of the layer rules (pebble-api.md §4-§5) and the file parsers.

use proptest::prelude::*;

use super::layer::{Layer, Service};
use super::plan::Layers;

fn word() -> impl Strategy<Value = String> {
    "[a-z]{1,6}"
}

fn service(override_: &'static str) -> impl Strategy<Value = Service> {
    (
        proptest::option::of(word()),
        proptest::option::of(prop_oneof![
            Just("enabled".to_string()),
            Just("disabled".to_string())
        ]),
        proptest::collection::vec(word(), 0..3),
        proptest::collection::btree_map(word(), word(), 0..3),
        proptest::option::of(word()),
    )
        .prop_map(
            move |(summary, startup, after, environment, user)| Service {
                override_: override_.into(),
                summary: summary.unwrap_or_default(),
                startup: startup.unwrap_or_default().as_str().into(),
                command: "sleep 1".into(),
                after,
                environment,
                user: user.unwrap_or_default(),
                ..Service::default()
            },
        )
}

fn layer_of(name: &str, s: Service) -> Layer {
    Layer {
        services: [(name.to_string(), s)].into(),
        ..Layer::default()
    }
}

proptest! {
    /// A merge never unsets a field, appends lists, and merges maps key by key.
    #[test]
    fn merge_only_adds(base in service("replace"), mut upper in service("merge")) {
        upper.command.clear();
        let mut layers = Layers::default();
        layers.add("base", &layer_of("s", base.clone()), false).unwrap();
        layers.add("upper", &layer_of("s", upper.clone()), false).unwrap();
        let merged = &layers.plan().services["s"];
        prop_assert_eq!(&merged.command, &base.command);
        if !base.summary.is_empty() { prop_assert!(!merged.summary.is_empty()); }
        if !base.startup.is_unset() { prop_assert!(!merged.startup.is_unset()); }
        if !base.user.is_empty() { prop_assert!(!merged.user.is_empty()); }
        prop_assert_eq!(merged.after.len(), base.after.len() + upper.after.len());
        for (k, v) in &upper.environment {
            prop_assert_eq!(&merged.environment[k], v);
        }
        for k in base.environment.keys() {
            prop_assert!(merged.environment.contains_key(k));
        }
    }

    /// A replace entry is the whole story: nothing of the layers below survives.
    #[test]
    fn replace_wipes(base in service("replace"), upper in service("replace")) {
        let mut layers = Layers::default();
        layers.add("base", &layer_of("s", base), false).unwrap();
        layers.add("upper", &layer_of("s", upper.clone()), false).unwrap();
        prop_assert_eq!(&layers.plan().services["s"], &upper);
    }

    /// Combining into a label gives the same plan as adding on top, when that label is
    /// the top one.
    #[test]
    fn combine_on_top_is_add(base in service("replace"), upper in service("merge")) {
        let mut added = Layers::default();
        added.add("a", &layer_of("s", base.clone()), false).unwrap();
        added.add("b", &layer_of("s", upper.clone()), false).unwrap();
        let mut combined = Layers::default();
        combined.add("a", &layer_of("s", base), false).unwrap();
        combined.add("a", &layer_of("s", upper), true).unwrap();
        prop_assert_eq!(added.plan(), combined.plan());
    }

    /// A layer survives a trip through Pebble's YAML.
    #[test]
    fn layers_round_trip_through_yaml(s in service("replace")) {
        let layer = layer_of("s", s);
        let yaml = layer.to_pebble_yaml();
        prop_assert_eq!(Layer::parse("l", &yaml).unwrap(), layer);
    }

    /// No text makes the layer or state parsers panic: it is a layer or an error.
    #[test]
    fn parsers_never_panic(text in "\\\\PC{0,200}") {
        let _ = Layer::parse("l", &text);
        let _ = crate::sim::state::State::parse(&text);
        let _ = serde_yaml::from_str::<crate::charm_dir::Manifest>(&text);
    }

    /// Structured junk in the right places is refused, never a panic.
    #[test]
    fn services_of_junk_are_refused_cleanly(
        key in "[a-z-]{1,12}",
        value in prop_oneof![Just("1".to_string()), Just("[x]".to_string()), Just("{a: b}".to_string()), word()],
    ) {
        let yaml = format!("services:\n  s:\n    override: replace\n    command: x\n    {key}: {value}\n");
        let _ = Layer::parse("l", &yaml);
        let state = format!("containers: {{c: {{{key}: {value}}}}}\n");
        let _ = crate::sim::state::State::parse(&state);
    }
}
