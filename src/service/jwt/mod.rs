//! JWT: the signing settings from the environment, the key checks and a
//! sign-and-verify round trip, and the advice.

pub(crate) mod advice;
pub(crate) mod probe;
pub(crate) mod settings;

use crate::model::StepName;

use super::Description;

/// JWT as the registry lists it: settings, not a URL.
pub(crate) const KIND: Description = Description {
    is_scheme: |_| false,
    is_unread_scheme: |_| false,
    steps: &[StepName::Config, StepName::Key, StepName::Roundtrip],
    advise: |_, code, _| advice::advise(code),
    can_heal: crate::model::Code::can_heal,
    gauges: &[],
};
