//! A finding: something worth knowing that does not fail a step.

use serde::Serialize;

use super::code::FindingCode;
use crate::i18n::Message;

/// Something worth knowing that does not fail a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub code: FindingCode,
    pub message: Message,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warn,
    Info,
}

impl Finding {
    pub fn warn(code: FindingCode, message: impl Into<Message>) -> Self {
        Self {
            severity: Severity::Warn,
            code,
            message: message.into(),
        }
    }

    pub fn info(code: FindingCode, message: impl Into<Message>) -> Self {
        Self {
            severity: Severity::Info,
            code,
            message: message.into(),
        }
    }
}
