//! Identities in a simulated container, validated as Pebble validates them.

use std::collections::BTreeMap;

use crate::backends::pebble::identities::BasicIdentity;
use crate::backends::pebble::{ApiError, Identity, IdentityName};

#[derive(Debug, Clone, Default)]
pub struct Identities {
    by_name: BTreeMap<String, Identity>,
}

impl Identities {
    pub fn from_model(identities: &BTreeMap<String, Identity>) -> Result<Self, String> {
        for (name, identity) in identities {
            IdentityName::parse(name).map_err(|e| e.to_string())?;
            if !identity.has_a_type() {
                return Err(no_type(name).message);
            }
        }
        Ok(Identities {
            by_name: identities.clone(),
        })
    }

    pub fn to_model(&self) -> BTreeMap<String, Identity> {
        self.by_name.clone()
    }

    /// As Pebble shows them: a password hash as `*****`.
    pub fn list(&self) -> BTreeMap<String, Identity> {
        self.by_name
            .iter()
            .map(|(name, identity)| {
                let mut shown = identity.clone();
                if shown.basic.is_some() {
                    shown.basic = Some(BasicIdentity {
                        password: "*****".into(),
                    });
                }
                (name.clone(), shown)
            })
            .collect()
    }

    pub fn replace(
        &mut self,
        identities: &BTreeMap<IdentityName, Identity>,
    ) -> Result<(), ApiError> {
        if let Some((name, _)) = identities.iter().find(|(_, i)| !i.has_a_type()) {
            return Err(no_type(name.as_str()));
        }
        for (name, identity) in identities {
            self.by_name
                .insert(name.as_str().to_string(), identity.clone());
        }
        Ok(())
    }

    pub fn remove(&mut self, names: &[IdentityName]) -> Result<(), ApiError> {
        let missing: Vec<&str> = names
            .iter()
            .map(IdentityName::as_str)
            .filter(|n| !self.by_name.contains_key(*n))
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::bad_request(format!(
                "identities do not exist: {}",
                missing.join(", ")
            )));
        }
        for name in names {
            self.by_name.remove(name.as_str());
        }
        Ok(())
    }
}

fn no_type(name: &str) -> ApiError {
    ApiError::bad_request(format!(
        "invalid identity for {name:?}: identity must have at least one type (\"local\", \
         \"basic\", or \"cert\")"
    ))
}
