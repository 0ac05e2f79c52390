//! The closed value sets of the schema: one enum per `CHECK (col IN (...))`
//! list, shared where several columns list the same values.
//!
//! Every enum is stored as its snake_case string (a `TEXT` column on both
//! backends, not a PostgreSQL enum type), and serializes to the same string.
//!
//! The enums live in one submodule per area of the schema and are all
//! re-exported here, so `switchboard_entity::enums::X` names every one of
//! them; this module keeps the macro that declares them and the test that
//! checks them all.

/// Declares a string-valued enum exactly as written and adds, from the same
/// `string_value`s, `ALL` (every variant in schema order), `as_str` and
/// `Display`, so the stored strings are written once.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[doc = $vdoc:literal])*
                #[sea_orm(string_value = $value:literal)]
                $variant:ident,
            )+
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $(
                $(#[doc = $vdoc])*
                #[sea_orm(string_value = $value)]
                $variant,
            )+
        }

        impl $name {
            /// Every variant, in the order the schema lists them.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The value stored in the database (and used by serde).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $value,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

// The submodules come after the macro so that they can use it.
mod accounts;
mod calls;
mod customers;
mod leads;
mod setup;

pub use accounts::*;
pub use calls::*;
pub use customers::*;
pub use leads::*;
pub use setup::*;

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveEnum, Iterable};
    use serde::Serialize;

    /// The stored string, the serde string and `Display` (`as_str`) agree,
    /// and the stored string reads back as the same variant.
    fn check<E>()
    where
        E: ActiveEnum<Value = String> + Iterable + Serialize + Copy + PartialEq + std::fmt::Debug,
        E: std::fmt::Display,
    {
        for variant in E::iter() {
            let stored = variant.to_value();
            assert_eq!(
                serde_json::to_value(variant).unwrap(),
                serde_json::Value::String(stored.clone())
            );
            assert_eq!(variant.to_string(), stored);
            assert_eq!(E::try_from_value(&stored).unwrap(), variant);
        }
    }

    /// Runs `check` on each enum and compares its `ALL` with `EnumIter`.
    macro_rules! check_all {
        ($($name:ident),+ $(,)?) => {
            $(
                check::<$name>();
                assert_eq!($name::iter().collect::<Vec<_>>(), $name::ALL, stringify!($name));
            )+
        };
    }

    #[test]
    fn stored_serde_and_display_strings_agree() {
        check_all!(
            PlatformRole,
            AuthProvider,
            MemberRole,
            MembershipStatus,
            LoginFailureReason,
            AgentProvider,
            AgentType,
            TelephonyProvider,
            CallType,
            CampaignStatus,
            CampaignLeadState,
            LeadStatus,
            CallSource,
            CallStatus,
            CallOutcome,
            CrmStage,
            TrafficSource,
            AppointmentSource,
            Sentiment,
            CallEventKind,
            CallEventSource,
            Level,
            LeadTemperature,
            FollowUpStatus,
            LeadAuditAction,
            EnrollmentStatus,
            TriggerType,
            AssignmentStrategy,
            DncSource,
            CustomerStatus,
            OrderStatus,
            MessageChannel,
            MessageDirection,
            MessageStatus,
            DealStage,
            CreditKind,
            TargetPeriod,
        );
    }

    #[test]
    fn terminal_call_statuses() {
        let terminal: Vec<_> = CallStatus::ALL
            .iter()
            .filter(|s| s.is_terminal())
            .map(|s| s.as_str())
            .collect();
        assert_eq!(
            terminal,
            [
                "completed",
                "no_show",
                "missed",
                "voicemail",
                "failed",
                "cancelled"
            ]
        );
    }
}
