//! The host's own bounds: how much of what a guest (or a workload, or a remote unit
//! through Juju) controls the host will hold or pass on. Each is a constant, so that the
//! host's memory for a dispatch is bounded by `limits.memory` plus a sum of these,
//! whatever the charm does; past one, the call is refused with an error naming it.

/// The most one host call hands back: a file read, a command's stdout and stderr
/// together, a Pebble pull, an exec's output, a hook tool's answer. The guest must copy
/// the answer into its own memory, so a bound far above this would buy nothing.
pub const TRANSFER: usize = 16 << 20;

/// The most one call of the guest may hand the host, counted as wasmtime counts its
/// hostcall fuel: the bytes of every string and list in the call's arguments, plus the
/// host's size of each list element. wasmtime copies a call's arguments out of guest
/// memory before the host sees them; this bound stops the copy before it starts, so the
/// host never holds a second copy of the guest's memory. The largest thing a guest may
/// legitimately hand over (a pushed or written file, stdin, serialised relation data) is
/// [`TRANSFER`]; the rest is room for the names and options beside it.
pub const CALL_ARGUMENTS: usize = TRANSFER + (1 << 20);

/// The words wasmtime's error has when a call passes [`CALL_ARGUMENTS`]: its type is not
/// public, so the host recognises it by them (a test pins them to this wasmtime).
pub const CALL_ARGUMENTS_EXHAUSTED: &str = "fuel allocated for hostcalls has been exhausted";

/// Resource handles an instance may hold at once (WASI's streams and pollables, a few
/// for a charm): each is host memory that no one call's bound covers. wasmtime's own
/// default is 100,000.
pub const HANDLES: usize = 10_000;

/// Random bytes a guest may ask for in one call (`wasi:random`). A charm asks for a few
/// bytes for a password or a hash seed; wasmtime's own default is 64 MiB.
pub const RANDOM_BYTES: u64 = 1 << 20;

/// The secret arguments of one command together: each is masked in the command's
/// output, and what finds them grows with their length. Tokens, passwords and keys are
/// far shorter.
pub const SECRET_ARGUMENTS: usize = 256 << 10;

/// One argument of a program the host runs. The kernel refuses a longer one
/// (`MAX_ARG_STRLEN`, 32 pages), so a status, an action message or a result past it
/// could never reach Juju.
pub const ARGUMENT: usize = (128 << 10) - 1;

/// `message` cut to at most [`ARGUMENT`] bytes, at a character boundary, saying how much
/// was cut: for logs, which cannot fail.
pub fn cut_message(message: &str) -> std::borrow::Cow<'_, str> {
    if message.len() <= ARGUMENT {
        return message.into();
    }
    // Room for the note, whose length varies with the number in it.
    let cut = message.floor_char_boundary(ARGUMENT - 64);
    format!(
        "{} [wasmcharm: {} more bytes cut]",
        &message[..cut],
        message.len() - cut
    )
    .into()
}

/// A command line, the words and the environment together, for a command the host
/// runs or asks Pebble to run: half the kernel's default limit on a whole command line
/// (a quarter of an 8 MiB stack).
pub const COMMAND_LINE: usize = 1 << 20;

/// `Ok` if `argv` and `env` fit in [`COMMAND_LINE`] together and each word, name or
/// value in one [`ARGUMENT`]; else what is wrong, naming the limit.
pub fn command_line(argv: &[String], env: &[(String, String)]) -> Result<(), String> {
    let words = argv
        .iter()
        .chain(env.iter().flat_map(|(name, value)| [name, value]));
    let mut total = 0usize;
    for word in words {
        if word.len() > ARGUMENT {
            return Err(format!(
                "an argument or variable of the command is {} bytes; the kernel takes at most \
                 {ARGUMENT}",
                word.len()
            ));
        }
        total = total.saturating_add(word.len() + 1);
    }
    if total > COMMAND_LINE {
        return Err(format!(
            "the command's arguments and variables are {total} bytes together; at most \
             {COMMAND_LINE}"
        ));
    }
    Ok(())
}

/// `text` if it fits in one argument; else an error naming `what` and the limit.
pub fn one_argument<'a>(what: &str, text: &'a str) -> Result<&'a str, String> {
    if text.len() <= ARGUMENT {
        Ok(text)
    } else {
        Err(format!(
            "{what} is {} bytes; Juju takes at most {ARGUMENT} (one argument of a hook tool)",
            text.len()
        ))
    }
}

/// Every `key=value` of one `action-set` call together, well inside the kernel's limit
/// on a whole command line (a quarter of the stack limit, 2 MiB by default).
pub const ACTION_RESULTS: usize = 1 << 20;

/// A stored value, and the whole stored state (keys and values). Juju's own store for
/// charm state takes 2 MiB by default (`max-charm-state-size`).
pub const STORED_VALUE: usize = 1 << 20;
pub const STORED_TOTAL: usize = 2 << 20;
/// A stored key: a name, not data.
pub const STORED_KEY: usize = 256;
/// Keys in all, and what each entry counts against the total besides its key and value.
pub const STORED_KEYS: usize = 1024;
pub const STORED_ENTRY_OVERHEAD: usize = 64;

/// Events queued by `defer()` at once. `ops` sets none, but a charm that defers every
/// event on a busy unit would otherwise grow its state on every hook.
pub const DEFERRED_EVENTS: usize = 64;

/// The largest component the host will compile, and how long and how much memory
/// compiling may take (see [`crate::runtime::compile`]). The example charms are about
/// 0.2 to 2 MB; a Python charm from componentize-py about 19 MB.
pub const COMPONENT_SIZE: u64 = 64 << 20;
pub const COMPILE_TIME: std::time::Duration = std::time::Duration::from_secs(120);
pub const COMPILE_MEMORY: u64 = 2 << 30;

/// Memories and tables one instance of a charm may create (a wit-bindgen component
/// has one memory and a few tables); `limits.memory` covers all of them together.
pub const INSTANCE_MEMORIES: usize = 4;
pub const INSTANCE_TABLES: usize = 8;
/// Core module instances one instance of a charm may create: a wit-bindgen component
/// makes a handful, componentize-py's about 20 (38 with `--stub-wasi`). The same for a
/// dispatch and a test run, so that `wasmcharm test` runs what the host runs.
pub const INSTANCE_CORE_INSTANCES: usize = 64;
/// Elements of one table: a function table this large is a program of millions of
/// functions.
pub const TABLE_ELEMENTS: usize = 100_000;
/// A table element's cost against `limits.memory`: wasmtime keeps a pointer for each.
pub const TABLE_ELEMENT_BYTES: u64 = std::mem::size_of::<usize>() as u64;

/// A buffer that takes at most `cap` bytes, for what the host serialises from a guest's
/// values (JSON and YAML can be several times the size of what they hold).
pub struct CappedBuffer {
    pub bytes: Vec<u8>,
    cap: usize,
    /// Whether a write was refused.
    pub full: bool,
}

impl CappedBuffer {
    pub fn new(cap: usize) -> Self {
        CappedBuffer {
            bytes: Vec::new(),
            cap,
            full: false,
        }
    }
}

impl std::io::Write for CappedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.cap {
            self.full = true;
            return Err(std::io::Error::other("past the cap"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_command_line_fits_what_the_kernel_takes() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(command_line(&words(&["ls", "-l"]), &[]).is_ok());
        let long = "x".repeat(ARGUMENT + 1);
        let err = command_line(&words(&["echo"]), &[("V".into(), long)]).unwrap_err();
        assert!(err.contains("the kernel takes at most 131071"), "{err}");
        let many = vec!["x".repeat(ARGUMENT); 9];
        let err = command_line(&many, &[]).unwrap_err();
        assert!(err.contains("at most 1048576"), "{err}");
    }

    use super::*;

    #[test]
    fn long_messages_are_cut_at_a_character_boundary() {
        assert_eq!(cut_message("short"), "short");
        let long = "é".repeat(ARGUMENT);
        let cut = cut_message(&long);
        assert!(cut.len() <= ARGUMENT, "{}", cut.len());
        assert!(
            cut.ends_with(" more bytes cut]"),
            "{}",
            &cut[cut.len() - 40..]
        );
        assert!(one_argument("a status message", &long).is_err());
    }
}
