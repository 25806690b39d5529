//! moto lives as long as the test process (not just the test thread that
//! started it) and dies with it. The parent test runs this binary again as
//! a child that starts its own moto, then checks moto is gone once the
//! child has exited.

use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

/// Set only in the child run.
const CHILD_VAR: &str = "MYX_EMULATOR_LIFECYCLE_CHILD";

fn answers(endpoint: &str) -> bool {
    let address = endpoint.trim_start_matches("http://");
    TcpStream::connect(address).is_ok()
}

#[test]
#[ignore = "run by moto_dies_with_the_test_process as a child process"]
fn child_starts_moto_from_a_short_lived_thread() {
    assert!(std::env::var_os(CHILD_VAR).is_some(), "run as a child only");
    let endpoint = std::thread::spawn(|| myx_emulator::endpoint().to_string())
        .join()
        .expect("the starting thread ran");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        answers(&endpoint),
        "moto died with the thread that started it"
    );
    println!("MOTO_ENDPOINT={endpoint}");
}

#[test]
#[ignore = "run by without_moto_the_panic_says_how_to_install_it as a child process"]
fn child_without_moto_anywhere() {
    assert!(std::env::var_os(CHILD_VAR).is_some(), "run as a child only");
    myx_emulator::endpoint();
}

#[test]
fn without_moto_the_panic_says_how_to_install_it() {
    let output = Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--ignored", "--exact", "child_without_moto_anywhere"])
        .env(CHILD_VAR, "1")
        .env_remove("MYX_MOTO_ENDPOINT")
        .env("MYX_TOOLS_VENV", "/nonexistent/venv")
        .env("HOME", "/nonexistent/home")
        .env("PATH", "")
        .output()
        .expect("the child runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "never skipped silently:\n{stdout}"
    );
    assert!(
        stdout.contains("scripts/tools.sh") || stderr.contains("scripts/tools.sh"),
        "{stdout}\n{stderr}"
    );
}

#[test]
fn moto_dies_with_the_test_process() {
    let output = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--ignored",
            "--exact",
            "child_starts_moto_from_a_short_lived_thread",
            "--nocapture",
        ])
        .env(CHILD_VAR, "1")
        .env_remove("MYX_MOTO_ENDPOINT")
        .output()
        .expect("the child runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    let endpoint = stdout
        .lines()
        .find_map(|line| line.strip_prefix("MOTO_ENDPOINT="))
        .unwrap_or_else(|| panic!("the child printed no endpoint:\n{stdout}\n{stderr}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while answers(endpoint) {
        assert!(
            Instant::now() < deadline,
            "moto at {endpoint} outlived its test process"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
