//! `juju:charm/deferral`.

use crate::runtime::bindings::v0_1::deferral;
use crate::runtime::bindings::v0_1::types::{Error, ErrorKind};

use super::{DeferralView, error};
use crate::sandbox::caps;

impl deferral::Host for DeferralView<'_> {
    fn defer(&mut self) -> Result<(), Error> {
        let Some(event) = &self.delivery.event else {
            return Err(error(ErrorKind::Unsupported, "there is no event to defer"));
        };
        if !event.deferrable() {
            return Err(error(
                ErrorKind::InvalidInput,
                format!(
                    "a {} event cannot be deferred: Juju does not deliver it again",
                    event.name()
                ),
            ));
        }
        if self.delivery.queued >= caps::DEFERRED_EVENTS {
            return Err(error(
                ErrorKind::InvalidInput,
                format!(
                    "{} events are deferred already, the most a unit keeps: handle one, or \
                     stop deferring",
                    caps::DEFERRED_EVENTS
                ),
            ));
        }
        self.delivery.deferred = true;
        Ok(())
    }

    fn is_redelivery(&mut self) -> bool {
        self.delivery.redelivery
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::wit_host::Delivery;

    #[test]
    fn the_queue_of_deferred_events_is_capped() {
        let mut delivery = Delivery {
            event: Some(Event::ConfigChanged),
            queued: caps::DEFERRED_EVENTS - 1,
            ..Delivery::default()
        };
        let mut view = DeferralView {
            delivery: &mut delivery,
        };
        deferral::Host::defer(&mut view).unwrap();
        view.delivery.queued = caps::DEFERRED_EVENTS;
        view.delivery.deferred = false;
        let err = deferral::Host::defer(&mut view).unwrap_err();
        assert!(
            err.message.starts_with("64 events are deferred already"),
            "{}",
            err.message
        );
        assert!(!view.delivery.deferred);
    }
}
