//! Records the target triple the binary is built for, so `railconn
//! --version` can name it: a bug report then says which of the released
//! builds (glibc or musl, which architecture) the user runs.

fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=RAILCONN_BUILD_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
