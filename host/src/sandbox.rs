//! The capability policy a charm declares under `machine:` in `wasmcharm.yaml`, checked
//! before every machine call. Deny by default: what is not declared is refused, and the
//! refusal names the rule the charm would have to add.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

/// An allow-list of names; `"*"` allows every name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct AllowList(Vec<String>);

impl AllowList {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn allows(&self, name: &str) -> bool {
        self.0.iter().any(|n| n == "*" || n == name)
    }
}

impl<const N: usize> From<[&str; N]> for AllowList {
    fn from(names: [&str; N]) -> Self {
        AllowList(names.iter().map(|n| n.to_string()).collect())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileRules {
    /// Absolute path prefixes the charm may read.
    pub read: Vec<PathBuf>,
    /// Absolute path prefixes the charm may write, create and remove (and read).
    pub write: Vec<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// apt packages the charm may install, remove or query.
    pub packages: AllowList,
    /// apt repositories (`ppa:owner/name` or a deb line) it may add or remove.
    pub repositories: AllowList,
    /// systemd units it may control or query (`ssh` covers `ssh.service`).
    pub services: AllowList,
    /// snaps it may install, remove or query.
    pub snaps: AllowList,
    /// Programs it may run: exactly as the charm passes them in `argv[0]`.
    pub commands: AllowList,
    pub files: FileRules,
}

/// A call the policy refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("wasmcharm.yaml does not allow {what} `{name}`: {hint}")]
pub struct Denied {
    what: &'static str,
    name: String,
    hint: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Read => "read",
            Access::Write => "write",
        })
    }
}

impl Policy {
    pub fn check_package(&self, name: &str) -> Result<(), Denied> {
        check(&self.packages, "package", "packages", name)
    }

    /// Refreshing the package lists installs nothing: any charm that declares packages
    /// may do it.
    pub fn check_apt_update(&self) -> Result<(), Denied> {
        if self.packages.is_empty() {
            Err(Denied {
                what: "operation",
                name: "apt-get update".into(),
                hint: "declare the packages the charm installs in machine.packages".into(),
            })
        } else {
            Ok(())
        }
    }

    /// Reloading unit files starts and stops nothing: any charm that declares services
    /// may do it.
    pub fn check_daemon_reload(&self) -> Result<(), Denied> {
        if self.services.is_empty() {
            Err(Denied {
                what: "operation",
                name: "systemctl daemon-reload".into(),
                hint: "declare the units the charm manages in machine.services".into(),
            })
        } else {
            Ok(())
        }
    }

    pub fn check_repository(&self, repo: &str) -> Result<(), Denied> {
        check(&self.repositories, "repository", "repositories", repo)
    }

    pub fn check_service(&self, unit: &str) -> Result<(), Denied> {
        let bare = unit.strip_suffix(".service").unwrap_or(unit);
        if self.services.allows(unit) || self.services.allows(bare) {
            Ok(())
        } else {
            Err(denied("service", "services", unit))
        }
    }

    pub fn check_snap(&self, name: &str) -> Result<(), Denied> {
        check(&self.snaps, "snap", "snaps", name)
    }

    pub fn check_command(&self, program: &str) -> Result<(), Denied> {
        check(&self.commands, "command", "commands", program)
    }

    /// Checks a path the charm wants to touch and returns it normalised, so that the
    /// backend acts on exactly the path that was checked.
    pub fn check_path(&self, path: &str, access: Access) -> Result<PathBuf, Denied> {
        let normal = normalise(path).ok_or_else(|| Denied {
            what: "path",
            name: path.to_string(),
            hint: "paths must be absolute".into(),
        })?;
        let prefixes = match access {
            Access::Read => self.files.read.iter().chain(&self.files.write),
            Access::Write => [].iter().chain(&self.files.write),
        };
        let allowed = prefixes
            .filter_map(|p| normalise(&p.to_string_lossy()))
            .any(|prefix| normal.starts_with(&prefix));
        if allowed {
            Ok(normal)
        } else {
            Err(Denied {
                what: "path",
                name: path.to_string(),
                hint: format!(
                    "add it, or a directory above it, to machine.files.{}",
                    match access {
                        Access::Read => "read (or write)",
                        Access::Write => "write",
                    }
                ),
            })
        }
    }
}

impl Policy {
    /// Checks where a checked path really leads (see `Machine::resolve_path`) against
    /// the declared prefixes, resolved the same way.
    pub fn check_resolved(
        &self,
        asked: &str,
        real: &Path,
        access: Access,
        mut resolve: impl FnMut(&Path) -> PathBuf,
    ) -> Result<(), Denied> {
        let prefixes: Vec<&PathBuf> = match access {
            Access::Read => self.files.read.iter().chain(&self.files.write).collect(),
            Access::Write => self.files.write.iter().collect(),
        };
        let allowed = prefixes
            .into_iter()
            .filter_map(|p| normalise(&p.to_string_lossy()))
            .any(|prefix| real.starts_with(resolve(&prefix)));
        if allowed {
            Ok(())
        } else {
            Err(Denied {
                what: "path",
                name: asked.to_string(),
                hint: format!(
                    "it leads through a link to {}, outside machine.files.{access}",
                    real.display()
                ),
            })
        }
    }
}

fn check(list: &AllowList, what: &'static str, key: &str, name: &str) -> Result<(), Denied> {
    if list.allows(name) {
        Ok(())
    } else {
        Err(denied(what, key, name))
    }
}

fn denied(what: &'static str, key: &str, name: &str) -> Denied {
    Denied {
        what,
        name: name.to_string(),
        hint: format!("add it to machine.{key}"),
    }
}

/// Resolves `.` and `..` lexically; `None` for a relative path. `..` at the root stays
/// at the root, as the kernel does.
fn normalise(path: &str) -> Option<PathBuf> {
    let path = Path::new(path);
    if !path.is_absolute() || path.as_os_str().as_encoded_bytes().contains(&0) {
        return None;
    }
    let mut out = PathBuf::from("/");
    for part in path.components() {
        match part {
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => out.push(name),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            packages: ["openssh-server"].into(),
            services: ["ssh"].into(),
            commands: ["ua"].into(),
            files: FileRules {
                read: vec!["/etc/ssh".into()],
                write: vec!["/etc/ssh/sshd_config.d".into()],
            },
            ..Policy::default()
        }
    }

    #[test]
    fn allows_what_is_declared_and_nothing_else() {
        let p = policy();
        assert!(p.check_package("openssh-server").is_ok());
        let err = p.check_package("nginx").unwrap_err().to_string();
        assert_eq!(
            err,
            "wasmcharm.yaml does not allow package `nginx`: add it to machine.packages"
        );
        assert!(p.check_service("ssh").is_ok());
        assert!(p.check_service("ssh.service").is_ok());
        assert!(p.check_service("sshd").is_err());
        assert!(p.check_command("ua").is_ok());
        assert!(p.check_command("/usr/bin/ua").is_err());
        assert!(p.check_snap("lxd").is_err());
        assert!(p.check_repository("ppa:x/y").is_err());
    }

    #[test]
    fn a_star_allows_every_name() {
        let p = Policy {
            packages: ["*"].into(),
            ..Policy::default()
        };
        assert!(p.check_package("anything").is_ok());
    }

    #[test]
    fn paths_are_normalised_before_the_prefix_check() {
        let p = policy();
        assert_eq!(
            p.check_path("/etc/ssh/./sshd_config", Access::Read)
                .unwrap(),
            Path::new("/etc/ssh/sshd_config")
        );
        assert!(p.check_path("/etc/ssh/../shadow", Access::Read).is_err());
        assert!(p.check_path("/etc/sshd", Access::Read).is_err());
        assert!(p.check_path("etc/ssh/x", Access::Read).is_err());
        assert!(p.check_path("/../../etc/ssh/x", Access::Read).is_ok());
    }

    #[test]
    fn writing_needs_a_write_rule() {
        let p = policy();
        assert!(p.check_path("/etc/ssh/sshd_config", Access::Write).is_err());
        assert!(
            p.check_path("/etc/ssh/sshd_config.d/10-charm.conf", Access::Write)
                .is_ok()
        );
        // Write implies read.
        assert!(
            p.check_path("/etc/ssh/sshd_config.d/10-charm.conf", Access::Read)
                .is_ok()
        );
    }
}
