//! Rules about calls: billing minutes and traffic-source classification (seed 000).

use switchboard_entity::enums::{AppointmentSource, CallStatus, CrmStage, TrafficSource};

/// Minutes billed for a call: the duration rounded up to the next whole
/// minute (61 s is 2 minutes; 0 s is 0).
pub fn billed_minutes(duration_seconds: i32) -> i32 {
    if duration_seconds <= 0 {
        0
    } else {
        (duration_seconds + 59) / 60
    }
}

/// The CRM stage a call's status puts it in (seed 000's mapping): a call not
/// yet held is `scheduled` (so are failed and cancelled calls, which go back to
/// be rescheduled, like seed 000's `rescheduled`); a held call is `completed`
/// until an outcome closes it as won or lost; a prospect who never picked up
/// is a `no_show`. `closed` is the stage a recorded outcome gave, kept once
/// the call is completed.
pub fn crm_stage_for(status: CallStatus, closed: Option<CrmStage>) -> CrmStage {
    match status {
        CallStatus::Scheduled | CallStatus::Queued | CallStatus::Ringing => CrmStage::Scheduled,
        CallStatus::InProgress => CrmStage::InProgress,
        CallStatus::Completed => match closed {
            Some(stage @ (CrmStage::ClosedWon | CrmStage::Lost)) => stage,
            _ => CrmStage::Completed,
        },
        CallStatus::NoShow | CallStatus::Missed | CallStatus::Voicemail => CrmStage::NoShow,
        CallStatus::Failed | CallStatus::Cancelled => CrmStage::Scheduled,
    }
}

/// Classifies a call's traffic source by seed 000's rules: an explicit value
/// wins; else the source of the set appointment decides; else the lead's
/// source; else organic.
pub fn classify_traffic_source(
    explicit: Option<TrafficSource>,
    source_of_set_appointment: Option<AppointmentSource>,
    lead_source: Option<&str>,
) -> TrafficSource {
    if let Some(source) = explicit {
        return source;
    }
    if let Some(appointment) = source_of_set_appointment {
        return match appointment {
            AppointmentSource::SdrBookedCall | AppointmentSource::Vsl => TrafficSource::Meta,
            AppointmentSource::NonSdrBookedCall
            | AppointmentSource::Email
            | AppointmentSource::SelfBooking => TrafficSource::Organic,
        };
    }
    match lead_source.map(|s| s.trim().to_ascii_lowercase()) {
        Some(source) if is_meta_source(&source) => TrafficSource::Meta,
        _ => TrafficSource::Organic,
    }
}

/// Lead sources that are Meta advertising (Facebook and Instagram ads).
fn is_meta_source(source: &str) -> bool {
    matches!(
        source,
        "meta" | "facebook" | "facebook_ads" | "fb" | "instagram" | "instagram_ads" | "ig"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_rounds_up_to_the_next_minute() {
        assert_eq!(billed_minutes(0), 0);
        assert_eq!(billed_minutes(1), 1);
        assert_eq!(billed_minutes(60), 1);
        assert_eq!(billed_minutes(61), 2);
        assert_eq!(billed_minutes(-5), 0);
    }

    #[test]
    fn crm_stages_follow_the_status_and_keep_a_closed_outcome() {
        assert_eq!(
            crm_stage_for(CallStatus::Ringing, None),
            CrmStage::Scheduled
        );
        assert_eq!(
            crm_stage_for(CallStatus::InProgress, None),
            CrmStage::InProgress
        );
        assert_eq!(
            crm_stage_for(CallStatus::Completed, None),
            CrmStage::Completed
        );
        assert_eq!(
            crm_stage_for(CallStatus::Completed, Some(CrmStage::ClosedWon)),
            CrmStage::ClosedWon
        );
        assert_eq!(
            crm_stage_for(CallStatus::Completed, Some(CrmStage::Lost)),
            CrmStage::Lost
        );
        assert_eq!(crm_stage_for(CallStatus::Voicemail, None), CrmStage::NoShow);
        assert_eq!(
            crm_stage_for(CallStatus::Cancelled, Some(CrmStage::Lost)),
            CrmStage::Scheduled
        );
    }

    #[test]
    fn an_explicit_traffic_source_wins() {
        let source = classify_traffic_source(
            Some(TrafficSource::Organic),
            Some(AppointmentSource::Vsl),
            Some("facebook"),
        );
        assert_eq!(source, TrafficSource::Organic);
    }

    #[test]
    fn the_appointment_source_decides_before_the_lead_source() {
        let sdr =
            classify_traffic_source(None, Some(AppointmentSource::SdrBookedCall), Some("web"));
        assert_eq!(sdr, TrafficSource::Meta);
        let email = classify_traffic_source(None, Some(AppointmentSource::Email), Some("facebook"));
        assert_eq!(email, TrafficSource::Organic);
    }

    #[test]
    fn the_lead_source_decides_last_and_unknown_is_organic() {
        assert_eq!(
            classify_traffic_source(None, None, Some(" Facebook ")),
            TrafficSource::Meta
        );
        assert_eq!(
            classify_traffic_source(None, None, Some("google")),
            TrafficSource::Organic
        );
        assert_eq!(
            classify_traffic_source(None, None, None),
            TrafficSource::Organic
        );
    }
}
