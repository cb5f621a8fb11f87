//! The shared vocabulary — check, step, status, finding, failure, code —
//! at the bottom of the crate: every other module speaks it, and it
//! imports nothing above it (issue 9).

pub(crate) mod check;
pub(crate) mod code;
pub(crate) mod finding;
pub(crate) mod kind;
pub(crate) mod parts;
pub(crate) mod provenance;
pub(crate) mod step;
pub(crate) mod tip;

pub(crate) use self::check::{CheckName, Gauge, Ladder, ProbeOutcome, Readings};
pub(crate) use self::code::{Code, FindingCode};
pub(crate) use self::finding::{Finding, Severity};
pub(crate) use self::kind::Kind;
pub(crate) use self::parts::{Database, HostPart, Parts};
pub(crate) use self::provenance::{NotChecked, Origin, Provenance, Variable};
pub(crate) use self::step::{Failure, Status, Step, StepName};
pub(crate) use self::tip::Tip;
