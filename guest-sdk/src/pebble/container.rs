//! A workload container: whether its Pebble answers, its plan and its services.

use super::host;
use super::{Layer, ServiceInfo};
use crate::error::host as call;
use crate::{Error, ErrorKind, Result};

/// A workload container, by the name the charm's metadata gives it.
///
/// ```no_run
/// let c = wasmcharm_sdk::pebble::container("pause");
/// if c.can_connect() { c.replan()?; }
/// # Ok::<(), wasmcharm_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub(super) name: String,
}

/// The container of this name.
///
/// ```no_run
/// let c = wasmcharm_sdk::pebble::container("pause");
/// ```
pub fn container(name: &str) -> Container {
    Container { name: name.into() }
}

pub(super) fn names(services: &[&str]) -> Vec<String> {
    services.iter().map(|s| s.to_string()).collect()
}

impl Container {
    /// ```
    /// assert_eq!(wasmcharm_sdk::pebble::container("pause").name(), "pause");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether Pebble answers in this container now.
    ///
    /// ```no_run
    /// let up = wasmcharm_sdk::pebble::container("pause").can_connect();
    /// ```
    pub fn can_connect(&self) -> bool {
        host::can_connect(&self.name)
    }

    /// Adds a layer on top under a new label (`ops`' `add_layer(label, layer)`); a label
    /// Pebble already has is an error.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::pebble::{self, Layer, Service};
    /// let layer = Layer::new().service("pause", Service::replace().command("/pause"));
    /// pebble::container("pause").add_layer("pause", &layer)?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn add_layer(&self, label: &str, layer: &Layer) -> Result<()> {
        call(host::add_layer(&self.name, label, &layer.into(), false))
    }

    /// Folds a layer into the one of the same label, or adds it when there is none
    /// (`ops`' `add_layer(label, layer, combine=True)`): what a charm that sets its
    /// layer on every event wants.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::pebble::{self, Layer, Service};
    /// let layer = Layer::new().service("pause", Service::replace().command("/pause"));
    /// pebble::container("pause").combine_layer("pause", &layer)?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn combine_layer(&self, label: &str, layer: &Layer) -> Result<()> {
        call(host::add_layer(&self.name, label, &layer.into(), true))
    }

    /// Every layer folded together.
    ///
    /// ```no_run
    /// let plan = wasmcharm_sdk::pebble::container("pause").plan()?;
    /// let pause = plan.services.get("pause");
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn plan(&self) -> Result<Layer> {
        call(host::get_plan(&self.name)).map(Layer::from)
    }

    /// The named services (all when `names` is empty).
    ///
    /// ```no_run
    /// let all = wasmcharm_sdk::pebble::container("pause").services(&[])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn services(&self, names_: &[&str]) -> Result<Vec<ServiceInfo>> {
        call(host::get_services(&self.name, &names(names_)))
    }

    /// One service; a not-found error if the plan has no such service.
    ///
    /// ```no_run
    /// use wasmcharm_sdk::pebble::{self, ServiceStatus};
    /// let running = pebble::container("pause").service("pause")?.current == ServiceStatus::Active;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn service(&self, name: &str) -> Result<ServiceInfo> {
        self.services(&[name])?.into_iter().next().ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("container {:?} has no service {name:?}", self.name),
            )
        })
    }

    /// Starts the services (and what they require), waiting until Pebble is done.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("pause").start(&["pause"])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn start(&self, services: &[&str]) -> Result<()> {
        call(host::start(&self.name, &names(services)))
    }

    /// Stops the services (and what requires them).
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("pause").stop(&["pause"])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn stop(&self, services: &[&str]) -> Result<()> {
        call(host::stop(&self.name, &names(services)))
    }

    /// Stops then starts the services, picking up their current definitions.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("pause").restart(&["pause"])?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn restart(&self, services: &[&str]) -> Result<()> {
        call(host::restart(&self.name, &names(services)))
    }

    /// Restarts services whose definition changed and starts the enabled ones.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("pause").replan()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn replan(&self) -> Result<()> {
        call(host::replan(&self.name))
    }

    /// Starts the `startup: enabled` services.
    ///
    /// ```no_run
    /// wasmcharm_sdk::pebble::container("pause").autostart()?;
    /// # Ok::<(), wasmcharm_sdk::Error>(())
    /// ```
    pub fn autostart(&self) -> Result<()> {
        call(host::autostart(&self.name))
    }
}
