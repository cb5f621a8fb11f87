//! The shared vocabulary — check, step, status, finding, failure, code —
//! at the bottom of the crate: every other module speaks it, and it
//! imports nothing above it (issue 9).

pub mod check;
pub mod code;
pub mod finding;
pub mod step;
pub mod tip;

pub use self::check::{CheckName, Ladder, ProbeOutcome, Readings};
pub use self::code::{Code, FindingCode};
pub use self::finding::{Finding, Severity};
pub use self::step::{Failure, Status, Step, StepName};
pub use self::tip::Tip;
