//! The guest's stdout and stderr: passed on (to the host's own, which Juju logs, or to
//! memory for `run`) up to a cap per dispatch. Past the cap, output is dropped after one
//! note saying so, and the guest never sees a write error: a chatty charm must not fail
//! its hook, nor fill the unit's log.

use std::io::Write;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use crate::runtime::limits::Size;

#[derive(Debug)]
enum Sink {
    Stdout,
    Stderr,
    Memory(Vec<u8>),
}

#[derive(Debug)]
struct Capped {
    sink: Sink,
    cap: u64,
    written: u64,
    cut: bool,
}

impl Capped {
    fn put(&mut self, bytes: &[u8]) {
        // Where this ends up is not the guest's business: a failed write to the host's
        // own stream is dropped like output past the cap.
        let _ = match &mut self.sink {
            Sink::Stdout => std::io::stdout().lock().write_all(bytes),
            Sink::Stderr => std::io::stderr().lock().write_all(bytes),
            Sink::Memory(buf) => {
                buf.extend_from_slice(bytes);
                Ok(())
            }
        };
    }
}

/// One of the guest's output streams.
#[derive(Debug, Clone)]
pub struct CappedOutput(Arc<Mutex<Capped>>);

impl CappedOutput {
    fn new(sink: Sink, cap: u64) -> Self {
        CappedOutput(Arc::new(Mutex::new(Capped {
            sink,
            cap,
            written: 0,
            cut: false,
        })))
    }

    pub fn stdout(cap: u64) -> Self {
        Self::new(Sink::Stdout, cap)
    }

    pub fn stderr(cap: u64) -> Self {
        Self::new(Sink::Stderr, cap)
    }

    pub fn memory(cap: u64) -> Self {
        Self::new(Sink::Memory(Vec::new()), cap)
    }

    /// What a memory stream holds.
    pub fn contents(&self) -> Vec<u8> {
        match &self.lock().sink {
            Sink::Memory(buf) => buf.clone(),
            _ => Vec::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Capped> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl IsTerminal for CappedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CappedOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CappedOutput {
    async fn ready(&mut self) {}
}

impl OutputStream for CappedOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        let mut c = self.lock();
        let room = c.cap.saturating_sub(c.written);
        let take = (bytes.len() as u64).min(room) as usize;
        c.put(&bytes[..take]);
        c.written = c.written.saturating_add(bytes.len() as u64);
        if take < bytes.len() && !c.cut {
            c.cut = true;
            let note = format!(
                "\n[wasmcharm: the charm's output was cut at limits.output ({})]\n",
                Size(c.cap)
            );
            c.put(note.as_bytes());
        }
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 << 10)
    }
}

impl tokio::io::AsyncWrite for CappedOutput {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let _ = OutputStream::write(&mut *self, Bytes::copy_from_slice(buf));
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_past_the_cap_is_dropped_with_one_note() {
        let mut out = CappedOutput::memory(10);
        out.write(Bytes::from_static(b"0123456")).unwrap();
        out.write(Bytes::from_static(b"789abcdef")).unwrap();
        out.write(Bytes::from_static(b"more")).unwrap();
        let text = String::from_utf8(out.contents()).unwrap();
        assert_eq!(
            text,
            "0123456789\n[wasmcharm: the charm's output was cut at limits.output (10B)]\n"
        );
    }
}
