//! Realistic-looking values for generated rows.

use rand::Rng;
use rand::rngs::SmallRng;

pub const FIRST_NAMES: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "Mateo", "Isabella", "Lucas",
    "Mia", "Levi", "Amelia", "Ethan", "Harper", "James", "Evelyn", "Aiden", "Abigail", "Daniel",
    "Priya", "Wei", "Fatima", "Diego", "Aisha", "Kenji", "Zara", "Omar", "Lena", "Tomás",
];

pub const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Patel",
    "Nguyen",
    "Kim",
    "Okafor",
    "Schmidt",
];

pub const COMPANIES: &[&str] = &[
    "Brightside Dental",
    "Northwind Clinics",
    "Summit Family Care",
    "Harbor Orthodontics",
    "Evergreen Wellness",
    "Lakeside Physio",
    "Pioneer Health",
    "Bluebird Pediatrics",
];

/// Lead sources with their sub-sources (campaign or channel detail).
pub const SOURCES: &[(&str, &[&str])] = &[
    ("facebook", &["spring_promo", "retargeting", "lookalike"]),
    ("instagram", &["stories", "reels"]),
    ("google", &["search_brand", "search_generic"]),
    ("website", &["contact_form", "chat_widget"]),
    ("referral", &["patient", "partner"]),
];

pub const TAGS: &[&str] = &[
    "new-patient",
    "insurance",
    "self-pay",
    "invisalign",
    "implants",
    "whitening",
    "urgent",
    "spanish",
    "vip",
    "reactivation",
    "hot",
    "follow-up",
];

pub const TIMEZONES: &[&str] = &[
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
];

const AREA_CODES: &[u32] = &[212, 305, 312, 415, 512, 617, 702, 206, 404, 303];

/// A unique, well-formed North American number for index `i` (up to ten
/// million per area code): `+1 AAA 2XX XXXX`.
pub fn phone(i: u64) -> String {
    let area = AREA_CODES[(i % AREA_CODES.len() as u64) as usize];
    let line = 2_000_000 + (i / AREA_CODES.len() as u64) % 8_000_000;
    format!("+1{area}{line:07}")
}

pub fn pick<'a, T>(rng: &mut SmallRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Up to `max` distinct tags.
pub fn tags(rng: &mut SmallRng, max: usize) -> serde_json::Value {
    let count = rng.random_range(0..=max);
    let mut chosen: Vec<&str> = Vec::with_capacity(count);
    while chosen.len() < count {
        let tag = *pick(rng, TAGS);
        if !chosen.contains(&tag) {
            chosen.push(tag);
        }
    }
    serde_json::json!(chosen)
}

const AGENT_LINES: &[&str] = &[
    "Hi, this is Ava from Brightside Dental. Is now a good time to talk about your appointment?",
    "I can help with that. Do you have dental insurance you'd like us to verify?",
    "We have openings on Tuesday at 10 AM or Thursday at 3 PM. Which works better?",
    "Great, I've booked that for you. You'll get a text confirmation shortly.",
    "I understand. Would a payment plan make this easier? We offer twelve months interest free.",
    "Let me transfer you to our front desk team, one moment please.",
];

const CALLER_LINES: &[&str] = &[
    "Yes, I was hoping to get a cleaning scheduled.",
    "I have Delta Dental through my employer.",
    "Thursday afternoon works for me.",
    "How much would that cost without insurance?",
    "Can you call me back next week? I'm driving right now.",
    "Please take me off your list.",
];

/// A short conversation: its text and its speaker segments.
pub fn transcript(rng: &mut SmallRng, turns: usize) -> (String, serde_json::Value) {
    let mut content = String::new();
    let mut segments = Vec::with_capacity(turns);
    let mut t = 0.0_f64;
    for turn in 0..turns {
        let (speaker, text) = if turn % 2 == 0 {
            ("agent", *pick(rng, AGENT_LINES))
        } else {
            ("caller", *pick(rng, CALLER_LINES))
        };
        let length = 2.0 + text.len() as f64 / 15.0;
        segments.push(serde_json::json!({
            "speaker": speaker,
            "text": text,
            "start": (t * 10.0).round() / 10.0,
            "end": ((t + length) * 10.0).round() / 10.0,
        }));
        t += length + 0.4;
        if !content.is_empty() {
            content.push('\n');
        }
        content.push_str(if speaker == "agent" {
            "Agent: "
        } else {
            "Caller: "
        });
        content.push_str(text);
    }
    (content, serde_json::Value::Array(segments))
}
