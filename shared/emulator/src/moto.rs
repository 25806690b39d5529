//! Finding or starting moto, once per test process.
//!
//! The child is spawned with `PR_SET_PDEATHSIG = SIGKILL`, so it dies with
//! us even when the test binary is killed. That signal fires when the
//! *thread* that spawned the child exits, and every `#[tokio::test]` runs on
//! its own short-lived thread, so a dedicated keeper thread spawns moto and
//! then parks for the rest of the process.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

/// Names a running moto (e.g. `http://127.0.0.1:5000`) to use instead of
/// starting one.
const ENDPOINT_VAR: &str = "MYX_MOTO_ENDPOINT";
/// Overrides the tools virtualenv that `scripts/tools.sh` creates.
const VENV_VAR: &str = "MYX_TOOLS_VENV";
/// How long moto may take to answer (it usually needs about 1.5 s).
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Ports can be taken between choosing one and moto binding it: retry.
const START_ATTEMPTS: usize = 3;

static ENDPOINT: OnceLock<String> = OnceLock::new();

/// moto's base URL, without a trailing slash. The first call starts moto
/// (or checks the one named by `MYX_MOTO_ENDPOINT`) and blocks until it
/// answers; it panics with instructions when that is impossible.
pub fn endpoint() -> &'static str {
    ENDPOINT.get_or_init(|| match std::env::var(ENDPOINT_VAR) {
        Ok(url) if !url.trim().is_empty() => {
            let url = url.trim().trim_end_matches('/').to_string();
            let address = host_port(&url)
                .unwrap_or_else(|| panic!("{ENDPOINT_VAR}={url:?} is not an http://host:port URL"));
            if let Err(error) = wait_until_ready(&address, None) {
                panic!("moto at {ENDPOINT_VAR}={url} does not answer: {error}");
            }
            url
        }
        _ => start_moto(),
    })
}

fn start_moto() -> String {
    let Some(binary) = find_moto_server() else {
        panic!(
            "moto_server was not found (looked in ${VENV_VAR}/bin, on PATH and in \
             ~/.cache/myxelium/tools-venv/bin). Run `scripts/tools.sh` to install it, \
             or set {ENDPOINT_VAR} to a running moto."
        );
    };
    let (sender, receiver) = mpsc::channel();
    let keeper = std::thread::Builder::new()
        .name("moto-keeper".into())
        .spawn(move || {
            // `_child` stays alive with this thread, which never ends: the
            // child is killed when the process exits (PDEATHSIG).
            let (result, _child) = match spawn_until_ready(&binary) {
                Ok((url, child)) => (Ok(url), Some(child)),
                Err(error) => (Err(error), None),
            };
            // The receiver may be gone if the test already panicked.
            let _ = sender.send(result);
            loop {
                std::thread::park();
            }
        });
    if let Err(error) = keeper {
        panic!("cannot start the moto keeper thread: {error}");
    }
    match receiver.recv() {
        Ok(Ok(url)) => url,
        Ok(Err(error)) => panic!("moto did not start: {error}"),
        Err(_) => panic!("the moto keeper thread ended before moto started"),
    }
}

/// `$MYX_TOOLS_VENV/bin` first (an explicit choice), then `PATH`, then the
/// default virtualenv of `scripts/tools.sh`.
fn find_moto_server() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(venv) = std::env::var_os(VENV_VAR) {
        candidates.push(PathBuf::from(venv).join("bin"));
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".cache/myxelium/tools-venv/bin"));
    }
    candidates
        .into_iter()
        .map(|dir| dir.join("moto_server"))
        .find(|path| is_executable(path))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn spawn_until_ready(binary: &Path) -> Result<(String, Child), String> {
    let mut failures = Vec::new();
    for _ in 0..START_ATTEMPTS {
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let log = std::env::temp_dir().join(format!("myx-moto-{}-{port}.log", std::process::id()));
        let mut child = spawn(binary, port, &log)
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        let address = format!("127.0.0.1:{port}");
        match wait_until_ready(&address, Some(&mut child)) {
            Ok(()) => return Ok((format!("http://{address}"), child)),
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                failures.push(format!("port {port}: {error} (log: {})", log.display()));
            }
        }
    }
    Err(failures.join("; "))
}

fn spawn(binary: &Path, port: u16, log: &Path) -> std::io::Result<Child> {
    let log_file = std::fs::File::create(log)?;
    let parent = std::process::id() as libc::pid_t;
    let mut command = Command::new(binary);
    command
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    // SAFETY: between fork and exec the closure only makes async-signal-safe
    // calls (prctl, getppid, _exit) and allocates nothing.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before prctl took effect.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    command.spawn()
}

fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// `host:port` of an `http://host:port[/...]` URL.
fn host_port(url: &str) -> Option<String> {
    let rest = url.strip_prefix("http://")?;
    let authority = rest.split('/').next()?;
    authority.contains(':').then(|| authority.to_string())
}

/// Polls until an HTTP request gets an HTTP answer; fails if `child` exits
/// or the timeout passes.
fn wait_until_ready(address: &str, mut child: Option<&mut Child>) -> Result<(), String> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let mut last_error = String::from("no attempt made");
    while Instant::now() < deadline {
        if let Some(child) = child.as_deref_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("moto_server exited early with {status}"));
            }
        }
        match answers_http(address) {
            Ok(()) => return Ok(()),
            Err(error) => last_error = error.to_string(),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "no answer within {}s (last error: {last_error})",
        READY_TIMEOUT.as_secs()
    ))
}

fn answers_http(address: &str) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut head = [0u8; 8];
    stream.read_exact(&mut head)?;
    if head.starts_with(b"HTTP/1.") {
        Ok(())
    } else {
        Err(std::io::Error::other("not an HTTP answer"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_reads_http_urls_only() {
        assert_eq!(
            host_port("http://127.0.0.1:5000").as_deref(),
            Some("127.0.0.1:5000")
        );
        assert_eq!(
            host_port("http://localhost:1/x").as_deref(),
            Some("localhost:1")
        );
        assert_eq!(host_port("https://127.0.0.1:5000"), None);
        assert_eq!(host_port("http://127.0.0.1"), None);
    }
}
