//! Finding or starting moto, once per test process.
//!
//! The child is spawned with `PR_SET_PDEATHSIG = SIGKILL`, so it dies with
//! us even when the test binary is killed. That signal fires when the
//! *thread* that spawned the child exits, and every `#[tokio::test]` runs on
//! its own short-lived thread, so a dedicated keeper thread spawns moto and
//! then parks for the rest of the process.
//!
//! moto is started through `moto_serial.py` (beside this crate), which
//! serves one request at a time: moto's threaded server checks a DynamoDB
//! condition and writes the item without a lock, so concurrent conditional
//! writes could both succeed (the store contract's concurrency cases caught
//! it losing an update). A moto named by `MYX_MOTO_ENDPOINT` must be
//! started the same way: `python shared/emulator/moto_serial.py -H .. -p ..`.

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
/// Keeps moto's log (every request it served) at this path.
const LOG_VAR: &str = "MYX_MOTO_LOG";
/// How long moto may take to answer (it usually needs about 1.5 s).
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Ports can be taken between choosing one and moto binding it: retry.
const START_ATTEMPTS: usize = 3;
/// Runs moto_server's `main` with a single-threaded HTTP server.
const SERIAL_LAUNCHER: &str = include_str!("../moto_serial.py");

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
            "moto_server was not found (looked in ${VENV_VAR}/bin, \
             ~/.cache/myxelium/tools-venv/bin and on PATH). Run `scripts/tools.sh` to \
             install it, or set {ENDPOINT_VAR} to a running moto."
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

/// `$MYX_TOOLS_VENV/bin` first (an explicit choice), then the default
/// virtualenv of `scripts/tools.sh` (the pinned moto), then `PATH` (any
/// other moto installed on the machine).
fn find_moto_server() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(venv) = std::env::var_os(VENV_VAR) {
        candidates.push(PathBuf::from(venv).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".cache/myxelium/tools-venv/bin"));
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
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
        let kept_log = std::env::var_os(LOG_VAR).map(PathBuf::from);
        let log = kept_log.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("myx-moto-{}-{port}.log", std::process::id()))
        });
        let mut child = spawn(binary, port, &log)
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        let address = format!("127.0.0.1:{port}");
        match wait_until_ready(&address, Some(&mut child)) {
            Ok(()) => {
                // A log nobody asked for only fills the temp dir: moto keeps
                // writing to the open file, which goes when moto does.
                if kept_log.is_none() {
                    let _ = std::fs::remove_file(&log);
                }
                return Ok((format!("http://{address}"), child));
            }
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
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    let parent = std::process::id() as libc::pid_t;
    let mut command = Command::new(python_of(binary));
    command
        .args(["-c", SERIAL_LAUNCHER])
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

/// The Python that runs `moto_server` (and so can import moto): the
/// script's `#!` interpreter, else a `python3` beside it, else `python3`.
fn python_of(moto_server: &Path) -> PathBuf {
    if let Some(interpreter) = shebang_interpreter(moto_server) {
        return interpreter;
    }
    if let Some(dir) = moto_server.parent() {
        for name in ["python3", "python"] {
            let candidate = dir.join(name);
            if is_executable(&candidate) {
                return candidate;
            }
        }
    }
    PathBuf::from("python3")
}

/// `#!/venv/bin/python` gives that path; `#!/usr/bin/env python3` gives
/// `python3`. A `/bin/sh` trampoline (pip's form for long paths) gives `None`.
fn shebang_interpreter(script: &Path) -> Option<PathBuf> {
    let mut head = [0u8; 512];
    let read = std::fs::File::open(script).ok()?.read(&mut head).ok()?;
    let first_line = std::str::from_utf8(&head[..read]).ok()?.lines().next()?;
    let mut words = first_line.strip_prefix("#!")?.split_whitespace();
    let program = words.next()?;
    let interpreter = if program.ends_with("/env") {
        words.find(|w| !w.starts_with('-'))?
    } else {
        program
    };
    let name = Path::new(interpreter).file_name()?.to_str()?;
    name.starts_with("python")
        .then(|| PathBuf::from(interpreter))
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
    fn the_interpreter_comes_from_the_shebang() {
        let dir = std::env::temp_dir().join(format!("myx-shebang-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases = [
            (
                "#!/venv/bin/python3.11\nimport x\n",
                Some("/venv/bin/python3.11"),
            ),
            ("#!/usr/bin/env python3\n", Some("python3")),
            ("#!/bin/sh\n'exec' /long/python\n", None),
            ("no shebang\n", None),
        ];
        for (i, (text, expected)) in cases.into_iter().enumerate() {
            let path = dir.join(format!("script{i}"));
            std::fs::write(&path, text).unwrap();
            assert_eq!(
                shebang_interpreter(&path),
                expected.map(PathBuf::from),
                "{text:?}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

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
