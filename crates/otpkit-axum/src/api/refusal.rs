//! The JSON shape of a refusal ([`Problem::body`](crate::Problem::body)) and of a code that
//! was sent, and the schema of [`Code`].

use std::borrow::Cow;

use serde::{Deserialize, Serialize, Serializer};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Object, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::answers::{ChallengeSentStatus, LoginDevice};
use crate::error::Code;

impl Serialize for Code {
    /// The stable code string ([`Code::as_str`]).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialSchema for Code {
    /// A string, one of the codes a refusal's `error` can be: every [`Code`] but
    /// `challenge_message`, which is not a refusal (its answer is [`ChallengeSent`]).
    fn schema() -> RefOr<Schema> {
        let codes = Code::ALL
            .iter()
            .filter(|c| **c != Code::ChallengeMessage)
            .map(|c| c.as_str());
        let object: Object = ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .description(Some(
                "The stable code of a refusal (docs/behaviour.md §7.4).",
            ))
            .enum_values(Some(codes))
            .build();
        RefOr::T(Schema::Object(object))
    }
}

impl ToSchema for Code {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Code")
    }
}

/// A refusal: `{"error", "message", …}` with the status of its code (docs/behaviour.md
/// §7.4, `Code::status`). The other fields are there when they apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Refusal {
    /// The session's CSRF token (the answers of the login pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    /// What was wrong with the form, in stable English (the admin's add and change forms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The user's confirmed devices (the code step of the login pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<LoginDevice>>,
    /// The stable code.
    #[schema(value_type = Code)]
    pub error: String,
    /// Failed attempts in a row (`n_failed_attempts`, `device_locked`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_count: Option<u32>,
    /// Until when the device is throttled (`n_failed_attempts`), RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<String>,
    /// Where to sign in, with `next` (`otp_required`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_url: Option<String>,
    /// The sentence for a person, in the request's language.
    pub message: String,
    /// Seconds to wait (`n_failed_attempts`, `challenge_cooldown`), also sent as
    /// `Retry-After`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// A code was sent to the chosen device (202, the code step's `otp_challenge`): enter it
/// next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChallengeSent {
    /// The session's CSRF token (the answers of the login pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    /// The user's confirmed devices (the answers of the login pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<LoginDevice>>,
    /// What the device said, e.g. "Code sent by email.".
    pub message: String,
    /// `challenge_sent`.
    pub status: ChallengeSentStatus,
}
