//! Whether a packed executable runs on the base the charm declares.
//!
//! Juju unpacks a `.charm` onto a machine or pod of the declared base and runs
//! `dispatch`. A binary linked against a newer glibc than that base ships fails there
//! before the host's first line (``version `GLIBC_2.34' not found``), so no hook runs and
//! nothing reaches the charm's log. Pack reads what each executable needs from its ELF
//! headers (the dynamic loader it names, the `GLIBC_*` symbol versions it requires) and
//! compares it with what the base provides; a statically linked binary needs nothing of
//! the base and runs on all of them.

use std::fmt;

use object::read::elf::{ElfFile64, FileHeader, ProgramHeader};
use object::{Endianness, elf};

/// A base Juju deploys to, as charmcraft.yaml names it: `ubuntu@22.04`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    pub name: String,
    pub channel: String,
}

impl fmt::Display for Base {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.channel)
    }
}

/// A glibc release, as its symbol versions name it (`GLIBC_2.34`, `GLIBC_2.2.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Glibc(pub u16, pub u16, pub u16);

impl Glibc {
    /// The release a symbol version names, or `None` for any other version string
    /// (`GLIBC_PRIVATE`, `GCC_3.0`). `GLIBC_ABI_*` versions name a feature of the
    /// loader: `DT_RELR` came with 2.36; an unknown one is taken as newer than any base.
    fn of_symbol_version(name: &[u8]) -> Option<Glibc> {
        let name = std::str::from_utf8(name).ok()?;
        if let Some(abi) = name.strip_prefix("GLIBC_ABI_") {
            return Some(match abi {
                "DT_RELR" => Glibc(2, 36, 0),
                _ => Glibc(u16::MAX, 0, 0),
            });
        }
        let rest = name.strip_prefix("GLIBC_")?;
        let mut parts = rest.split('.').map(|p| p.parse::<u16>().ok());
        let major = parts.next()??;
        let minor = parts.next()??;
        let patch = parts.next().unwrap_or(Some(0))?;
        parts.next().is_none().then_some(Glibc(major, minor, patch))
    }
}

impl fmt::Display for Glibc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Glibc(major, minor, 0) => write!(f, "{major}.{minor}"),
            Glibc(major, minor, patch) => write!(f, "{major}.{minor}.{patch}"),
        }
    }
}

/// The glibc each base ships, from the distributions' own package archives. Ubuntu
/// releases newer than the last one here ship at least its glibc.
const UBUNTU: &[(&str, Glibc)] = &[
    ("18.04", Glibc(2, 27, 0)),
    ("20.04", Glibc(2, 31, 0)),
    ("22.04", Glibc(2, 35, 0)),
    ("24.04", Glibc(2, 39, 0)),
    ("24.10", Glibc(2, 40, 0)),
    ("25.04", Glibc(2, 41, 0)),
    ("25.10", Glibc(2, 42, 0)),
];
const CENTOS: &[(&str, Glibc)] = &[("7", Glibc(2, 17, 0)), ("9", Glibc(2, 34, 0))];

impl Base {
    /// The oldest glibc a machine of this base has, where it is known.
    pub fn glibc(&self) -> Option<Glibc> {
        let known = match self.name.as_str() {
            "ubuntu" => UBUNTU,
            "centos" => CENTOS,
            _ => return None,
        };
        if let Some((_, glibc)) = known.iter().find(|(channel, _)| *channel == self.channel) {
            return Some(*glibc);
        }
        // An Ubuntu release after the table's last (`YY.MM`, compared as numbers).
        let release = |channel: &str| {
            let (year, month) = channel.split_once('.')?;
            Some((year.parse::<u16>().ok()?, month.parse::<u16>().ok()?))
        };
        let (last, glibc) = UBUNTU.last()?;
        (self.name == "ubuntu" && release(&self.channel)? > release(last)?).then_some(*glibc)
    }
}

/// What an executable needs of the machine that runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linkage {
    /// No dynamic loader: it carries its C library and runs on any base.
    Static,
    /// glibc's dynamic loader at its standard path, and at least this glibc (`None`:
    /// no symbol version could be read, so what it needs is not known).
    Glibc(Option<Glibc>),
    /// Another dynamic loader (musl's, or glibc's at a path no base has, as a Nix
    /// build names it), which no Juju base provides.
    Loader(String),
}

/// Where each architecture's glibc keeps its dynamic loader on Ubuntu and CentOS.
fn standard_loader(machine: u16) -> Option<&'static str> {
    Some(match machine {
        elf::EM_X86_64 => "/lib64/ld-linux-x86-64.so.2",
        elf::EM_AARCH64 => "/lib/ld-linux-aarch64.so.1",
        elf::EM_PPC64 => "/lib64/ld64.so.2",
        elf::EM_S390 => "/lib/ld64.so.1",
        elf::EM_RISCV => "/lib/ld-linux-riscv64-lp64d.so.1",
        _ => return None,
    })
}

/// A 64-bit ELF executable, as far as packing cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executable {
    /// `e_machine`: the architecture it is built for.
    pub machine: u16,
    pub linkage: Linkage,
}

impl Executable {
    /// Reads the ELF headers of `bytes`; an error says why they are not those of a 64-bit
    /// ELF file.
    pub fn read(bytes: &[u8]) -> Result<Executable, String> {
        let file = ElfFile64::<Endianness>::parse(bytes).map_err(|e| e.to_string())?;
        let endian = file.endian();
        let machine = file.elf_header().e_machine(endian);
        let loader = file
            .elf_program_headers()
            .iter()
            .filter(|header| header.p_type(endian) == elf::PT_INTERP)
            .find_map(|header| header.interpreter(endian, bytes).ok().flatten());
        let Some(loader) = loader else {
            return Ok(Executable {
                machine,
                linkage: Linkage::Static,
            });
        };
        let loader = String::from_utf8_lossy(loader).into_owned();
        if standard_loader(machine) != Some(loader.as_str()) {
            return Ok(Executable {
                machine,
                linkage: Linkage::Loader(loader),
            });
        }
        Ok(Executable {
            machine,
            linkage: Linkage::Glibc(newest_glibc(&file, bytes).map_err(|e| e.to_string())?),
        })
    }

    /// Why it cannot run on `base`, or `None` when it can.
    pub fn problem_on(&self, base: &Base) -> Option<String> {
        match &self.linkage {
            Linkage::Static => None,
            Linkage::Glibc(None) => Some(
                "its glibc symbol versions cannot be read (its section headers stripped?), \
                 so which glibc it needs is not known"
                    .into(),
            ),
            Linkage::Glibc(Some(Glibc(u16::MAX, ..))) => Some(format!(
                "it needs a glibc loader feature (GLIBC_ABI_*) not known here, which {base} \
                 may not have"
            )),
            Linkage::Loader(loader) => Some(format!(
                "it is linked for the dynamic loader {loader}, which {base} does not have"
            )),
            Linkage::Glibc(Some(needs)) => match base.glibc() {
                Some(has) if has >= *needs => None,
                Some(has) => Some(format!(
                    "it needs glibc {needs}, and {base} has glibc {has}"
                )),
                None => Some(format!(
                    "it needs glibc {needs}, and which glibc {base} has is not known here"
                )),
            },
        }
    }
}

/// The newest `GLIBC_*` version the file requires of any library.
fn newest_glibc(
    file: &ElfFile64<'_, Endianness>,
    bytes: &[u8],
) -> object::read::Result<Option<Glibc>> {
    let endian = file.endian();
    let sections = file.elf_section_table();
    let Some((mut needs, link)) = sections.gnu_verneed(endian, bytes)? else {
        return Ok(None);
    };
    let strings = sections.strings(endian, bytes, link)?;
    let mut newest = None;
    while let Some((_, mut versions)) = needs.next()? {
        while let Some(version) = versions.next()? {
            let found = Glibc::of_symbol_version(version.name(endian, strings)?);
            newest = newest.max(found);
        }
    }
    Ok(newest)
}

/// The Rust target that builds a host for a Juju architecture.
pub fn rust_target(arch: &str) -> Option<&'static str> {
    Some(match arch {
        "amd64" => "x86_64-unknown-linux-gnu",
        "arm64" => "aarch64-unknown-linux-gnu",
        "ppc64el" => "powerpc64le-unknown-linux-gnu",
        "s390x" => "s390x-unknown-linux-gnu",
        "riscv64" => "riscv64gc-unknown-linux-gnu",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(name: &str, channel: &str) -> Base {
        Base {
            name: name.into(),
            channel: channel.into(),
        }
    }

    #[test]
    fn symbol_versions_read_as_glibc_releases() {
        assert_eq!(
            Glibc::of_symbol_version(b"GLIBC_2.34"),
            Some(Glibc(2, 34, 0))
        );
        assert_eq!(
            Glibc::of_symbol_version(b"GLIBC_2.2.5"),
            Some(Glibc(2, 2, 5))
        );
        assert!(Glibc(2, 2, 5) < Glibc(2, 3, 0) && Glibc(2, 9, 0) < Glibc(2, 34, 0));
        assert_eq!(
            Glibc::of_symbol_version(b"GLIBC_ABI_DT_RELR"),
            Some(Glibc(2, 36, 0))
        );
        assert_eq!(
            Glibc::of_symbol_version(b"GLIBC_ABI_SOMETHING_NEW"),
            Some(Glibc(u16::MAX, 0, 0))
        );
        for other in [
            &b"GLIBC_PRIVATE"[..],
            b"GCC_3.0",
            b"GLIBC_2",
            b"GLIBC_2.3.4.5",
            b"GLIBC_2.x",
        ] {
            assert_eq!(Glibc::of_symbol_version(other), None, "{other:?}");
        }
        assert_eq!(Glibc(2, 2, 5).to_string(), "2.2.5");
        assert_eq!(Glibc(2, 34, 0).to_string(), "2.34");
    }

    #[test]
    fn bases_have_the_glibc_their_archives_ship() {
        assert_eq!(base("ubuntu", "20.04").glibc(), Some(Glibc(2, 31, 0)));
        assert_eq!(base("ubuntu", "22.04").glibc(), Some(Glibc(2, 35, 0)));
        assert_eq!(base("centos", "7").glibc(), Some(Glibc(2, 17, 0)));
        // A release after the table's last has at least its glibc.
        assert_eq!(base("ubuntu", "26.04").glibc(), Some(Glibc(2, 42, 0)));
        // Neither an unknown old one nor nonsense is guessed.
        for (name, channel) in [
            ("ubuntu", "16.04"),
            ("ubuntu", "devel"),
            ("ubuntu", "26"),
            ("debian", "12"),
        ] {
            assert_eq!(base(name, channel).glibc(), None, "{name}@{channel}");
        }
    }

    #[test]
    fn a_host_is_judged_against_the_base() {
        let needs = |glibc| Executable {
            machine: elf::EM_X86_64,
            linkage: Linkage::Glibc(Some(glibc)),
        };
        let focal = base("ubuntu", "20.04");
        let problem = needs(Glibc(2, 34, 0)).problem_on(&focal).unwrap();
        assert_eq!(
            problem,
            "it needs glibc 2.34, and ubuntu@20.04 has glibc 2.31"
        );
        assert_eq!(needs(Glibc(2, 31, 0)).problem_on(&focal), None);
        assert_eq!(
            needs(Glibc(2, 34, 0)).problem_on(&base("ubuntu", "22.04")),
            None
        );
        let unknown = needs(Glibc(2, 17, 0)).problem_on(&base("debian", "12"));
        assert!(unknown.unwrap().contains("not known here"));
        let static_host = Executable {
            machine: elf::EM_X86_64,
            linkage: Linkage::Static,
        };
        assert_eq!(static_host.problem_on(&base("debian", "12")), None);
        let musl = Executable {
            machine: elf::EM_X86_64,
            linkage: Linkage::Loader("/lib/ld-musl-x86_64.so.1".into()),
        };
        assert!(musl.problem_on(&focal).unwrap().contains("ld-musl"));
        // Versions that cannot be read, or a loader feature not known: refused.
        let unread = Executable {
            machine: elf::EM_X86_64,
            linkage: Linkage::Glibc(None),
        };
        assert!(unread.problem_on(&focal).unwrap().contains("not known"));
        assert!(needs(Glibc(u16::MAX, 0, 0)).problem_on(&focal).is_some());
        // DT_RELR needs 2.36: not jammy's 2.35, but noble's 2.39.
        assert!(
            needs(Glibc(2, 36, 0))
                .problem_on(&base("ubuntu", "22.04"))
                .is_some()
        );
        assert_eq!(
            needs(Glibc(2, 36, 0)).problem_on(&base("ubuntu", "24.04")),
            None
        );
        // glibc's loader by name at a path no base has (a Nix build).
        assert_eq!(
            standard_loader(elf::EM_X86_64),
            Some("/lib64/ld-linux-x86-64.so.2")
        );
    }

    #[test]
    fn this_test_binary_reads_as_what_it_is() {
        // The test harness is linked as the host is: dynamic against glibc unless the
        // build asked for a static one, and never older than glibc 2.17 (Rust's floor).
        let exe = std::env::current_exe().unwrap();
        let read = Executable::read(&std::fs::read(&exe).unwrap()).unwrap();
        assert_eq!(
            Some(read.machine),
            super::super::verify::elf_machine_of(super::super::this_architecture())
        );
        let static_build = cfg!(target_feature = "crt-static");
        match read.linkage {
            Linkage::Static if static_build => {}
            Linkage::Glibc(Some(needs)) if !static_build => {
                assert!(needs >= Glibc(2, 17, 0), "{needs}")
            }
            other => panic!("{} reads as {other:?}", exe.display()),
        }
    }

    #[test]
    fn a_minimal_static_executable_needs_nothing() {
        // An ELF header and one PT_LOAD program header: no loader, no versions.
        let mut bytes = vec![0u8; 64 + 56];
        bytes[..4].copy_from_slice(b"\x7fELF");
        bytes[4] = 2; // 64-bit
        bytes[5] = 1; // little-endian
        bytes[6] = 1; // version
        bytes[16..18].copy_from_slice(&elf::ET_EXEC.to_le_bytes());
        bytes[18..20].copy_from_slice(&elf::EM_AARCH64.to_le_bytes());
        bytes[20..24].copy_from_slice(&1u32.to_le_bytes());
        bytes[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
        bytes[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
        bytes[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
        bytes[56..58].copy_from_slice(&1u16.to_le_bytes()); // e_phnum
        bytes[64..68].copy_from_slice(&elf::PT_LOAD.to_le_bytes());
        let read = Executable::read(&bytes).unwrap();
        assert_eq!(read.machine, elf::EM_AARCH64);
        assert_eq!(read.linkage, Linkage::Static);
        assert!(Executable::read(b"#!/bin/sh\n").is_err());
        assert!(Executable::read(&bytes[..40]).is_err());
    }
}
