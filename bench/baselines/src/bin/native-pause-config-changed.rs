//! What the pause charm's `config-changed` does when the plan already matches, written
//! natively: read the config, ask Pebble whether it is up and for its plan, compare the
//! service with the one the config asks for, and set the unit's status. The same hook
//! tools and the same Pebble API requests as the host makes, over the same socket.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyperlocal::{UnixClientExt, UnixConnector, Uri};
use serde_json::Value;

fn main() -> ExitCode {
    match reconcile() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("native-pause-config-changed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn reconcile() -> Result<(), String> {
    let config = Command::new("config-get")
        .arg("--format=json")
        .output()
        .map_err(|e| e.to_string())?;
    let config: Value = serde_json::from_slice(&config.stdout).map_err(|e| e.to_string())?;
    let timeout = config["timeout"].as_i64().unwrap_or(30);
    let socket = PathBuf::from(
        std::env::var_os("WASMCHARM_PEBBLE_SOCKET_DIR").ok_or("no socket directory")?,
    )
    .join("pause/pebble.socket");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let plan = runtime.block_on(async {
        let client: Client<UnixConnector, Empty<bytes::Bytes>> = Client::unix();
        let get = |path: &'static str| {
            let client = client.clone();
            let uri: hyper::Uri = Uri::new(&socket, path).into();
            async move {
                let response = client.get(uri).await.map_err(|e| e.to_string())?;
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| e.to_string())?;
                serde_json::from_slice::<Value>(&body.to_bytes()).map_err(|e| e.to_string())
            }
        };
        get("/v1/system-info").await?;
        get("/v1/plan?format=yaml").await
    })?;
    let plan = plan["result"].as_str().unwrap_or_default();
    let wanted = format!("TIMEOUT: \"{timeout}\"");
    if !plan.contains(&wanted) {
        return Err(format!(
            "the plan is not the steady state benchmarked: {plan}"
        ));
    }
    let set = Command::new("status-set")
        .args(["--application=false", "active"])
        .output()
        .map_err(|e| e.to_string())?;
    if set.status.success() {
        Ok(())
    } else {
        Err("status-set failed".into())
    }
}
