//! The `.charm` read back as Juju will read it, before `pack` calls it done: every entry
//! whole (its CRC checked), named inside the archive, a regular file whose mode Juju's
//! unzip will restore (a Unix "made by" and the mode in the external attributes, which
//! is where Go's `archive/zip` looks), the executables executable, and the files Juju
//! and the host need where they look for them.

use std::io::Read;
use std::path::Path;

use object::elf;
use serde_yaml::Value;

/// Entries that must be executable when unpacked.
pub const EXECUTABLES: &[&str] = &["dispatch", "bin/wasmcharm"];

/// The file type bits of a regular file, as `st_mode` and zip's external attributes
/// carry them.
const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;

/// What a verified archive holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Each entry's name and permission bits, in archive order.
    pub entries: Vec<(String, u32)>,
    /// The component's name in the archive, as wasmcharm.yaml gives it.
    pub component: String,
}

/// Reads `archive` back and returns its layout, or every problem found, one a line.
pub fn verify(archive: &Path, arch: &str) -> Result<Layout, String> {
    let file = std::fs::File::open(archive).map_err(|e| format!("cannot open it: {e}"))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| format!("not a zip archive: {e}"))?;
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    let mut contents = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = match zip.by_index(i) {
            Ok(entry) => entry,
            Err(e) => {
                problems.push(format!("entry {i} cannot be read: {e}"));
                continue;
            }
        };
        let name = entry.name().to_string();
        if entry
            .enclosed_name()
            .is_none_or(|p| p.to_str() != Some(name.as_str()))
        {
            problems.push(format!("`{name}` is not a plain relative path"));
        }
        let mut bytes = Vec::new();
        if let Err(e) = entry.read_to_end(&mut bytes) {
            problems.push(format!("`{name}` is damaged: {e}"));
            continue;
        }
        let perms = match entry.unix_mode() {
            None => {
                problems.push(format!(
                    "`{name}` carries no Unix mode, so Juju would unpack it without its own \
                     (not executable)"
                ));
                0
            }
            Some(mode) if mode & S_IFMT != S_IFREG => {
                problems.push(format!("`{name}` is not a regular file (mode {mode:o})"));
                mode & 0o777
            }
            Some(mode) => mode & 0o777,
        };
        let wanted = if EXECUTABLES.contains(&name.as_str()) {
            0o755
        } else {
            0o644
        };
        if perms != wanted {
            problems.push(format!("`{name}` has mode {perms:o}, not {wanted:o}"));
        }
        if contents.insert(name.clone(), bytes).is_some() {
            problems.push(format!("`{name}` is in the archive twice"));
        }
        entries.push((name, perms));
    }
    let component = content_problems(&contents, arch, &mut problems);
    if problems.is_empty() {
        Ok(Layout { entries, component })
    } else {
        Err(problems.join("\n"))
    }
}

/// Checks the files Juju and the host read; returns the component's name.
fn content_problems(
    contents: &std::collections::BTreeMap<String, Vec<u8>>,
    arch: &str,
    problems: &mut Vec<String>,
) -> String {
    let yaml = |name: &str, problems: &mut Vec<String>| -> Option<Value> {
        let bytes = contents.get(name).or_else(|| {
            problems.push(format!("`{name}` is missing"));
            None
        })?;
        serde_yaml::from_slice(bytes)
            .map_err(|e| problems.push(format!("`{name}` is not valid YAML: {e}")))
            .ok()
    };
    if let Some(metadata) = yaml("metadata.yaml", problems) {
        problems.extend(
            super::juju_rules::problems(&metadata)
                .into_iter()
                .map(|p| format!("metadata.yaml: {p}")),
        );
    }
    if let Some(manifest) = yaml("manifest.yaml", problems) {
        let archs: Vec<&str> = manifest["bases"]
            .as_sequence()
            .into_iter()
            .flatten()
            .flat_map(|base| base["architectures"].as_sequence().into_iter().flatten())
            .filter_map(Value::as_str)
            .collect();
        if !archs.contains(&arch) {
            problems.push(format!(
                "manifest.yaml's bases do not name the architecture {arch}"
            ));
        }
    }
    for exe in EXECUTABLES {
        match contents.get(*exe) {
            None => problems.push(format!("`{exe}` is missing")),
            Some(bytes) if !bytes.starts_with(b"\x7fELF") => {
                problems.push(format!("`{exe}` is not an executable (no ELF header)"));
            }
            Some(bytes) => match (elf_machine(bytes), elf_machine_of(arch)) {
                (found, Some(wanted)) if found != Some(wanted) => problems.push(format!(
                    "`{exe}` is not built for {arch} (ELF machine {}, not {wanted})",
                    found.map_or("unreadable".into(), |m| m.to_string())
                )),
                _ => {}
            },
        }
    }
    // As written: the charm directory refused anything but a plain relative path.
    let component = yaml("wasmcharm.yaml", problems)
        .and_then(|m| m.get("component").and_then(Value::as_str).map(String::from))
        .unwrap_or_default();
    match contents.get(&component) {
        _ if component.is_empty() => {}
        None => problems.push(format!(
            "`{component}`, the component wasmcharm.yaml names, is missing"
        )),
        Some(bytes) if !(bytes.starts_with(b"\0asm") && bytes.get(6..8) != Some(&[0, 0])) => {
            problems.push(format!("`{component}` is not a WebAssembly component"));
        }
        Some(_) => {}
    }
    component
}

/// A 64-bit ELF file's `e_machine`.
fn elf_machine(bytes: &[u8]) -> Option<u16> {
    super::base::Executable::read(bytes)
        .ok()
        .map(|exe| exe.machine)
}

/// The ELF machine of a Juju architecture, where the host knows it.
pub(super) fn elf_machine_of(arch: &str) -> Option<u16> {
    Some(match arch {
        "amd64" => elf::EM_X86_64,
        "arm64" => elf::EM_AARCH64,
        "ppc64el" => elf::EM_PPC64,
        "s390x" => elf::EM_S390,
        "riscv64" => elf::EM_RISCV,
        _ => return None,
    })
}
