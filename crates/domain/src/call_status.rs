//! The call status machine: which status a call may move to from the one it
//! has.
//!
//! Statuses arrive from several places (the scheduler, the dialer, provider
//! webhooks, agents in the UI), often late and sometimes twice. One table
//! decides every move, so a replayed or out-of-order webhook can never take a
//! finished call back to `ringing`.
//!
//! | from          | may move to                                                                                        |
//! |---------------|----------------------------------------------------------------------------------------------------|
//! | `scheduled`   | `queued`, `ringing`, `in_progress`, `completed`, `no_show`, `missed`, `voicemail`, `failed`, `cancelled` |
//! | `queued`      | `ringing`, `in_progress`, `missed`, `failed`, `cancelled`                                          |
//! | `ringing`     | `in_progress`, `missed`, `voicemail`, `failed`, `cancelled`, `no_show`                             |
//! | `in_progress` | `completed`, `voicemail`, `failed`                                                                 |
//! | `completed`, `no_show`, `missed`, `voicemail`, `failed`, `cancelled` | nothing: they are terminal |
//!
//! `scheduled → completed` is allowed because a provider may report only the
//! end of a call. Setting a call to the status it already has is never an
//! error (webhooks are replayed): it is [`Transition::Unchanged`].

use switchboard_entity::enums::CallStatus;

/// What a legal status write does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The call moves to a new status.
    Changed,
    /// The call already has that status; nothing to write.
    Unchanged,
}

/// A status move the machine forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a call cannot go from {} to {}", from.as_str(), to.as_str())]
pub struct IllegalTransition {
    pub from: CallStatus,
    pub to: CallStatus,
}

/// The statuses a call in `from` may move to (empty for terminal statuses).
pub fn allowed_next(from: CallStatus) -> &'static [CallStatus] {
    use CallStatus::*;
    match from {
        Scheduled => &[
            Queued, Ringing, InProgress, Completed, NoShow, Missed, Voicemail, Failed, Cancelled,
        ],
        Queued => &[Ringing, InProgress, Missed, Failed, Cancelled],
        Ringing => &[InProgress, Missed, Voicemail, Failed, Cancelled, NoShow],
        InProgress => &[Completed, Voicemail, Failed],
        Completed | NoShow | Missed | Voicemail | Failed | Cancelled => &[],
    }
}

/// Checks moving a call from `from` to `to`: the same status is
/// [`Transition::Unchanged`], a move in the table is [`Transition::Changed`],
/// anything else is an [`IllegalTransition`].
pub fn transition(from: CallStatus, to: CallStatus) -> Result<Transition, IllegalTransition> {
    if from == to {
        Ok(Transition::Unchanged)
    } else if allowed_next(from).contains(&to) {
        Ok(Transition::Changed)
    } else {
        Err(IllegalTransition { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The machine, written out independently of `allowed_next`.
    const TABLE: &[(&str, &[&str])] = &[
        (
            "scheduled",
            &[
                "queued",
                "ringing",
                "in_progress",
                "completed",
                "no_show",
                "missed",
                "voicemail",
                "failed",
                "cancelled",
            ],
        ),
        (
            "queued",
            &["ringing", "in_progress", "missed", "failed", "cancelled"],
        ),
        (
            "ringing",
            &[
                "in_progress",
                "missed",
                "voicemail",
                "failed",
                "cancelled",
                "no_show",
            ],
        ),
        ("in_progress", &["completed", "voicemail", "failed"]),
    ];

    fn table_allows(from: CallStatus, to: CallStatus) -> bool {
        TABLE
            .iter()
            .find(|(f, _)| *f == from.as_str())
            .is_some_and(|(_, next)| next.contains(&to.as_str()))
    }

    #[test]
    fn every_pair_of_statuses_follows_the_table() {
        for &from in CallStatus::ALL {
            for &to in CallStatus::ALL {
                let expected = if from == to {
                    Ok(Transition::Unchanged)
                } else if table_allows(from, to) {
                    Ok(Transition::Changed)
                } else {
                    Err(IllegalTransition { from, to })
                };
                assert_eq!(transition(from, to), expected, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn allowed_next_lists_exactly_the_legal_changes() {
        for &from in CallStatus::ALL {
            let legal: Vec<_> = CallStatus::ALL
                .iter()
                .copied()
                .filter(|&to| transition(from, to) == Ok(Transition::Changed))
                .collect();
            let mut listed = allowed_next(from).to_vec();
            listed.sort_by_key(|s| CallStatus::ALL.iter().position(|a| a == s));
            assert_eq!(listed, legal, "{from}");
        }
    }

    #[test]
    fn terminal_statuses_have_no_successors() {
        for &from in CallStatus::ALL.iter().filter(|s| s.is_terminal()) {
            assert!(allowed_next(from).is_empty(), "{from}");
            for &to in CallStatus::ALL.iter().filter(|&&to| to != from) {
                assert!(transition(from, to).is_err(), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn non_terminal_statuses_can_all_end() {
        for &from in CallStatus::ALL.iter().filter(|s| !s.is_terminal()) {
            assert!(allowed_next(from).iter().any(|s| s.is_terminal()), "{from}");
        }
    }

    #[test]
    fn rewriting_the_same_status_is_unchanged() {
        for &status in CallStatus::ALL {
            assert_eq!(transition(status, status), Ok(Transition::Unchanged));
        }
    }

    #[test]
    fn a_provider_may_report_only_the_end_of_a_call() {
        assert_eq!(
            transition(CallStatus::Scheduled, CallStatus::Completed),
            Ok(Transition::Changed)
        );
    }

    #[test]
    fn the_error_names_both_statuses() {
        let error = transition(CallStatus::Completed, CallStatus::Ringing).unwrap_err();
        assert_eq!(error.from, CallStatus::Completed);
        assert_eq!(error.to, CallStatus::Ringing);
        assert_eq!(
            error.to_string(),
            "a call cannot go from completed to ringing"
        );
        let error = transition(CallStatus::InProgress, CallStatus::NoShow).unwrap_err();
        assert_eq!(
            error.to_string(),
            "a call cannot go from in_progress to no_show"
        );
    }
}
